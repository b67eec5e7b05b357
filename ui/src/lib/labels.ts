// Words the UI shows for the backend's keys. Framework labels match `Framework::label` in
// crates/slipway-spec so the wizard and the CLI name things the same way.

import type { Evidence, Framework, Installer, Interface, Manifest } from './ipc/bindings';

export const FRAMEWORKS: readonly { key: Framework; label: string }[] = [
  { key: 'django', label: 'Django' },
  { key: 'flask', label: 'Flask' },
  { key: 'fastapi', label: 'FastAPI' },
  { key: 'starlette', label: 'Starlette' },
  { key: 'pyramid', label: 'Pyramid' },
  { key: 'wsgi', label: 'WSGI app' },
  { key: 'asgi', label: 'ASGI app' },
];

export function frameworkLabel(key: string): string {
  return FRAMEWORKS.find((f) => f.key === key)?.label ?? key;
}

export const INTERFACES: readonly { key: Interface; label: string; note: string }[] = [
  { key: 'wsgi', label: 'WSGI', note: 'a classic, synchronous app' },
  { key: 'asgi', label: 'ASGI', note: 'an async app' },
];

export function interfaceLabel(key: string): string {
  return INTERFACES.find((i) => i.key === key)?.label ?? key;
}

export const INSTALLERS: readonly { key: Installer; label: string }[] = [
  { key: 'uv', label: 'uv' },
  { key: 'pip', label: 'pip' },
];

const MANIFESTS: Record<Manifest, string> = {
  requirements: 'pip requirements file',
  pyproject: 'pyproject.toml',
  poetry: 'Poetry project',
  pipfile: 'Pipenv Pipfile',
  setup_py: 'setup.py',
};

export function manifestLabel(kind: Manifest): string {
  return MANIFESTS[kind];
}

/** `app.py:9` or just `requirements.txt` when no single line says it. */
export function evidenceWhere(evidence: Evidence): string {
  return evidence.line == null ? evidence.file : `${evidence.file}:${evidence.line}`;
}

export function plural(count: number, one: string, many: string = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
