import { useCallback, useEffect, useState } from 'react';
import { toIpcError, type IpcError } from './backend';
import { useBackend } from './backend-context';

/**
 * Which of `names` this project has in the keychain (never their values), read when the
 * names change; `stored(name)` records one the user has just stored.
 */
export function useSecretStates(project: string, names: readonly string[]) {
  const backend = useBackend();
  const [states, setStates] = useState<Record<string, boolean>>({});
  const [failure, setFailure] = useState<IpcError | null>(null);
  const key = names.join('\n');

  useEffect(() => {
    let live = true;
    const wanted = key === '' ? [] : key.split('\n');
    if (wanted.length === 0) return;
    backend.secretStates(project, wanted).then(
      (answer) => {
        if (!live) return;
        setStates((known) => ({ ...known, ...Object.fromEntries(answer.map((s) => [s.name, s.set])) }));
        setFailure(null);
      },
      (e: unknown) => {
        if (live) setFailure(toIpcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, project, key]);

  const stored = useCallback((name: string) => setStates((known) => ({ ...known, [name]: true })), []);

  /** True or false once known; undefined while the keychain is being read. */
  const isSet = (name: string): boolean | undefined => states[name];

  return { isSet, stored, failure };
}
