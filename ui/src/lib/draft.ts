// The wizard's state, kept in the browser's storage after every change so that closing
// the window loses nothing: one draft per project folder, and which folder was open last.
//
// A draft holds settings only. API tokens, passwords and webhook URLs go straight from
// their fields to the keychain and never reach this state; what could still carry a
// secret (a repository URL with a password in it, the [app.env] values read from
// slipway.toml) is stripped before writing.

import type { DomainSpec, ServerSpec, Spec, TlsSpec } from './ipc/bindings';
import type { ChannelSpecs } from './notify';
import { keyKindOf, type KeyKind, type ServerKind } from './server';
import { withoutCredentials } from './redact';
import { LAST_STEP } from './steps';

/** Answers the wizard keeps that slipway.toml has no field for. */
export interface Choices {
  /** How Slipway logs in to a server the user already has. */
  keyKind: KeyKind;
  /** Whether the site gets a domain now; null until the user says. */
  domain: 'use' | 'skip' | null;
  /** Settings of options the user moved away from, brought back if they return. */
  setAside: {
    servers: Partial<Record<ServerKind, ServerSpec>>;
    domain: { domain: DomainSpec; tls: TlsSpec | null } | null;
    channels: Partial<ChannelSpecs>;
  };
}

export interface Draft {
  version: 1;
  /** The project folder, as it was opened. */
  folder: string;
  /** The step on screen. */
  step: number;
  /** The furthest step the user has reached. */
  reached: number;
  spec: Spec;
  choices: Choices;
  /** When it was written, in milliseconds since 1970. */
  savedAt: number;
}

const PREFIX = 'slipway.draft:';
const LAST = 'slipway.last-folder';

export function draftKey(folder: string): string {
  return PREFIX + folder;
}

/** The choices a spec implies, for a project opened without a draft. */
export function choicesFor(spec: Spec): Choices {
  return {
    keyKind: keyKindOf(spec.server?.key ?? ''),
    domain: spec.domain ? 'use' : null,
    setAside: { servers: {}, domain: null, channels: {} },
  };
}

/** The draft as written to storage: nothing in it that may be a secret. */
export function storable(draft: Draft): Draft {
  const { env: _env, ...app } = draft.spec.app;
  const repository = app.repository;
  return {
    ...draft,
    spec: {
      ...draft.spec,
      app: repository === undefined ? app : { ...app, repository: withoutCredentials(repository) },
    },
  };
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function saveDraft(draft: Draft): void {
  const store = storage();
  try {
    store?.setItem(draftKey(draft.folder), JSON.stringify(storable(draft)));
    store?.setItem(LAST, draft.folder);
  } catch {
    // Storage full or turned off: the wizard still works, it just will not remember.
  }
}

export function forgetDraft(folder: string): void {
  try {
    storage()?.removeItem(draftKey(folder));
  } catch {
    // Nothing to forget.
  }
}

/** The folder the wizard had open last, if its draft is still there. */
export function lastFolder(): string | null {
  try {
    const folder = storage()?.getItem(LAST) ?? null;
    return folder !== null && loadDraft(folder) !== null ? folder : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The draft of `folder`, with `env` from the freshly opened `spec` (drafts do not keep
 * it); null when there is none or it does not look like one of ours.
 */
export function loadDraft(folder: string, spec?: Spec): Draft | null {
  let parsed: unknown;
  try {
    const text = storage()?.getItem(draftKey(folder));
    if (text == null) return null;
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(parsed) || parsed.version !== 1 || parsed.folder !== folder) return null;
  const draftSpec = parsed.spec;
  if (!isObject(draftSpec) || !isObject(draftSpec.app) || typeof draftSpec.app.name !== 'string') return null;
  const restored = draftSpec as unknown as Spec;
  const choices = isObject(parsed.choices) ? (parsed.choices as unknown as Partial<Choices>) : {};
  const fallback = choicesFor(restored);
  const step = clampStep(parsed.step);
  const env = spec?.app.env;
  return {
    version: 1,
    folder,
    step,
    reached: Math.max(step, clampStep(parsed.reached)),
    spec: env === undefined ? restored : { ...restored, app: { ...restored.app, env } },
    choices: {
      keyKind: choices.keyKind ?? fallback.keyKind,
      domain: choices.domain ?? fallback.domain,
      setAside: { ...fallback.setAside, ...(isObject(choices.setAside) ? choices.setAside : {}) },
    },
    savedAt: typeof parsed.savedAt === 'number' ? parsed.savedAt : 0,
  };
}

function clampStep(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) ? Math.min(Math.max(value, 0), LAST_STEP) : 0;
}
