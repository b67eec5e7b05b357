import { useEffect, useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { ProjectCard } from '../lib/ipc/bindings';
import { Message } from './Field';

interface Props {
  card: ProjectCard;
  onCancel: () => void;
  onRemoved: () => void;
}

/**
 * Taking a project off the dashboard. Its folder and slipway.toml stay; its server stays
 * too unless the user asks for it to be destroyed and types the server's name, which the
 * provider then destroys (billing stops, and everything on it is gone).
 */
export function RemoveDialog({ card, onCancel, onRemoved }: Props) {
  const backend = useBackend();
  const [destroy, setDestroy] = useState(false);
  const [typed, setTyped] = useState('');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  const canDestroy = card.provider !== null && card.server_name !== null;
  const ready = !destroy || typed === card.server_name;

  async function remove() {
    setWorking(true);
    setError(null);
    try {
      await backend.removeProject(card.folder, destroy ? typed : null);
      onRemoved();
    } catch (e) {
      setError(toIpcError(e));
      setWorking(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="remove-title"
      data-testid="remove-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!working) onCancel();
      }}
    >
      <h2 id="remove-title">Remove {card.name} from Slipway?</h2>
      <p>
        Slipway forgets the project and its deploy history on this computer. The folder{' '}
        <span className="mono">{card.folder}</span> and its slipway.toml stay as they are.
      </p>
      {canDestroy ? (
        <div className="subform">
          <label className="check">
            <input
              type="checkbox"
              checked={destroy}
              data-testid="remove-destroy"
              onChange={(e) => setDestroy(e.target.checked)}
            />
            <span>
              Also destroy the server <span className="mono">{card.server_name}</span> at {card.provider}
            </span>
          </label>
          {destroy && (
            <div className="field">
              <label htmlFor="remove-confirm" className="label">
                Type <span className="mono">{card.server_name}</span> to confirm
              </label>
              <input
                id="remove-confirm"
                className="input"
                value={typed}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={error?.field === 'confirmation' ? true : undefined}
                aria-describedby="remove-warning"
                data-testid="remove-confirm"
                onChange={(e) => setTyped(e.target.value)}
              />
              <p className="hint" id="remove-warning">
                The site goes offline, everything on the server is deleted, and {card.provider} stops billing for it.
                This cannot be undone.
              </p>
            </div>
          )}
        </div>
      ) : (
        <p className="muted">The server ({card.server}) keeps running: Slipway did not create it.</p>
      )}
      {error && (
        <p className="error-text" role="alert" data-testid="remove-error">
          <Message text={error.message} />
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" disabled={working} onClick={onCancel} data-testid="remove-cancel">
          Keep it
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={working || !ready}
          onClick={() => void remove()}
          data-testid="remove-go"
        >
          {working ? 'Removing…' : destroy ? 'Destroy the server and remove' : 'Remove'}
        </button>
      </div>
    </dialog>
  );
}
