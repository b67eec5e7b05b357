import type { ServerSpec } from '../lib/ipc/bindings';
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
    note: 'Kept in the keychain. Make it with `slipway key new`, then add the public key it prints to the server.',
  },
  {
    key: 'file',
    title: 'A key file',
    note: 'A private key file on this computer.',
  },
];

interface Props {
  server: ServerSpec;
  keyKind: KeyKind;
  problems: Map<string, string[]>;
  onChange: (patch: Partial<ServerSpec>, keyKind?: KeyKind) => void;
}

/** A server the user already has: where it is and how Slipway logs in. */
export function ExistingServer({ server, keyKind, problems, onChange }: Props) {
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
