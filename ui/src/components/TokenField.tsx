import { useRef, useState } from 'react';
import type { IpcError } from '../lib/backend';
import { CLOUD_LABEL, TOKEN_HELP, type Cloud } from '../lib/server';
import type { OfferState } from '../lib/use-offers';
import { Message } from './Field';

interface Props {
  provider: Cloud;
  state: OfferState;
  /** Checks a token just entered, or the stored one (null); true when accepted. */
  onCheck: (token: string | null) => Promise<boolean>;
}

/**
 * The provider's API token: entered once, checked with the provider, then kept in the
 * keychain only. The value lives in this field until the provider accepts it, and
 * nowhere else in the window.
 */
export function TokenField({ provider, state, onCheck }: Props) {
  const [token, setToken] = useState('');
  const [replacing, setReplacing] = useState(false);
  const [empty, setEmpty] = useState(false);
  const sent = useRef<string | null>(null);
  const checkButton = useRef<HTMLButtonElement>(null);
  const label = CLOUD_LABEL[provider];
  const asking = state.status === 'asking';

  async function check() {
    const value = token.trim();
    if (value === '') {
      setEmpty(true);
      return;
    }
    if (asking) return;
    sent.current = value;
    const accepted = await onCheck(value);
    if (!accepted) return;
    sent.current = null;
    setToken('');
    setReplacing(false);
    // The field is gone; the next thing to do is the region.
    requestAnimationFrame(() => {
      if (document.activeElement === document.body || document.activeElement === null) {
        document.getElementById('server-region')?.focus();
      }
    });
  }

  if (asking && !state.withToken) {
    return (
      <p className="busy" data-testid="token-reading">
        <span className="spinner" aria-hidden="true" />
        <span>Looking for a stored {label} token…</span>
      </p>
    );
  }

  if (state.status === 'ready' && !replacing) {
    return (
      <div className="token-stored" data-testid="token-stored">
        <p className="ok">
          <span aria-hidden="true">✓ </span>Token stored in the keychain
        </p>
        <p className="account" data-testid="server-account">
          {state.offer.account}
        </p>
        <button
          type="button"
          className="button button-small"
          data-testid="replace-token"
          onClick={() => {
            setReplacing(true);
            requestAnimationFrame(() => document.getElementById('server-token')?.focus());
          }}
        >
          Replace
        </button>
      </div>
    );
  }

  const error: IpcError | null = state.status === 'refused' ? state.error : null;
  const canKeep = replacing || (state.status === 'refused' && state.stored);
  const describedBy = [error || empty ? 'server-token--error' : null, 'server-token--hint'].filter(Boolean).join(' ');

  return (
    <form
      className="field token-field"
      onSubmit={(event) => {
        event.preventDefault();
        void check();
      }}
    >
      <label htmlFor="server-token" className="label">
        {label} API token
      </label>
      <div className="open-row">
        <input
          id="server-token"
          data-testid="server-token"
          className="input mono"
          type="password"
          value={token}
          onChange={(event) => {
            setToken(event.target.value);
            setEmpty(false);
          }}
          onBlur={(event) => {
            if (event.relatedTarget === checkButton.current) return;
            const value = token.trim();
            if (value !== '' && value !== sent.current) void check();
          }}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error !== null || empty || undefined}
          aria-describedby={describedBy}
        />
        <button
          ref={checkButton}
          type="submit"
          className="button"
          data-testid="check-token"
          aria-disabled={asking || undefined}
        >
          {asking ? 'Checking…' : 'Check token'}
        </button>
        {canKeep && (
          <button
            type="button"
            className="button button-plain"
            data-testid="keep-token"
            onClick={() => {
              setReplacing(false);
              setToken('');
              if (state.status === 'refused') void onCheck(null);
            }}
          >
            Keep the stored token
          </button>
        )}
      </div>
      <div aria-live="polite">
        {asking && (
          <p className="busy">
            <span className="spinner" aria-hidden="true" />
            <span>Checking the token with {label}…</span>
          </p>
        )}
      </div>
      {(error || empty) && (
        <div className="field-error" id="server-token--error" data-testid="token-error" role="alert">
          {error ? (
            <>
              <p>
                <Message text={error.message} />
              </p>
              {error.hints.length > 0 && (
                <ul className="hint-list">
                  {error.hints.map((hint) => (
                    <li key={hint}>
                      <Message text={hint} />
                    </li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <p>Enter the token first.</p>
          )}
        </div>
      )}
      <p className="hint" id="server-token--hint">
        {TOKEN_HELP[provider]} Slipway checks it with {label} and keeps it in this computer's
        keychain, never in slipway.toml.
      </p>
    </form>
  );
}
