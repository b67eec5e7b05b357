import type { NotifySpec, When } from '../lib/ipc/bindings';
import { channelOf, DEFAULT_WHEN, WHENS, type Channel, type ChannelSpecs } from '../lib/notify';
import { Field } from './Field';

interface Props {
  channel: Channel;
  notify: NotifySpec;
  problems: Map<string, string[]>;
  onChange: (notify: NotifySpec) => void;
}

interface TextField {
  key: string;
  label: string;
  hint: string;
  placeholder?: string;
  optional?: boolean;
  type?: 'email' | 'tel' | 'url';
}

const FIELDS: Record<Channel, readonly TextField[]> = {
  slack: [],
  email: [
    { key: 'to', label: 'To', hint: 'Who receives it.', placeholder: 'you@example.com', type: 'email' },
    { key: 'from', label: 'From', hint: 'An address your SMTP server may send as.', placeholder: 'deploys@example.com', type: 'email' },
    { key: 'server', label: 'SMTP server', hint: 'host:port: 587 for STARTTLS, 465 for TLS.', placeholder: 'smtp.example.com:587' },
    { key: 'username', label: 'SMTP login', hint: 'Empty for a server that needs none.', optional: true },
  ],
  sms: [
    { key: 'to', label: 'To', hint: 'Your phone, in international form.', placeholder: '+14155550123', type: 'tel' },
    { key: 'from', label: 'From', hint: 'Your Twilio phone number.', placeholder: '+14155550100', type: 'tel' },
    { key: 'account', label: 'Twilio Account SID', hint: "Starts with AC, on Twilio's console.", placeholder: 'AC…' },
  ],
  webhook: [{ key: 'url', label: 'URL', hint: 'Where Slipway POSTs a JSON message: https://, or http:// to this computer.', placeholder: 'https://example.com/hooks/deploys', type: 'url' }],
};

const SECURITY = [
  { key: 'starttls', label: 'STARTTLS (port 587)' },
  { key: 'tls', label: 'TLS (port 465)' },
  { key: 'none', label: 'None (a server on this computer only)' },
] as const;

/** The settings of one notification channel, and when it speaks up. */
export function ChannelFields({ channel, notify, problems, onChange }: Props) {
  const value = channelOf(notify, channel);
  if (value === null) return null;
  const record = value as unknown as Record<string, string | undefined>;
  const set = (patch: Partial<ChannelSpecs[typeof channel]>) =>
    onChange({ ...notify, [channel]: { ...value, ...patch } });

  return (
    <div className="form-grid">
      {FIELDS[channel].map((field) => (
        <Field
          key={field.key}
          path={`notify.${channel}.${field.key}`}
          label={field.label}
          hint={field.hint}
          optional={field.optional ?? false}
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              type={field.type ?? 'text'}
              className="input mono"
              value={record[field.key] ?? ''}
              onChange={(e) => set({ [field.key]: e.target.value.trim() })}
              placeholder={field.placeholder}
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
      ))}
      {channel === 'email' && (
        <Field path="notify.email.security" label="Encryption" problems={problems}>
          {(props) => (
            <select
              {...props}
              className="input"
              value={record.security ?? 'starttls'}
              onChange={(e) => set({ security: e.target.value })}
            >
              {SECURITY.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field path={`notify.${channel}.when`} label="When" problems={problems}>
        {(props) => (
          <select
            {...props}
            className="input"
            value={record.when ?? DEFAULT_WHEN[channel]}
            onChange={(e) => set({ when: e.target.value as When })}
          >
            {WHENS.map((w) => (
              <option key={w.key} value={w.key}>
                {w.label}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
