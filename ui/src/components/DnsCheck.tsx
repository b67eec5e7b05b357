import { useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { DnsStatus, Spec } from '../lib/ipc/bindings';
import { Message } from './Field';

type Outcome = { status: DnsStatus } | { error: IpcError };

/** Asks, on request, whether each name points at the server yet, and says what to change. */
export function DnsCheck({ spec }: { spec: Spec }) {
  const backend = useBackend();
  const [checking, setChecking] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const latest = useRef(0);

  async function check() {
    const mine = ++latest.current;
    setChecking(true);
    try {
      const status = await backend.dnsStatus(spec);
      if (mine === latest.current) setOutcome({ status });
    } catch (e) {
      if (mine === latest.current) setOutcome({ error: toIpcError(e) });
    } finally {
      if (mine === latest.current) setChecking(false);
    }
  }

  return (
    <div className="dns-check">
      <div className="dns-check-row">
        <button
          type="button"
          className="button"
          data-testid="check-dns"
          aria-disabled={checking || undefined}
          aria-describedby="dns-check-note"
          onClick={() => {
            if (!checking) void check();
          }}
        >
          {checking ? 'Checking DNS…' : 'Check DNS'}
        </button>
        <p className="hint" id="dns-check-note">
          Asks the domain's name servers and public resolvers now. Nothing changes.
        </p>
      </div>
      <div aria-live="polite" data-testid="dns-result">
        {outcome && 'status' in outcome && <DnsResult status={outcome.status} />}
        {outcome && 'error' in outcome && (
          <div className="alert alert-warning" data-testid="dns-error">
            <p className="alert-title">
              <Message text={outcome.error.message} />
            </p>
            {outcome.error.hints.map((hint) => (
              <p key={hint}>
                <Message text={hint} />
              </p>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function DnsResult({ status }: { status: DnsStatus }) {
  return (
    <div className={`dns-status ${status.ready ? 'dns-ready' : 'dns-waiting'}`}>
      <p className="value-strong">
        {status.ready
          ? `Every name points at the server (${status.expected}).`
          : `Not everything points at the server (${status.expected}) yet.`}
      </p>
      <ul className="name-list">
        {status.names.map((name) => (
          <li key={name.name} data-testid={`dns-name-${name.name}`} data-ready={name.ready}>
            <span className={`badge ${name.ready ? 'badge-ok' : 'badge-wait'}`}>{name.ready ? 'Ready' : 'Not yet'}</span>
            <span>
              <span className="mono value-strong">{name.name}</span>
              <span className="sub">{name.message}</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
