import { useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { Preview, Spec } from '../lib/ipc/bindings';
import { Message } from './Field';

type State =
  | { kind: 'idle' }
  | { kind: 'asking' }
  | { kind: 'known'; preview: Preview; of: string }
  | { kind: 'error'; error: IpcError };

/**
 * What the next deploy would change on the server, asked on request (it logs in to the
 * server, and changes nothing): every step, already right or with its actions and the
 * lines of configuration it would change. Needs a server that already exists.
 */
export function PlanPreview({ folder, spec, ready }: { folder: string; spec: Spec; ready: boolean }) {
  const backend = useBackend();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const shown = JSON.stringify(spec);

  async function ask() {
    setState({ kind: 'asking' });
    try {
      const preview = await backend.preview(folder, spec);
      setState({ kind: 'known', preview, of: shown });
    } catch (e) {
      setState({ kind: 'error', error: toIpcError(e) });
    }
  }

  const stale = state.kind === 'known' && state.of !== shown;
  const changes = state.kind === 'known' ? state.preview.steps.filter((s) => s.plan.kind === 'change') : [];
  return (
    <section className="section" aria-labelledby="preview-title" data-testid="plan-preview">
      <div className="section-head">
        <h2 id="preview-title">What changes on the server</h2>
        <button
          type="button"
          className="button button-small"
          data-testid="show-plan"
          disabled={!ready || state.kind === 'asking'}
          onClick={() => void ask()}
        >
          {state.kind === 'asking' ? 'Asking the server…' : state.kind === 'known' ? 'Ask again' : 'Show the plan'}
        </button>
      </div>
      {state.kind === 'idle' && (
        <p className="hint">
          For a server that is already running: Slipway logs in, compares every step with what is
          there, and changes nothing.
        </p>
      )}
      {state.kind === 'error' && (
        <p className={state.error.code === 'provider' ? 'hint' : 'error-text'} data-testid="plan-error">
          <Message text={state.error.message} />
        </p>
      )}
      {state.kind === 'known' && (
        <>
          <p data-testid="plan-summary">
            {changes.length === 0 ? (
              <>
                Commit <span className="mono">{state.preview.commit}</span> ({state.preview.subject}): nothing
                to change.
              </>
            ) : (
              <>
                Release <span className="mono">{state.preview.release}</span> of commit{' '}
                <span className="mono">{state.preview.commit}</span> ({state.preview.subject}): {changes.length} of{' '}
                {state.preview.steps.length} steps change something.
              </>
            )}
            {stale && <span className="error-text"> The settings changed since: ask again.</span>}
          </p>
          {state.preview.warnings.map((w) => (
            <p key={w} className="alert alert-warning">
              <Message text={w} />
            </p>
          ))}
          <ol className="plan-steps" data-testid="plan-steps">
            {state.preview.steps.map((step) => (
              <li key={step.id} data-testid={`plan-${step.id}`} data-plan={step.plan.kind}>
                {step.plan.kind === 'change' ? (
                  <details>
                    <summary>
                      <span className="plan-mark" aria-hidden="true">+</span> {step.description}{' '}
                      <span className="muted mono">{step.id}</span>
                    </summary>
                    <ul className="plain-list">
                      {step.plan.actions.map((a) => (
                        <li key={a} className="mono">
                          {a}
                        </li>
                      ))}
                    </ul>
                    {(step.plan.diff.before !== '' || step.plan.diff.after !== '') && (
                      <pre className="diff" aria-label={`Changes made by ${step.id}`}>
                        {step.plan.diff.before.split('\n').filter(Boolean).map((l) => `- ${l}\n`)}
                        {step.plan.diff.after.split('\n').filter(Boolean).map((l) => `+ ${l}\n`)}
                      </pre>
                    )}
                  </details>
                ) : (
                  <span className="muted">
                    <span className="plan-mark" aria-hidden="true">
                      {step.plan.kind === 'satisfied' ? '✓' : '…'}
                    </span>{' '}
                    {step.description}: {step.plan.kind === 'satisfied' ? step.plan.evidence : step.plan.reason}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
