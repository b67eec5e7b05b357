import { useCallback, useEffect, useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import { seconds } from '../lib/deploy';
import type { LiveStatus, ProjectCard } from '../lib/ipc/bindings';
import { useRun, type Runner } from '../lib/use-deploy';
import { ago, stamp } from '../lib/when';
import { Message } from './Field';
import { HistoryPanel, outcomeWords } from './HistoryPanel';
import { RemoveDialog } from './RemoveDialog';
import { RunPanel } from './RunPanel';

interface Props {
  card: ProjectCard;
  /** Whether another project's run is going: one run at a time. */
  busy: boolean;
  onBusy: (busy: boolean) => void;
  /** The card's facts changed (a run ended): read them again. */
  onChanged: () => void;
  onSettings: (folder: string) => void;
  onRemoved: () => void;
}

type Status = { kind: 'checking' } | { kind: 'known'; status: LiveStatus } | { kind: 'unknown'; error: IpcError };
type Open = 'none' | 'rollback' | 'history';
type Running = { title: string } | null;

/** One project on the dashboard: how it is now, and Redeploy, Rollback, History, Settings, Remove. */
export function ProjectPanel({ card, busy, onBusy, onChanged, onSettings, onRemoved }: Props) {
  const backend = useBackend();
  const [status, setStatus] = useState<Status>({ kind: 'checking' });
  const [open, setOpen] = useState<Open>('none');
  const [running, setRunning] = useState<Running>(null);
  const [removing, setRemoving] = useState(false);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [serial, setSerial] = useState(0);
  const folder = card.folder;
  const id = card.name;
  const runner = useRef<Runner | null>(null);
  const run = useRun(useCallback<Runner>((onNews) => runner.current!(onNews), []));
  const runEnded = running !== null && run.phase.kind !== 'running';

  const check = useCallback(() => {
    setStatus({ kind: 'checking' });
    let live = true;
    backend.projectStatus(folder).then(
      (s) => live && setStatus({ kind: 'known', status: s }),
      (e: unknown) => live && setStatus({ kind: 'unknown', error: toIpcError(e) }),
    );
    return () => {
      live = false;
    };
  }, [backend, folder]);

  useEffect(() => (card.problem === null ? check() : undefined), [check, card.problem]);

  function start(title: string, go: Runner) {
    setConfirm(null);
    runner.current = go;
    setRunning({ title });
    onBusy(true);
    run.start();
  }

  // When a run ends: the card, the status and the history are read again.
  useEffect(() => {
    if (!runEnded) return;
    onBusy(false);
    setSerial((s) => s + 1);
    onChanged();
    return check();
  }, [runEnded]);

  const known = status.kind === 'known' ? status.status : null;
  const last = card.last;
  const earlier = known?.releases.filter((r) => !r.live && r.ready) ?? [];

  return (
    <article className="project" aria-labelledby={`project-${id}`} data-testid={`project-${id}`}>
      <header className="project-head">
        <div>
          <h2 id={`project-${id}`}>{card.name}</h2>
          {card.url && (
            <a href={card.url} target="_blank" rel="noreferrer" className="project-url" data-testid={`url-${id}`}>
              {card.url}
            </a>
          )}
        </div>
        <Health status={status} onRetry={check} id={id} />
      </header>

      {card.problem ? (
        <p className="alert alert-warning" data-testid={`problem-${id}`}>
          <Message text={card.problem} />
        </p>
      ) : (
        <dl className="project-facts">
          <div>
            <dt>Server</dt>
            <dd>{card.server}</dd>
          </div>
          <div>
            <dt>Live release</dt>
            <dd data-testid={`release-${id}`}>
              {known?.release ? (
                <>
                  <span className="mono">{known.release}</span> · commit <span className="mono">{known.commit}</span>
                </>
              ) : status.kind === 'checking' ? (
                '…'
              ) : (
                'none'
              )}
            </dd>
          </div>
          <div>
            <dt>Last run</dt>
            <dd data-testid={`last-${id}`}>
              {last ? (
                <span title={stamp(last.started)}>
                  {last.kind === 'rollback' ? 'rollback, ' : ''}
                  {outcomeWords(last.outcome)} · {ago(last.started + Math.round(last.millis / 1000))}
                  {last.millis > 0 && ` · took ${seconds(last.millis)}`}
                </span>
              ) : (
                'never from this computer'
              )}
            </dd>
          </div>
          {known?.certificate && (
            <div>
              <dt>Certificate</dt>
              <dd data-testid={`certificate-${id}`} className={known.certificate.days_left <= 14 ? 'error-text' : ''}>
                {known.certificate.days_left >= 0
                  ? `expires in ${known.certificate.days_left} days`
                  : `expired ${-known.certificate.days_left} days ago`}{' '}
                <span className="muted">({known.certificate.expires}, {known.certificate.issuer})</span>
              </dd>
            </div>
          )}
          {known?.locked_by && (
            <div>
              <dt>Deploy lock</dt>
              <dd className="error-text">held by {known.locked_by}</dd>
            </div>
          )}
        </dl>
      )}

      <div className="project-actions">
        <button
          type="button"
          className="button button-primary"
          data-testid={`redeploy-${id}`}
          disabled={busy || card.problem !== null}
          onClick={() => start(`Redeploying ${card.name}`, (onNews) => backend.deploy(folder, onNews))}
        >
          Redeploy
        </button>
        <button
          type="button"
          className="button"
          aria-expanded={open === 'rollback'}
          data-testid={`rollback-${id}`}
          disabled={card.problem !== null}
          onClick={() => setOpen(open === 'rollback' ? 'none' : 'rollback')}
        >
          Rollback…
        </button>
        <button
          type="button"
          className="button"
          aria-expanded={open === 'history'}
          data-testid={`history-${id}`}
          onClick={() => setOpen(open === 'history' ? 'none' : 'history')}
        >
          History
        </button>
        <button type="button" className="button" data-testid={`settings-${id}`} onClick={() => onSettings(folder)}>
          Settings
        </button>
        <button
          type="button"
          className="button button-quiet"
          data-testid={`remove-${id}`}
          disabled={running !== null && run.phase.kind === 'running'}
          onClick={() => setRemoving(true)}
        >
          Remove…
        </button>
      </div>

      {running && (
        <RunPanel
          title={running.title}
          run={run}
          onClose={() => setRunning(null)}
          onWithoutChanges={() =>
            start(`Redeploying ${card.name}`, (onNews) => backend.deploy(folder, onNews, true))
          }
        />
      )}

      {open === 'rollback' && (
        <section className="project-section" aria-label={`Roll ${card.name} back`} data-testid={`releases-${id}`}>
          {status.kind === 'checking' && <p className="muted">Asking the server which releases it keeps…</p>}
          {status.kind === 'unknown' && <p className="error-text">The server's releases are not known: {status.error.message}</p>}
          {known && earlier.length === 0 && (
            <p className="muted">No earlier release to go back to yet: each deploy keeps the one before it.</p>
          )}
          {known && earlier.length > 0 && (
            <ul className="release-list">
              {known.releases.map((r) => (
                <li key={r.id} className="release-row">
                  <span className="mono">{r.id}</span>
                  <span className="muted">commit {r.commit}</span>
                  {r.live ? (
                    <span className="badge badge-ok">live</span>
                  ) : !r.ready ? (
                    <span className="muted">never went live</span>
                  ) : confirm === r.id ? (
                    <span className="confirm">
                      Switch {card.name} from {known.release ?? 'nothing'} back to {r.id}?{' '}
                      <button
                        type="button"
                        className="button button-small button-primary"
                        data-testid={`confirm-rollback-${r.id}`}
                        disabled={busy}
                        onClick={() =>
                          start(`Rolling ${card.name} back to ${r.id}`, (onNews) => backend.rollback(folder, r.id, onNews))
                        }
                      >
                        Switch back
                      </button>{' '}
                      <button type="button" className="button button-small" onClick={() => setConfirm(null)}>
                        Keep {known.release}
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="button button-small"
                      data-testid={`rollback-to-${r.id}`}
                      disabled={busy}
                      onClick={() => setConfirm(r.id)}
                    >
                      Roll back to this
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {open === 'history' && (
        <section className="project-section" aria-label={`History of ${card.name}`}>
          <HistoryPanel folder={folder} name={card.name} serial={serial} />
        </section>
      )}

      {removing && (
        <RemoveDialog
          card={card}
          onCancel={() => setRemoving(false)}
          onRemoved={() => {
            setRemoving(false);
            onRemoved();
          }}
        />
      )}
    </article>
  );
}

function Health({ status, onRetry, id }: { status: Status; onRetry: () => void; id: string }) {
  switch (status.kind) {
    case 'checking':
      return (
        <span className="health" data-testid={`health-${id}`} data-state="checking">
          <span className="spinner" aria-hidden="true" /> Checking…
        </span>
      );
    case 'known':
      return (
        <span
          className={`health ${status.status.healthy ? 'health-ok' : 'health-bad'}`}
          data-testid={`health-${id}`}
          data-state={status.status.healthy ? 'healthy' : 'unhealthy'}
        >
          {status.status.healthy ? `Healthy · ${status.status.health}` : `Not healthy: ${status.status.health}`}
        </span>
      );
    case 'unknown':
      return (
        <span className="health health-bad" data-testid={`health-${id}`} data-state="unknown">
          <span>Could not reach the server: {status.error.message}</span>{' '}
          <button type="button" className="button button-small" onClick={onRetry}>
            Check again
          </button>
        </span>
      );
  }
}
