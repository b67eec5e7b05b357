import { useEffect } from 'react';
import { useDashboardLink } from '../lib/nav';
import type { DeployRun } from '../lib/use-deploy';
import { DeployLog } from './DeployLog';
import { LiveCertificate } from './LiveCertificate';
import { DeployOutcome } from './DeployOutcome';
import { DeploySteps } from './DeploySteps';

interface Props {
  name: string;
  /** The project's folder, for the live site's certificate once it is up. */
  folder: string;
  deploy: DeployRun;
  /** Back to the Review step, once the deploy has ended. */
  onReview: () => void;
}

/** The deploy as it happens: what it does now, every step, the log, and how it ended. */
export function DeployView({ name, folder, deploy, onReview }: Props) {
  const { phase, state } = deploy;
  const running = phase.kind === 'running';
  const toDashboard = useDashboardLink();

  // When the deploy ends, its outcome comes into view with the heading above it.
  useEffect(() => {
    if (running) return;
    const heading = document.getElementById('step-title');
    heading?.focus();
    heading?.scrollIntoView({ block: 'start' });
  }, [running]);
  const title =
    phase.kind === 'running'
      ? `Deploying ${name}`
      : phase.kind === 'live'
        ? `${name} is live`
        : phase.kind === 'cancelled'
          ? 'Deploy cancelled'
          : phase.kind === 'refused'
            ? 'Deploy stopped'
            : 'The deploy failed';

  return (
    <div className="deploy" data-testid="deploy-view" data-phase={phase.kind}>
      <header className="step-header">
        <p className="eyebrow">Deploy</p>
        <h1 id="step-title" tabIndex={-1}>
          {title}
        </h1>
        <p className="lead">
          {running
            ? 'The site keeps serving the previous release until the new one answers.'
            : 'Every step and every line of this deploy stay below.'}
        </p>
      </header>

      <p className="sr-only" aria-live="polite" data-testid="deploy-said">
        {deploy.said}
      </p>

      <DeployOutcome phase={phase} state={state} />
      {phase.kind === 'live' && phase.live.url.startsWith('https://') && <LiveCertificate folder={folder} />}

      <div className="deploy-actions">
        {running ? (
          <>
            <button
              type="button"
              className="button"
              data-testid="cancel-deploy"
              disabled={phase.stopping}
              onClick={deploy.cancel}
            >
              Cancel
            </button>
            <p className="muted" data-testid="deploy-status">
              {phase.stopping ? (
                'Stopping after the current action…'
              ) : (
                <span className="busy-inline">
                  <span className="spinner" aria-hidden="true" /> Working…
                </span>
              )}
            </p>
          </>
        ) : (
          <>
            {phase.kind === 'failed' && phase.error.code === 'uncommitted' && deploy.startWithoutChanges && (
              <button
                type="button"
                className="button button-primary"
                data-testid="deploy-committed"
                onClick={deploy.startWithoutChanges}
              >
                Deploy the last commit without them
              </button>
            )}
            {phase.kind !== 'live' && (
              <button type="button" className="button button-primary" data-testid="deploy-again" onClick={deploy.start}>
                Try again
              </button>
            )}
            <button type="button" className="button" data-testid="back-to-review" onClick={onReview}>
              <span aria-hidden="true">← </span>Back to Review
            </button>
            {phase.kind === 'live' && toDashboard && (
              <button type="button" className="button button-primary" data-testid="open-dashboard" onClick={toDashboard.go}>
                Open the dashboard
              </button>
            )}
            {phase.kind === 'live' && (
              <button type="button" className="button button-plain" data-testid="deploy-again" onClick={deploy.start}>
                Deploy again
              </button>
            )}
          </>
        )}
      </div>

      <div className="deploy-grid">
        <section className="section deploy-progress" aria-labelledby="steps-title">
          <div className="section-head">
            <h2 id="steps-title">Steps</h2>
          </div>
          <DeploySteps state={state} />
        </section>
        <DeployLog log={deploy.log} length={deploy.logLength} />
      </div>
    </div>
  );
}
