// Small pure helpers the spec form uses: how a backend message reads under a field, ids
// that tie labels, hints and errors together, and what a few values mean.

import type { AppSpec, EntryPoint } from './ipc/bindings';

/** An element id for a field path: `app.static[0].url` → `app-static-0-url`. */
export function fieldId(path: string, suffix = ''): string {
  const base = path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '');
  return suffix ? `${base}--${suffix}` : base;
}

/**
 * A backend message as a sentence under its field. Messages are written to follow the
 * field's path (`is required`, `"My App" may only use …`), so one that starts with a
 * lowercase word gets the field's label in front.
 */
export function sentence(label: string, message: string): string {
  const text = /^[a-z]/.test(message) ? `${label} ${message}` : message;
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * What a number input holds, as the whole, non-negative number the spec stores: empty
 * reads as `empty`, fractions are cut and negatives become 0, so what reaches the backend
 * always parses and the range check there speaks about the value.
 */
export function wholeNumber(text: string, empty: number): number {
  if (text.trim() === '') return empty;
  const value = Number(text);
  if (!Number.isFinite(value)) return empty;
  return Math.min(Math.max(0, Math.trunc(value)), 4_294_967_295);
}

/** True when the repository is fetched over SSH (`ssh://…` or `git@host:path`). */
export function sshRepository(url: string): boolean {
  if (url.startsWith('ssh://')) return true;
  if (url.includes('://')) return false;
  const colon = url.indexOf(':');
  return colon > 0 && !url.slice(0, colon).includes('/');
}

/** The app settings with a detected entry point chosen. */
export function withEntry(app: AppSpec, entry: EntryPoint): AppSpec {
  return { ...app, framework: entry.framework, entry: entry.entry, interface: entry.interface };
}

/** Whether `hint` is a bullet naming a folder the user can open (`• /home/ana/shop`). */
export function folderInHint(hint: string): string | null {
  if (!hint.startsWith('• ')) return null;
  const rest = hint.slice(2).trim();
  return /^(\/|~\/|[A-Za-z]:[\\/]|\\\\)/.test(rest) ? rest : null;
}
