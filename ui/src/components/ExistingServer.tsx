import { useEffect, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { PublicKey, ServerSpec, Spec } from '../lib/ipc/bindings';
import { KEYCHAIN, type KeyKind } from '../lib/server';
import { wholeNumber } from '../lib/spec-form';
import { Field, Message } from './Field';

const KEY_KINDS: readonly { key: KeyKind; title: string; note: string }[] = [
  {
    key: 'agent',
    title: 'My usual SSH key',
    note: 'Through ssh-agent, the way you log in yourself.',
  },
  {
    key: 'keychain',
    title: 'A key for this project',
    note: 'Made here and kept in the keychain; you add its public half to the server once.',
  },
  {
    key: 'file',
    title: 'A key file',
    note: 'A private key file on this computer.',
  },
];

interface Props {
  spec: Spec;
  server: ServerSpec;
  keyKind: KeyKind;
  problems: Map<string, string[]>;
  onChange: (patch: Partial<ServerSpec>, keyKind?: KeyKind) => void;
}

/** A server the user already has: where it is and how Slipway logs in. */
export function ExistingServer({ spec, server, keyKind, problems, onChange }: Props) {
  function chooseKey(kind: KeyKind) {
    const key = kind === 'keychain' ? KEYCHAIN : '';
    onChange({ key }, kind);
  }

  return (
    <div className="subform">
      <div className="form-grid form-grid-3">
        <Field
          path="server.host"
          label="Address"
          hint="Its IP address or host name, such as 203.0.113.10."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={server.host ?? ''}
              onChange={(e) => onChange({ host: e.target.value.trim() })}
              placeholder="203.0.113.10"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
        <Field path="server.port" label="SSH port" hint="Usually 22." problems={problems}>
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="numeric"
              min={1}
              max={65535}
              className="input mono"
              value={server.port}
              onChange={(e) => onChange({ port: wholeNumber(e.target.value, 0) })}
            />
          )}
        </Field>
        <Field path="server.user" label="User" hint="Who Slipway logs in as: root, or a user with sudo." problems={problems}>
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={server.user}
              onChange={(e) => onChange({ user: e.target.value })}
              placeholder="root"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
      </div>

      <fieldset className="cards-field">
        <legend className="label">How Slipway logs in</legend>
        <div className="choice-list">
          {KEY_KINDS.map((kind) => (
            <label key={kind.key} className="choice">
              <input
                type="radio"
                name="server-key-kind"
                value={kind.key}
                data-testid={`server-key-${kind.key}`}
                checked={keyKind === kind.key}
                onChange={() => chooseKey(kind.key)}
              />
              <span className="choice-body">
                <span className="value-strong">{kind.title}</span>
                <span className="choice-evidence">
                  <Message text={kind.note} />
                </span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {keyKind === 'keychain' && <LoginKey spec={spec} user={server.user} />}

      {keyKind === 'file' && (
        <Field
          path="server.key"
          label="Private key file"
          hint="A full path, such as ~/.ssh/id_ed25519 (not the .pub file)."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={server.key ?? ''}
              onChange={(e) => onChange({ key: e.target.value })}
              placeholder="~/.ssh/id_ed25519"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
      )}
    </div>
  );
}

type KeyState = { kind: 'asking' } | { kind: 'none' } | { kind: 'made'; key: PublicKey } | { kind: 'error'; error: IpcError };

/**
 * The project's login key: made here on request (its private half goes to the keychain
 * only), and its public half shown with the line that installs it on the server.
 */
function LoginKey({ spec, user }: { spec: Spec; user: string }) {
  const backend = useBackend();
  const [state, setState] = useState<KeyState>({ kind: 'asking' });
  const [copied, setCopied] = useState(false);
  const project = spec.app.name;

  useEffect(() => {
    let live = true;
    setState({ kind: 'asking' });
    backend.loginKey(spec, false).then(
      (key) => live && setState(key ? { kind: 'made', key } : { kind: 'none' }),
      (e: unknown) => live && setState({ kind: 'error', error: toIpcError(e) }),
    );
    return () => {
      live = false;
    };
    // Only the project decides which key this is.
  }, [backend, project]);

  async function make() {
    setState({ kind: 'asking' });
    try {
      const key = await backend.loginKey(spec, true);
      setState(key ? { kind: 'made', key } : { kind: 'none' });
    } catch (e) {
      setState({ kind: 'error', error: toIpcError(e) });
    }
  }

  const home = user === 'root' ? '/root' : `/home/${user || 'USER'}`;
  switch (state.kind) {
    case 'asking':
      return <p className="muted">Looking in the keychain for {project}'s key…</p>;
    case 'error':
      return (
        <p className="error-text" data-testid="login-key-error">
          <Message text={state.error.message} />
        </p>
      );
    case 'none':
      return (
        <div className="panel" data-testid="login-key-none">
          <p>{project} has no key yet. Slipway makes one here; its private half never leaves the keychain.</p>
          <button type="button" className="button button-small" data-testid="make-login-key" onClick={() => void make()}>
            Make the key
          </button>
        </div>
      );
    case 'made': {
      const install = `echo '${state.key.line}' >> ${home}/.ssh/authorized_keys`;
      return (
        <div className="panel" data-testid="login-key">
          <p>
            Add this public key to the server once (fingerprint <span className="mono">{state.key.fingerprint}</span>
            ), for example by running this there as {user || 'the user'}:
          </p>
          <pre className="mono key-line" data-testid="login-key-install">
            {install}
          </pre>
          <button
            type="button"
            className="button button-small"
            data-testid="copy-login-key"
            onClick={() =>
              void navigator.clipboard.writeText(install).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      );
    }
  }
}
