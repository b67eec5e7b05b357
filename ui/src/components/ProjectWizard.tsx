import { useEffect, useMemo, useRef, useState } from 'react';
import { choicesFor, saveDraft, storable, type Choices, type Draft } from '../lib/draft';
import type { Problem, Project, Spec } from '../lib/ipc/bindings';
import { isCloud, serverKind } from '../lib/server';
import { CHOOSE_DOMAIN, CHOOSE_SERVER, LAST_STEP, STEPS, stepIssues, wizardProblems } from '../lib/steps';
import { useOffers } from '../lib/use-offers';
import { useProblems } from '../lib/use-problems';
import { useDeploy } from '../lib/use-deploy';
import { useSave } from '../lib/use-save';
import { AppStep, type Opener } from './AppStep';
import { DeployView } from './DeployView';
import { DomainStep } from './DomainStep';
import { NotifyStep } from './NotifyStep';
import { ProjectView } from './ProjectView';
import { ReviewStep } from './ReviewStep';
import { ServerStep } from './ServerStep';
import { Shell } from './Shell';
import { WizardNav } from './WizardNav';

interface Props {
  project: Project;
  draft: Draft | null;
  resumed: boolean;
  opener: Opener;
  demo: boolean;
  onStartOver: () => void;
}

interface State {
  step: number;
  reached: number;
  spec: Spec;
  choices: Choices;
}

/** What a step changes: the spec, and the wizard's own answers when they change too. */
export type Change = (spec: Spec, choices?: Choices) => void;

/**
 * The wizard for one open project: the spec being edited, where the user is, and what
 * stands between each step and the next. Every change is kept as the folder's draft.
 */
