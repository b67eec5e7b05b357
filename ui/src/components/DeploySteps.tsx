import type { DeployState, NewsGroup, StepRow, StepState } from '../lib/deploy';
import { seconds } from '../lib/deploy';

const ICON: Record<StepState, string> = {
  pending: '○',
  running: '',
  changed: '✓',
  unchanged: '=',
  failed: '✕',
};

const STATE_WORDS: Record<StepState, string> = {
  pending: 'waiting',
  running: 'running',
  changed: 'changed',
  unchanged: 'already right',
  failed: 'failed',
};

/** What is being deployed, what the providers said, and every step with its state. */
export function DeploySteps({ state }: { state: DeployState }) {
  const { commit, groups, trusted, warnings, steps } = state;
  return (
    <>
      {(commit || groups.length > 0 || trusted) && (
        <ul className="deploy-news" data-testid="deploy-news">
          {commit && (
            <li className="news-item">
              <span className="news-title">
                Commit <span className="mono">{commit.short}</span>
              </span>
              <span className="news-body">
                {commit.subject}
                {commit.uncommitted > 0 && (
                  <span className="sub muted">
                    {commit.uncommitted === 1 ? '1 uncommitted change stays' : `${commit.uncommitted} uncommitted changes stay`}{' '}
                    on this computer and are not deployed.
                  </span>
                )}
              </span>
            </li>
          )}
          {groups.map((group, i) => (
            <Group key={i} group={group} />
          ))}
          {trusted && (
            <li className="news-item">
              <span className="news-title">Host key</span>
              <span className="news-body">
                Trusted <span className="mono">{trusted.host}</span>{' '}
                <span className="mono muted">{trusted.fingerprint}</span>
              </span>
            </li>
          )}
        </ul>
      )}
      {warnings.length > 0 && (
        <div className="alert alert-warning" data-testid="deploy-warnings">
          <p className="alert-title">Worth knowing</p>
          <ul className="hint-list">
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <ol className="deploy-steps" data-testid="deploy-steps" aria-label="Steps">
        {steps.map((step) => (
          <Step key={step.id} step={step} />
        ))}
      </ol>
    </>
  );
}

function Group({ group }: { group: NewsGroup }) {
  return (
    <li className="news-item" data-testid="news-group">
      <span className="news-title">{group.title}</span>
      <span className="news-body">
        {group.messages.length > 0 && (
          <ul className="plain-list">
            {group.messages.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        )}
        {group.records.length > 0 && (
          <>
            <span className="sub">Create these records at your DNS provider:</span>
            <table className="records" data-testid="by-hand">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {group.records.map((r) => (
                  <tr key={r.kind + r.name + r.value}>
                    <td className="mono">{r.kind}</td>
                    <td className="mono">{r.name}</td>
                    <td className="mono">{r.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </span>
    </li>
  );
}

function Step({ step }: { step: StepRow }) {
  return (
    <li className={`ds ds-${step.state}`} data-testid={`step-${step.id}`} data-state={step.state}>
      <span className="ds-icon" aria-hidden="true">
        {step.state === 'running' ? <span className="spinner" /> : ICON[step.state]}
      </span>
      <span className="ds-body">
        <span className="ds-head">
          <span className="mono ds-id">{step.id}</span>
          <span className="sr-only">: {STATE_WORDS[step.state]}</span>
          {step.millis !== null && (
            <span className="ds-time muted" data-testid="step-time">
              {seconds(step.millis)}
            </span>
          )}
        </span>
        {step.description && <span className="ds-description">{step.description}</span>}
        {step.note && (
          <span className={step.state === 'failed' ? 'ds-note error-text' : 'ds-note muted'}>{step.note}</span>
        )}
      </span>
    </li>
  );
}
