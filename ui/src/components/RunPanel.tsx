import { useEffect, useId } from 'react';
import type { DeployRun } from '../lib/use-deploy';
import { DeployLog } from './DeployLog';
import { DeployOutcome } from './DeployOutcome';
import { DeploySteps } from './DeploySteps';

interface Props {
  /** What runs: `Redeploying shop`, `Rolling shop back`. */
  title: string;
  run: DeployRun;
  /** Hides the panel once the run has ended. */
  onClose: () => void;
  /** Runs again with the last commit, leaving uncommitted changes on this computer. */
  onWithoutChanges?: () => void;
}

/** A redeploy or rollback shown inline on the dashboard: steps, log, outcome, Cancel. */
export function RunPanel({ title, run, onClose, onWithoutChanges }: Props) {
  const { phase, state } = run;
  const running = phase.kind === 'running';

  const headingId = useId();
  useEffect(() => {
    if (!running) document.getElementById(headingId)?.focus();
  }, [running, headingId]);

  return (
    <section className="run-panel" aria-label={title} data-testid="run-panel" data-phase={phase.kind}>
      <div className="run-head">
        <h3 id={headingId} tabIndex={-1}>
          {title}
        </h3>
        {running ? (
          <button
            type="button"
            className="button button-small"
            data-testid="run-cancel"
            disabled={phase.stopping}
            onClick={run.cancel}
          >
            {phase.stopping ? 'Stopping…' : 'Cancel'}
          </button>
        ) : (
          <span className="run-head-actions">
            {phase.kind === 'failed' && phase.error.code === 'uncommitted' && onWithoutChanges && (
              <button
                type="button"
                className="button button-small button-primary"
                data-testid="run-committed"
                onClick={onWithoutChanges}
              >
                Deploy the last commit without them
              </button>
            )}
            <button type="button" className="button button-small" data-testid="run-close" onClick={onClose}>
              Close
            </button>
          </span>
        )}
      </div>
      <p className="sr-only" aria-live="polite">
        {run.said}
      </p>
      <DeployOutcome phase={phase} state={state} />
      <div className="deploy-grid">
        <div className="deploy-progress">
          <DeploySteps state={state} />
        </div>
        <DeployLog log={run.log} length={run.logLength} />
      </div>
    </section>
  );
}
