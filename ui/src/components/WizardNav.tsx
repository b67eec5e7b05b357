import type { Problem } from '../lib/ipc/bindings';
import { STEPS } from '../lib/steps';

interface Props {
  index: number;
  /** What must be fixed before going on. */
  issues: readonly Problem[];
  checking: boolean;
  /** Why the settings could not be checked, if they could not. */
  failure: string | null;
  onBack: () => void;
  onNext: () => void;
}

/**
 * Back and Next. Next stays focusable while something needs fixing: pressing it then
 * takes the user to the first field to fix instead of moving on.
 */
export function WizardNav({ index, issues, checking, failure, onBack, onNext }: Props) {
  const next = STEPS[index + 1];
  const blocked = issues.length > 0 || failure !== null;
  return (
    <div className="wizard-nav">
      {index > 0 && (
        <button type="button" className="button" data-testid="back" onClick={onBack}>
          <span aria-hidden="true">← </span>Back
        </button>
      )}
      <p className="nav-status" id="nav-status" aria-live="polite" data-testid="nav-status">
        {failure !== null ? (
          <span className="error-text">Could not check the settings: {failure}</span>
        ) : issues.length === 1 ? (
          <span className="muted">{firstWords(issues[0]!)}</span>
        ) : issues.length > 1 ? (
          <span className="muted">{issues.length} settings need your attention before going on.</span>
        ) : checking ? (
          <span className="muted">Checking…</span>
        ) : next ? (
          <span className="muted">Everything on this step looks right.</span>
        ) : null}
      </p>
      {next && (
        <button
          type="button"
          className="button button-primary"
          data-testid="next"
          aria-disabled={blocked || undefined}
          aria-describedby="nav-status"
          onClick={onNext}
        >
          Next: {next.title}
          <span aria-hidden="true"> →</span>
        </button>
      )}
    </div>
  );
}

/** One issue as the status line says it. */
function firstWords(issue: Problem): string {
  if (!issue.field.includes('.')) return `${issue.message}.`;
  return 'One setting needs your attention before going on.';
}
