import { useId, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import { Message } from './Field';

interface Props {
  /** The project the keychain entry belongs to (the app's name). */
  project: string;
  /** The keychain name, such as `slack-webhook`. */
  name: string;
  label: string;
  hint: string;
  /** Whether the keychain has it: undefined while that is being read. */
  stored: boolean | undefined;
  onStored: () => void;
  optional?: boolean;
}

/**
 * A credential typed once and put straight into the keychain. The value stays in this
 * field until it is stored, is never shown again, and is never part of the wizard's state.
 */
export function SecretField({ project, name, label, hint, stored, onStored, optional = false }: Props) {
  const backend = useBackend();
  const [value, setValue] = useState('');
  const [replacing, setReplacing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const id = `secret-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;

  async function store() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await backend.storeSecret(project, name, value);
      setValue('');
      setReplacing(false);
      onStored();
      requestAnimationFrame(() => document.getElementById(`${id}-replace`)?.focus());
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setBusy(false);
    }
  }

  if (stored === undefined) {
    return (
      <div className="field">
        <span className="label">{label}</span>
        <p className="muted">Looking in the keychain…</p>
      </div>
    );
  }

  if (stored && !replacing) {
    return (
      <div className="field">
        <span className="label" id={`${id}-label`}>
          {label}
        </span>
        <div className="secret-stored" data-testid={`secret-${name}`}>
          <span className="ok">
            <span aria-hidden="true">✓ </span>Stored in the keychain
          </span>
          <button
            id={`${id}-replace`}
            type="button"
            className="button button-small"
            data-testid={`replace-${name}`}
            aria-describedby={`${id}-label`}
            onClick={() => {
              setReplacing(true);
              requestAnimationFrame(() => document.getElementById(id)?.focus());
            }}
          >
            Replace
          </button>
        </div>
      </div>
    );
  }

  const describedBy = [error ? `${id}-error` : null, `${id}-hint`].filter(Boolean).join(' ');
  return (
    <form
      className="field"
      onSubmit={(event) => {
        event.preventDefault();
        void store();
      }}
    >
      <label htmlFor={id} className="label">
        {label}
        {optional && <span className="optional"> (optional)</span>}
      </label>
      <div className="open-row">
        <input
          id={id}
          data-testid={`field-secret-${name}`}
          className="input mono"
          type="password"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error !== null || undefined}
          aria-describedby={describedBy}
        />
        <button type="submit" className="button" data-testid={`store-${name}`} aria-disabled={busy || undefined}>
          {busy ? 'Storing…' : 'Store in keychain'}
        </button>
        {replacing && (
          <button
            type="button"
            className="button button-plain"
            onClick={() => {
              setReplacing(false);
              setValue('');
              setError(null);
            }}
          >
            Keep the stored one
          </button>
        )}
      </div>
      {error && (
        <div className="field-error" id={`${id}-error`} role="alert">
          <p>
            <Message text={error.message} />
          </p>
        </div>
      )}
      <p className="hint" id={`${id}-hint`}>
        {hint} Kept in this computer's keychain, never in slipway.toml.
      </p>
    </form>
  );
}
