import type { DeployState } from '../lib/deploy';
import { seconds } from '../lib/deploy';
import type { DeployPhase } from '../lib/use-deploy';
import { Message } from './Field';

const STILL_SERVING = 'The site still serves what it served before.';

/** How the deploy ended, in words the user can act on; nothing while it runs. */
export function DeployOutcome({ phase, state }: { phase: DeployPhase; state: DeployState }) {
  switch (phase.kind) {
    case 'running':
      return null;
    case 'live':
      return (
        <div className="outcome outcome-live" data-testid="deploy-done">
          <p className="outcome-title">
            <span aria-hidden="true">✓ </span>Live at{' '}
            <a href={phase.live.url} target="_blank" rel="noreferrer" data-testid="live-url">
              {phase.live.url}
            </a>
          </p>
          <p>
            Release <span className="mono" data-testid="live-release">{phase.live.release}</span> of commit{' '}
            <span className="mono" data-testid="live-commit">{phase.live.commit}</span>
            {state.finished && (
              <span className="muted">
                {' '}
                · {state.finished.changed} changed, {state.finished.unchanged} already right, in{' '}
                {seconds(state.finished.millis)}
              </span>
            )}
          </p>
          <Notified state={state} />
        </div>
      );
    case 'cancelled':
      return (
        <div className="outcome outcome-stopped" role="status" data-testid="deploy-cancelled">
          <p className="outcome-title">Cancelled: the site still serves what it served before</p>
          <p className="muted">
            <Message text={phase.error.message} />
          </p>
        </div>
      );
    case 'refused':
      return (
        <div className="outcome outcome-stopped" data-testid="deploy-refused">
          <p className="outcome-title">Stopped before changing anything</p>
          <p className="muted">The new server's host key was not trusted, so Slipway did not log in. {STILL_SERVING}</p>
        </div>
      );
    case 'failed': {
      const failed = state.steps.find((s) => s.state === 'failed');
      return (
        <div className="alert alert-error outcome" role="alert" data-testid="deploy-failed">
          <p className="alert-title">
            <Message text={phase.error.message} />
          </p>
          {failed && (
            <p>
              Failed at step <span className="mono" data-testid="failed-step">{failed.id}</span>.
            </p>
          )}
          {phase.error.hints.length > 0 && (
            <ul className="hint-list" data-testid="deploy-hints">
              {phase.error.hints.map((h) => (
                <li key={h}>
                  <Message text={h} />
                </li>
              ))}
            </ul>
          )}
          <p className="outcome-safe">{STILL_SERVING}</p>
          <Notified state={state} />
        </div>
      );
    }
  }
}

function Notified({ state }: { state: DeployState }) {
  const notified = state.notified;
  if (!notified || (notified.sent.length === 0 && notified.failed.length === 0)) return null;
  return (
    <p className="notified" data-testid="notified">
      {notified.sent.length > 0 && <>Told {notified.sent.join(', ')}.</>}
      {notified.failed.length > 0 && (
        <span className="error-text"> Could not tell {notified.failed.join('; ')}.</span>
      )}
    </p>
  );
}
