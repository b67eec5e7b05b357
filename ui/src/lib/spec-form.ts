// Small pure helpers the spec form uses: which problems belong to which field, how a
// backend message reads under a field, and ids that tie labels, hints and errors together.

import type { AppSpec, EntryPoint, Problem } from './ipc/bindings';

/** Problems of the app section, grouped by field path (`app.static[0].url`). */
export function appProblems(problems: readonly Problem[]): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const { field, message } of problems) {
    if (!field.startsWith('app.')) continue;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return byField;
}

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
