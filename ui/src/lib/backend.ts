// The one door between the UI and whatever answers it: the Rust backend inside Tauri, or
// an in-memory fake in the browser preview and the tests. Components never call `invoke`.

import type {
  DnsStatus,
  ErrorCode,
  IpcError,
  Live,
  LiveStatus,
  News,
  Problem,
  Project,
  Preview,
  ProjectCard,
  PublicKey,
  RunRecord,
  SecretState,
  ServerOffer,
  Spec,
  TestDelivery,
} from './ipc/bindings';

export type { IpcError } from './ipc/bindings';

/** Everything the wizard asks of the backend. Every method rejects with an `IpcError`. */
export interface Backend {
  /** Detects the app in `path` and reads its slipway.toml, if it has one. */
  openProject(path: string): Promise<Project>;
  /** Every problem with `spec`, each naming its field (`app.name`, `app.static[0].url`). */
  checkSpec(spec: Spec): Promise<Problem[]>;
  /** Writes `spec` to slipway.toml in `folder`; resolves with the file's path. */
  saveSpec(folder: string, spec: Spec): Promise<string>;
  /** Shows the native folder dialog; resolves with `null` when the user cancels. */
  pickFolder(): Promise<string | null>;
  /**
   * What `provider` offers this account: regions with their sizes (monthly prices) and
   * images. Checks `token` as entered, or the project's stored token when `token` is
   * null; a token the provider accepts is kept in the keychain for `project`, a refused
   * one nowhere. Rejects with the provider's own message (code `provider` or `invalid`
   * with `field: 'token'`).
   */
  serverOffer(project: string, provider: CloudProvider, token: string | null): Promise<ServerOffer>;
  /** Stores a secret (`twilio-token`, `env/DATABASE_URL`…) for `project` in the keychain. */
  storeSecret(project: string, name: string, value: string): Promise<void>;
  /**
   * The public half of the project's SSH login key; with `create`, the key is made first
   * when the keychain has none (never replaced). Null when there is none.
   */
  loginKey(spec: Spec, create: boolean): Promise<PublicKey | null>;
  /** Which of `names` the project has in the keychain; never their values. */
  secretStates(project: string, names: string[]): Promise<SecretState[]>;
  /** Whether the spec's domain points at its server yet (the live "does it resolve" check). */
  dnsStatus(spec: Spec): Promise<DnsStatus>;
  /**
   * Deploys the last commit of the project in `folder` with its saved slipway.toml,
   * creating the server and records the spec asks for. `onNews` hears every step as it
   * happens, in order. Resolves with the live release, or `null` when the user refused a
   * question (a new server's host key); rejects with an `IpcError` when the deploy fails,
   * the site then still serving what it served before. One deploy at a time. Uncommitted
   * changes in the app's folder refuse it (code `uncommitted`) unless `allowUncommitted`:
   * the last commit then goes live without them.
   */
  deploy(folder: string, onNews: (news: News) => void, allowUncommitted?: boolean): Promise<Live | null>;
  /**
   * Switches the site of the project in `folder` back to the kept release `release` (the
   * one before the live one when null), without building anything. Streams like `deploy`.
   */
  rollback(folder: string, release: string | null, onNews: (news: News) => void): Promise<Live | null>;
  /**
   * What a deploy of `spec` (as on screen, saved or not) from `folder` would change on its
   * server, without changing anything. The server must exist and be known; otherwise it
   * rejects saying so (a provider that has no server yet: code `provider`).
   */
  preview(folder: string, spec: Spec): Promise<Preview>;
  /** Stops the running deploy or rollback after its current action; the site keeps serving. */
  cancelDeploy(): Promise<void>;
  /** Every project deployed from this computer, with how its last run ended; no network. */
  projects(): Promise<ProjectCard[]>;
  /** What the project's server says now: health, live release, kept releases, certificate. */
  projectStatus(folder: string): Promise<LiveStatus>;
  /** The project's runs, newest first. */
  history(folder: string): Promise<RunRecord[]>;
  /** Every line of one run, as it streamed. */
  historyLog(folder: string, id: string): Promise<News[]>;
  /**
   * Takes the project off the dashboard and forgets its history; with `destroy` (the
   * server's name, typed back by the user) its server is destroyed at its provider first.
   */
  removeProject(folder: string, destroy: string | null): Promise<void>;
  /** A test message on every channel `spec` configures; says what happened on each. */
  sendTests(spec: Spec): Promise<TestDelivery[]>;
  /** The window shows its first interactive screen (for startup measurements). */
  windowReady(): Promise<void>;
}

/** The providers that make servers, as `server.provider` names them. */
export type CloudProvider = 'digitalocean' | 'hetzner' | 'sandbox';

// A record, not a list, so the type check fails when Rust adds a code this file lacks.
const CODES: Record<ErrorCode, true> = {
  not_found: true,
  not_a_project: true,
  invalid: true,
  io: true,
  unreachable: true,
  locked: true,
  deploy_failed: true,
  uncommitted: true,
  dns_not_ready: true,
  provider: true,
};

/** Whether `value` has the shape of an error the backend sends. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    Object.hasOwn(CODES, v.code) &&
    typeof v.message === 'string' &&
    Array.isArray(v.hints) &&
    v.hints.every((h) => typeof h === 'string') &&
    (v.field === undefined || v.field === null || typeof v.field === 'string')
  );
}

/** Any rejection as an `IpcError`: backend errors pass through, anything else is wrapped. */
export function toIpcError(error: unknown): IpcError {
  if (isIpcError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'io', message, hints: [], field: null };
}
