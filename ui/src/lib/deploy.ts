// What a running deploy has told the user so far: the commit, the server and DNS news,
// each step of the run with its state, and the log of every line. Steps and news are
// small and change a few times a second; the log may reach hundreds of thousands of
// lines, so it lives in a buffer that grows in place and is drawn a window at a time.

import type { Event, HandRecord, News } from './ipc/bindings';

export type StepState = 'pending' | 'running' | 'changed' | 'unchanged' | 'failed';

export interface StepRow {
  id: string;
  description: string;
  state: StepState;
  /** How long it took, once finished. */
  millis: number | null;
  /** The action running now, or what the step waits for, or why it failed. */
  note: string | null;
}

/** News from the provider that makes the server, or from the DNS host. */
export interface NewsGroup {
  title: string;
  messages: string[];
  records: HandRecord[];
}

export interface DeployState {
  commit: { short: string; subject: string; uncommitted: number } | null;
  groups: NewsGroup[];
  trusted: { host: string; fingerprint: string } | null;
  warnings: string[];
  steps: StepRow[];
  finished: { changed: number; unchanged: number; ok: boolean; millis: number } | null;
  notified: { sent: string[]; failed: string[] } | null;
}

export const EMPTY: DeployState = {
  commit: null,
  groups: [],
  trusted: null,
  warnings: [],
  steps: [],
  finished: null,
  notified: null,
};

/** The state after one piece of news; output lines change nothing here. */
export function applyNews(state: DeployState, news: News): DeployState {
  switch (news.kind) {
    case 'commit':
      return { ...state, commit: { short: news.short, subject: news.subject, uncommitted: news.uncommitted } };
    case 'server':
      return { ...state, groups: [...state.groups, { title: `Server at ${news.provider}`, messages: [], records: [] }] };
    case 'dns':
      return { ...state, groups: [...state.groups, { title: `DNS at ${news.provider}`, messages: [], records: [] }] };
    case 'cloud':
      return { ...state, groups: addToLast(state.groups, 'Cloud', (g) => ({ ...g, messages: [...g.messages, news.message] })) };
    case 'by_hand': {
      const last = state.groups[state.groups.length - 1];
      const groups = last?.title.startsWith('DNS')
        ? state.groups
        : [...state.groups, { title: 'DNS, by you', messages: [], records: [] }];
      return { ...state, groups: addToLast(groups, '', (g) => ({ ...g, records: [...g.records, ...news.records] })) };
    }
    case 'host_trusted':
      return { ...state, trusted: { host: news.host, fingerprint: news.fingerprint } };
    case 'warning':
      return { ...state, warnings: [...state.warnings, news.message] };
    case 'lock_broken':
      return { ...state, warnings: [...state.warnings, `Took over the deploy lock left by ${news.who}`] };
    case 'notified':
      return { ...state, notified: { sent: news.sent, failed: news.failed } };
    case 'step':
      return applyEvent(state, news.event);
  }
}

function addToLast(groups: NewsGroup[], title: string, change: (g: NewsGroup) => NewsGroup): NewsGroup[] {
  const last = groups[groups.length - 1];
  if (!last) return [change({ title, messages: [], records: [] })];
  return [...groups.slice(0, -1), change(last)];
}

function applyEvent(state: DeployState, event: Event): DeployState {
  switch (event.event) {
    case 'step_planned':
      if (state.steps.some((s) => s.id === event.step)) return state;
      return {
        ...state,
        steps: [...state.steps, { id: event.step, description: event.description, state: 'pending', millis: null, note: null }],
      };
    case 'action_started':
      return withStep(state, event.step, (s) => ({ ...s, state: 'running', note: event.action }));
    case 'waiting':
      return withStep(state, event.step, (s) => ({ ...s, state: 'running', note: event.message }));
    case 'warning':
      return { ...state, warnings: [...state.warnings, `${event.step}: ${event.message}`] };
    case 'step_finished':
      return withStep(state, event.step, (s) => ({
        ...s,
        state: event.outcome.kind,
        millis: Number(event.millis),
        note: event.outcome.kind === 'failed' ? event.outcome.message : null,
      }));
    case 'finished':
      return {
        ...state,
        finished: { changed: event.changed, unchanged: event.unchanged, ok: event.ok, millis: Number(event.millis) },
      };
    case 'output':
      return state;
  }
}

