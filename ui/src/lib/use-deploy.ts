import { useCallback, useEffect, useRef, useState } from 'react';
import { toIpcError, type IpcError } from './backend';
import { useBackend } from './backend-context';
import { announcement, applyNews, EMPTY, LogBuffer, logLine, wasCancelled, type DeployState } from './deploy';
import type { Live, News } from './ipc/bindings';

export type DeployPhase =
  | { kind: 'running'; stopping: boolean }
  | { kind: 'live'; live: Live }
  | { kind: 'refused' }
  | { kind: 'failed'; error: IpcError }
  | { kind: 'cancelled'; error: IpcError };

export interface DeployRun {
  phase: DeployPhase;
  state: DeployState;
  log: LogBuffer;
  /** Grows as lines arrive, so the log knows to redraw. */
  logLength: number;
  /** The latest step change, for the live region. */
  said: string;
  start: () => void;
  cancel: () => void;
  /** Deploys the last commit although the folder has uncommitted changes; they stay here. */
  startWithoutChanges?: () => void;
}

/** A run the backend streams: a deploy, or a rollback. */
export type Runner = (onNews: (news: News) => void) => Promise<Live | null>;

/** One deploy of the project in `folder` at a time, and what it has told the user. */
export function useDeploy(folder: string): DeployRun {
  const backend = useBackend();
  const allow = useRef(false);
  const run = useRun(
    useCallback<Runner>((onNews) => backend.deploy(folder, onNews, allow.current), [backend, folder]),
  );
  const { start: go } = run;
  const start = useCallback(() => {
    allow.current = false;
    go();
  }, [go]);
  const startWithoutChanges = useCallback(() => {
    allow.current = true;
    go();
  }, [go]);
  return { ...run, start, startWithoutChanges };
}

/**
 * One run at a time (`go` starts it), and what it has told the user. News arrives
 * thousands of times a second on a long build; it is gathered and drawn once a frame, so
 * the window keeps up.
 */
export function useRun(go: Runner): DeployRun {
  const backend = useBackend();
  const [phase, setPhase] = useState<DeployPhase>({ kind: 'running', stopping: false });
  const [state, setState] = useState<DeployState>(EMPTY);
  const [log, setLog] = useState(() => new LogBuffer());
  const [logLength, setLogLength] = useState(0);
  const [said, setSaid] = useState('');
  const run = useRef(0);
  const pending = useRef<News[]>([]);
  const frame = useRef<number | null>(null);

  const flush = useCallback((buffer: LogBuffer) => {
    frame.current = null;
    const batch = pending.current;
    pending.current = [];
    if (batch.length > 0) {
      setState((s) => batch.reduce(applyNews, s));
      const last = batch.map(announcement).filter((a): a is string => a !== null).pop();
      if (last !== undefined) setSaid(last);
    }
    setLogLength(buffer.length);
  }, []);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      run.current += 1;
    },
    [],
  );

  const start = useCallback(() => {
    const serial = ++run.current;
    const buffer = new LogBuffer();
    pending.current = [];
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    setLog(buffer);
    setLogLength(0);
    setState(EMPTY);
    setSaid('Deploy started');
    setPhase({ kind: 'running', stopping: false });

    const onNews = (news: News) => {
      if (serial !== run.current) return;
      const line = logLine(news);
      if (line) buffer.push(line.text, line.kind);
      if (news.kind !== 'step' || news.event.event !== 'output') pending.current.push(news);
      if (frame.current === null) frame.current = requestAnimationFrame(() => flush(buffer));
    };
    const settle = (next: DeployPhase, words: string) => {
      if (serial !== run.current) return;
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      flush(buffer);
      setPhase(next);
      setSaid(words);
    };

    go(onNews).then(
      (live) =>
        live === null
          ? settle({ kind: 'refused' }, 'The deploy stopped: the server was not trusted')
          : settle({ kind: 'live', live }, `Deployed: live at ${live.url}`),
      (e: unknown) => {
        const error = toIpcError(e);
        if (wasCancelled(error.message)) {
          settle({ kind: 'cancelled', error }, 'Cancelled: the site still serves what it served before');
        } else {
          settle({ kind: 'failed', error }, `The deploy failed: ${error.message}`);
        }
      },
    );
  }, [go, flush]);

  const cancel = useCallback(() => {
    setPhase((p) => (p.kind === 'running' ? { kind: 'running', stopping: true } : p));
    setSaid('Stopping after the current action');
    backend.cancelDeploy().catch((e: unknown) => {
      setSaid(`Could not stop the deploy: ${toIpcError(e).message}`);
    });
  }, [backend]);

  return { phase, state, log, logLength, said, start, cancel };
}
