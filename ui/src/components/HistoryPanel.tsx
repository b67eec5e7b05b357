import { useEffect, useMemo, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import { LogBuffer, logLine, seconds } from '../lib/deploy';
import type { RunOutcome, RunRecord } from '../lib/ipc/bindings';
import { ago, stamp } from '../lib/when';
import { DeployLog } from './DeployLog';

/** How a run ended, in a few words. */
export function outcomeWords(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'running':
      return 'running';
    case 'live':
      return `live: ${outcome.release}`;
    case 'failed':
      return `failed at ${outcome.step}`;
    case 'cancelled':
      return `cancelled at ${outcome.step}`;
    case 'declined':
      return 'stopped before changing anything';
    case 'interrupted':
      return 'interrupted: Slipway closed while it ran';
  }
}

/** Every run of the project, newest first; choosing one shows its whole log. */
export function HistoryPanel({ folder, name, serial }: { folder: string; name: string; serial: number }) {
  const backend = useBackend();
  const [runs, setRuns] = useState<RunRecord[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [log, setLog] = useState<LogBuffer | null>(null);

  useEffect(() => {
    let live = true;
    backend.history(folder).then(
      (r) => live && setRuns(r),
      (e: unknown) => live && setError(toIpcError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, folder, serial]);

  useEffect(() => {
    if (chosen === null) return;
    let live = true;
    setLog(null);
    backend.historyLog(folder, chosen).then(
      (news) => {
        if (!live) return;
        const buffer = new LogBuffer();
        for (const n of news) {
          const line = logLine(n);
          if (line) buffer.push(line.text, line.kind);
        }
        setLog(buffer);
      },
      (e: unknown) => live && setError(toIpcError(e)),
    );
    return () => {
      live = false;
    };
  }, [backend, folder, chosen]);

  const chosenRun = useMemo(() => runs?.find((r) => r.id === chosen) ?? null, [runs, chosen]);

  if (error) return <p className="error-text">Could not read the history: {error.message}</p>;
  if (runs === null) return <p className="muted">Reading the history…</p>;
  if (runs.length === 0) return <p className="muted">No deploys of {name} from this computer yet.</p>;
  return (
    <div className="history" data-testid="history">
      <ol className="history-list" aria-label={`Deploys of ${name}`}>
        {runs.map((run) => (
          <li key={run.id}>
            <button
              type="button"
              className={`history-row outcome-${run.outcome.kind}`}
              aria-pressed={run.id === chosen}
              data-testid={`run-${run.id}`}
              onClick={() => setChosen(run.id === chosen ? null : run.id)}
            >
              <span className="history-kind">{run.kind === 'deploy' ? 'Deploy' : 'Rollback'}</span>
              <span className="mono">{run.commit ?? '—'}</span>
              <span className="history-outcome">{outcomeWords(run.outcome)}</span>
              <span className="muted" title={stamp(run.started)}>
                {ago(run.started)}
                {run.millis > 0 && ` · ${seconds(run.millis)}`}
              </span>
            </button>
          </li>
        ))}
      </ol>
      {chosenRun && (
        <div className="history-log" data-testid="history-log">
          <p className="muted">
            {chosenRun.kind === 'deploy' ? 'Deploy' : 'Rollback'} of {stamp(chosenRun.started)}
            {chosenRun.subject && <>: {chosenRun.subject}</>}
            {chosenRun.outcome.kind === 'failed' && <span className="error-text"> · {chosenRun.outcome.message}</span>}
          </p>
          {log ? <DeployLog log={log} length={log.length} /> : <p className="muted">Reading the log…</p>}
        </div>
      )}
    </div>
  );
}
