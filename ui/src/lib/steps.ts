// The wizard's steps, which spec fields each one holds, and what still stands between a
// step and the next one.

import type { Problem, Spec } from './ipc/bindings';
import type { Choices } from './draft';
import { serverKind } from './server';

export type StepKey = 'app' | 'server' | 'domain' | 'notify' | 'review';

export interface StepInfo {
  key: StepKey;
  title: string;
  note: string;
}

export const STEPS: readonly StepInfo[] = [
  { key: 'app', title: 'App', note: 'Which app to deploy' },
  { key: 'server', title: 'Server', note: 'Where it will run' },
  { key: 'domain', title: 'Domain & HTTPS', note: 'The address people visit' },
  { key: 'notify', title: 'Notifications', note: 'Who hears about deploys' },
  { key: 'review', title: 'Review', note: 'Check, then go live' },
];

export const LAST_STEP = STEPS.length - 1;

/** The step whose form holds `field`; problems about the whole file belong to Review. */
export function stepOfField(field: string): StepKey {
  const section = field.split(/[.[]/, 1)[0];
  switch (section) {
    case 'app':
      return 'app';
    case 'server':
    case 'harden':
      return 'server';
    case 'domain':
    case 'tls':
      return 'domain';
    case 'notify':
      return 'notify';
    default:
      return 'review';
  }
}

/**
 * Where the wizard's own questions report: slipway.toml has no field for "which kind of
 * server" or "a domain or not", so the spec's checks cannot ask them.
 */
export const CHOOSE_SERVER = 'server';
export const CHOOSE_DOMAIN = 'domain';

/** What the wizard needs besides a valid spec, worded like the spec's problems. */
export function wizardProblems(spec: Spec, choices: Choices): Problem[] {
  const problems: Problem[] = [];
  const kind = serverKind(spec.server);
  if (kind === null) {
    problems.push({ field: CHOOSE_SERVER, message: 'Choose where your app will run' });
  } else if (kind === 'existing' && choices.keyKind === 'file' && (spec.server?.key ?? '') === '') {
    problems.push({ field: 'server.key', message: 'is required: enter the path of the private key file' });
  }
  if (!spec.domain && choices.domain !== 'skip') {
    problems.push({ field: CHOOSE_DOMAIN, message: 'Enter a domain, or skip it for now' });
  }
  return problems;
}

/** What must be fixed before leaving `step` forwards; Review needs everything fixed. */
export function stepIssues(step: StepKey, problems: readonly Problem[]): Problem[] {
  return step === 'review' ? [...problems] : problems.filter((p) => stepOfField(p.field) === step);
}

/** Problems grouped by field path, for the fields whose path passes `keep`. */
export function problemsByField(
  problems: readonly Problem[],
  keep: (field: string) => boolean,
): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const { field, message } of problems) {
    if (!keep(field)) continue;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return byField;
}