export function ProjectWizard({ project, draft, resumed, opener, demo, onStartOver }: Props) {
  const folder = project.detection.root;
  const [state, setState] = useState<State>(() =>
    draft
      ? { step: resumed ? draft.step : 0, reached: draft.reached, spec: draft.spec, choices: draft.choices }
      : { step: 0, reached: 0, spec: project.spec, choices: choicesFor(project.spec) },
  );
  const { step, reached, spec, choices } = state;
  const checked = useProblems(spec, draft ? null : project.problems);
  const problems = useMemo<Problem[]>(
    () => [...wizardProblems(spec, choices), ...checked.problems],
    [spec, choices, checked.problems],
  );
  const save = useSave(folder, project.config ?? null);
  const offers = useOffers(spec.app.name);
  // Say so when the screen is not what the folder alone would give.
  const [note, setNote] = useState(() => draft !== null && (resumed || draftDiffers(draft, project.spec)));
  const [waitingToGo, setWaitingToGo] = useState<number | null>(null);
  const deploy = useDeploy(folder);
  // The deploy screen follows Review; it stays until the user leaves it.
  const [deploying, setDeploying] = useState(false);

  useEffect(() => {
    saveDraft({ version: 1, folder, ...state, savedAt: Date.now() });
  }, [folder, state]);

  // A provider's offer is read with the stored token as soon as the provider is chosen.
  const kind = serverKind(spec.server);
  const offerStatus = isCloud(kind) ? offers.states[kind].status : null;
  const { ensure } = offers;
  useEffect(() => {
    if (isCloud(kind) && offerStatus === 'unknown') void ensure(kind);
  }, [kind, offerStatus, ensure]);

  // The heading of a step the user moves to takes the focus.
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return;
    document.getElementById('step-title')?.focus();
    window.scrollTo({ top: 0 });
  }, [step, deploying]);

  function startDeploy() {
    moved.current = true;
    setNote(false);
    deploy.start();
    setDeploying(true);
  }

  const issuesOf = (i: number) => stepIssues(STEPS[i]!.key, problems);
  const clearUpTo = (i: number) => !checked.checking && checked.failure === null &&
    Array.from({ length: i - step }, (_, k) => step + k).every((k) => issuesOf(k).length === 0);

  function go(i: number) {
    moved.current = true;
    setNote(false);
    setDeploying(false);
    setState((s) => ({ ...s, step: i, reached: Math.max(s.reached, i) }));
  }

  /** Forwards when nothing on the way needs fixing; else to the first thing to fix. */
  function goForward(i: number) {
    if (checked.checking) {
      setWaitingToGo(i);
      return;
    }
    if (clearUpTo(i)) go(i);
    else focusFirstIssue();
  }

  // A Next pressed while the settings were being checked goes ahead once they are.
  useEffect(() => {
    if (waitingToGo === null || checked.checking) return;
    setWaitingToGo(null);
    if (clearUpTo(waitingToGo)) go(waitingToGo);
    else focusFirstIssue();
  }, [checked.checking]);

  function focusFirstIssue() {
    const first = issuesOf(step)[0];
    const target =
      first?.field === CHOOSE_SERVER
        ? 'input[name="server-kind"]'
        : first?.field === CHOOSE_DOMAIN
          ? 'input[name="domain-choice"]'
          : '.content [aria-invalid="true"]';
    document.querySelector<HTMLElement>(target)?.focus();
  }

  const change: Change = (next, nextChoices) =>
    setState((s) => ({ ...s, spec: next, choices: nextChoices ?? s.choices }));

  const current = STEPS[step]!.key;
  const issues = issuesOf(step);
  const nav = (
    <WizardNav
      index={step}
      issues={issues}
      checking={checked.checking || waitingToGo !== null}
      failure={checked.failure?.message ?? null}
      onBack={() => go(Math.max(0, step - 1))}
      onNext={() => goForward(Math.min(LAST_STEP, step + 1))}
    />
  );

  if (deploying) {
    const running = deploy.phase.kind === 'running';
    return (
      <Shell
        current={-1}
        canGo={() => !running}
        done={() => true}
        onGo={go}
        demo={demo}
        deploying
      >
        <DeployView name={spec.app.name} folder={folder} deploy={deploy} onReview={() => go(LAST_STEP)} />
      </Shell>
    );
  }

  return (
    <Shell
      current={step}
      canGo={(i) => i < step || (i <= reached && clearUpTo(i))}
      done={(i) => i < reached && i !== step && issuesOf(i).length === 0}
      onGo={(i) => (i < step ? go(i) : goForward(i))}
      demo={demo}
    >
      {note && (
        <ResumedNote
          savedAt={draft?.savedAt ?? 0}
          resumed={resumed}
          onStartOver={onStartOver}
          onDismiss={() => setNote(false)}
        />
      )}
      {current === 'app' && (
        <AppStep opener={opener}>
          <ProjectView
            detection={project.detection}
            spec={spec}
            problems={checked.problems}
            checking={checked.checking}
            onChangeApp={(app) => change({ ...spec, app })}
            save={save}
          />
          {nav}
        </AppStep>
      )}
      {current === 'server' && (
        <ServerStep index={step} spec={spec} choices={choices} problems={problems} offers={offers} onChange={change}>
          {nav}
        </ServerStep>
      )}
      {current === 'domain' && (
        <DomainStep index={step} spec={spec} choices={choices} problems={problems} onChange={change}>
          {nav}
        </DomainStep>
      )}
      {current === 'notify' && (
        <NotifyStep index={step} spec={spec} problems={problems} choices={choices} onChange={change}>
          {nav}
        </NotifyStep>
      )}
      {current === 'review' && (
        <ReviewStep
          index={step}
          folder={folder}
          spec={spec}
          problems={problems}
          checking={checked.checking}
          offers={offers}
          save={save}
          onGo={go}
          onDeploy={startDeploy}
        >
          {nav}
        </ReviewStep>
      )}
    </Shell>
  );
}

function draftDiffers(draft: Draft, spec: Spec): boolean {
  const plain = (s: Spec) => JSON.stringify(storable({ ...draft, spec: s }).spec);
  return draft.step > 0 || plain(draft.spec) !== plain(spec);
}

function ResumedNote({
  savedAt,
  resumed,
  onStartOver,
  onDismiss,
}: {
  savedAt: number;
  resumed: boolean;
  onStartOver: () => void;
  onDismiss: () => void;
}) {
  const when = savedAt > 0 ? new Date(savedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : null;
  return (
    <div className="resumed" role="status" data-testid="resumed">
      <p>
        {resumed ? 'Picked up where you left off' : 'Your unsaved setup for this folder is back'}
        {when && <span className="muted"> (last changed {when})</span>}.
      </p>
      <div className="resumed-actions">
        <button type="button" className="button button-small" data-testid="start-over" onClick={onStartOver}>
          Start over from the folder
        </button>
        <button type="button" className="button button-small button-plain" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