function withStep(state: DeployState, id: string, change: (s: StepRow) => StepRow): DeployState {
  const known = state.steps.some((s) => s.id === id);
  const steps = known
    ? state.steps.map((s) => (s.id === id ? change(s) : s))
    : [...state.steps, change({ id, description: '', state: 'pending', millis: null, note: null })];
  return { ...state, steps };
}

/** How a log line reads: program output, its error stream, or Slipway's own words. */
export type LineKind = 'out' | 'err' | 'note';

/** Every line of the deploy, in order; appended in place, never copied. */
export class LogBuffer {
  readonly texts: string[] = [];
  readonly kinds: LineKind[] = [];

  get length(): number {
    return this.texts.length;
  }

  push(text: string, kind: LineKind): void {
    this.texts.push(text);
    this.kinds.push(kind);
  }
}

/** The log line a piece of news adds, if any. */
export function logLine(news: News): { text: string; kind: LineKind } | null {
  switch (news.kind) {
    case 'commit':
      return { text: `Deploying commit ${news.short}: ${news.subject}`, kind: 'note' };
    case 'server':
      return { text: `Server at ${news.provider}`, kind: 'note' };
    case 'dns':
      return { text: `DNS at ${news.provider}`, kind: 'note' };
    case 'cloud':
      return { text: news.message, kind: 'note' };
    case 'by_hand':
      return {
        text: `Create by hand: ${news.records.map((r) => `${r.name} ${r.kind} ${r.value}`).join(', ')}`,
        kind: 'note',
      };
    case 'host_trusted':
      return { text: `Trusted ${news.host} (${news.fingerprint})`, kind: 'note' };
    case 'warning':
      return { text: `Warning: ${news.message}`, kind: 'err' };
    case 'lock_broken':
      return { text: `Took over the deploy lock left by ${news.who}`, kind: 'err' };
    case 'notified':
      return {
        text: `Notified: ${news.sent.join(', ') || 'nobody'}${news.failed.length > 0 ? `; not sent: ${news.failed.join('; ')}` : ''}`,
        kind: 'note',
      };
    case 'step':
      return eventLine(news.event);
  }
}

function eventLine(event: Event): { text: string; kind: LineKind } | null {
  switch (event.event) {
    case 'step_planned':
      return null;
    case 'action_started':
      return { text: `[${event.step}] ${event.action}`, kind: 'note' };
    case 'output':
      return { text: event.line, kind: event.stream === 'stderr' ? 'err' : 'out' };
    case 'waiting':
      return { text: `[${event.step}] ${event.message}`, kind: 'note' };
    case 'warning':
      return { text: `[${event.step}] Warning: ${event.message}`, kind: 'err' };
    case 'step_finished': {
      const took = seconds(Number(event.millis));
      return event.outcome.kind === 'failed'
        ? { text: `[${event.step}] failed after ${took}: ${event.outcome.message}`, kind: 'err' }
        : { text: `[${event.step}] ${event.outcome.kind} in ${took}`, kind: 'note' };
    }
    case 'finished':
      return {
        text: `${event.ok ? 'Finished' : 'Stopped'}: ${event.changed} changed, ${event.unchanged} unchanged, in ${seconds(Number(event.millis))}`,
        kind: event.ok ? 'note' : 'err',
      };
  }
}

/** What the live region says about a piece of news, for the few worth saying. */
export function announcement(news: News): string | null {
  if (news.kind !== 'step') return null;
  const event = news.event;
  switch (event.event) {
    case 'step_finished':
      return event.outcome.kind === 'failed'
        ? `${event.step} failed: ${event.outcome.message}`
        : `${event.step} ${event.outcome.kind}`;
    case 'waiting':
      return `${event.step}: ${event.message}`;
    case 'finished':
      return event.ok ? 'Every step finished' : 'The deploy stopped';
    default:
      return null;
  }
}

/** A duration as people read it: `340 ms`, `4.2 s`, `1 min 12 s`. */
export function seconds(millis: number): string {
  if (millis < 1000) return `${Math.round(millis)} ms`;
  if (millis < 60_000) return `${(millis / 1000).toFixed(1)} s`;
  const whole = Math.round(millis / 1000);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Whether a deploy's rejection says the user stopped it. */
export function wasCancelled(message: string): boolean {
  return /cancel/i.test(message);
}
