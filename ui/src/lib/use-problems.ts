import { useEffect, useMemo, useRef, useState } from 'react';
import { toIpcError, type IpcError } from './backend';
import { useBackend } from './backend-context';
import type { Problem, Spec } from './ipc/bindings';
import { debounceLatest } from './latest';

/** Quiet time after the last keystroke before the spec is checked. */
export const CHECK_DELAY_MS = 150;

/**
 * The problems of `spec`, re-checked by the backend shortly after every change. Starts
 * from `initial` (the problems the backend reported when the project was opened), or
 * checks at once when there is none (a draft brought back from an earlier session).
 */
export function useProblems(spec: Spec, initial: Problem[] | null) {
  const backend = useBackend();
  const [problems, setProblems] = useState(initial ?? []);
  const [failure, setFailure] = useState<IpcError | null>(null);
  const [checking, setChecking] = useState(initial === null);

  const checker = useMemo(
    () =>
      debounceLatest<Spec, Problem[]>({
        run: (s) => backend.checkSpec(s),
        delay: CHECK_DELAY_MS,
        onResult: (result) => {
          setProblems(result);
          setFailure(null);
          setChecking(false);
        },
        onError: (error) => {
          setFailure(toIpcError(error));
          setChecking(false);
        },
      }),
    [backend],
  );

  useEffect(() => () => checker.cancel(), [checker]);

  // The spec the project opened with was checked by the backend already.
  const opened = useRef(initial === null ? null : spec);
  useEffect(() => {
    if (spec === opened.current) return;
    setChecking(true);
    checker.schedule(spec);
  }, [spec, checker]);

  return { problems, failure, checking };
}
