import { useState } from 'react';
import { toIpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { NotifySpec, Spec, TestDelivery } from '../lib/ipc/bindings';
import { Message } from './Field';

type Result = { kind: 'idle' } | { kind: 'sending' } | { kind: 'done'; deliveries: TestDelivery[] } | { kind: 'error'; message: string };

/**
 * "Send test" for one channel: a test message goes out through that channel alone, with
 * the settings on screen and the secret in the keychain, and the answer shows beside it.
 */
export function TestSend({ spec, only, id }: { spec: Spec; only: NotifySpec; id: string }) {
  const backend = useBackend();
  const [result, setResult] = useState<Result>({ kind: 'idle' });

  async function send() {
    setResult({ kind: 'sending' });
    try {
      const deliveries = await backend.sendTests({ ...spec, notify: only });
      setResult({ kind: 'done', deliveries });
    } catch (e) {
      setResult({ kind: 'error', message: toIpcError(e).message });
    }
  }

  return (
    <div className="test-send">
      <button
        type="button"
        className="button button-small"
        data-testid={`test-${id}`}
        disabled={result.kind === 'sending'}
        aria-describedby={`test-${id}-result`}
        onClick={() => void send()}
      >
        {result.kind === 'sending' ? 'Sending…' : 'Send test'}
      </button>
      <p className="hint" id={`test-${id}-result`} role="status" data-testid={`test-${id}-result`}>
        {result.kind === 'done' &&
          (result.deliveries.length === 0
            ? 'Nothing to send: fill in the fields above first.'
            : result.deliveries.map((d) =>
                d.error === null ? (
                  <span key={d.target} className="ok">
                    Sent: {d.target}.{' '}
                  </span>
                ) : (
                  <span key={d.target} className="error-text">
                    Not sent ({d.target}): <Message text={d.error} />{' '}
                  </span>
                ),
              ))}
        {result.kind === 'error' && <span className="error-text">{result.message}</span>}
      </p>
    </div>
  );
}
