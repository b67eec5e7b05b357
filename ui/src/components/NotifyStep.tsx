import type { ReactNode } from 'react';
import type { Choices } from '../lib/draft';
import type { NotifySpec, Problem, Spec, When } from '../lib/ipc/bindings';
import { CHANNELS, channelOf, DEFAULT_WHEN, newChannel, WHENS, type Channel, type ChannelSpecs } from '../lib/notify';
import { problemsByField, stepOfField } from '../lib/steps';
import { useSecretStates } from '../lib/use-secrets';
import { ChannelFields } from './ChannelFields';
import { Check } from './Check';
import { Field } from './Field';
import type { Change } from './ProjectWizard';
import { SecretField } from './SecretField';
import { StepHeader } from './StepHeader';
import { TestSend } from './TestSend';
import { Unplaced } from './Unplaced';

interface Props {
  index: number;
  spec: Spec;
  choices: Choices;
  problems: readonly Problem[];
  onChange: Change;
  children: ReactNode;
}

const RENDERED = /^notify\.(desktop|(email|sms|slack|webhook)\.(to|from|server|username|security|account|url|when))$/;

const SECRETS: Record<Channel, { label: string; hint: string; optional?: boolean }> = {
  slack: {
    label: 'Incoming webhook URL',
    hint: 'In Slack: Apps → Incoming Webhooks → Add to a channel. It starts with https://hooks.slack.com/.',
  },
  email: {
    label: 'SMTP password',
    hint: 'The password of the SMTP login above, or an app password.',
    optional: true,
  },
  sms: {
    label: 'Twilio auth token',
    hint: "Next to the Account SID in Twilio's console.",
  },
  webhook: {
    label: 'Signing secret',
    hint: 'When set, each message carries a signature made with it, so the receiver can tell it came from Slipway.',
    optional: true,
  },
};

/** Step 4: a desktop notification by default, and any of Slack, e-mail, SMS and a webhook. */
export function NotifyStep({ index, spec, choices, problems, onChange, children }: Props) {
  const notify: NotifySpec = spec.notify ?? { desktop: DEFAULT_WHEN.desktop };
  const byField = problemsByField(problems, (field) => stepOfField(field) === 'notify');
  const project = spec.app.name;
  const secrets = useSecretStates(project, CHANNELS.map((c) => c.secret));
  const setNotify = (next: NotifySpec) => onChange({ ...spec, notify: next });

  function toggle(channel: Channel, on: boolean) {
    const channels: Partial<ChannelSpecs> = { ...choices.setAside.channels };
    const current = channelOf(notify, channel);
    let next: NotifySpec;
    if (on) {
      const back = channels[channel] ?? newChannel(channel);
      delete channels[channel];
      next = { ...notify, [channel]: back };
    } else {
      if (current) Object.assign(channels, { [channel]: current });
      next = { ...notify, [channel]: null };
    }
    onChange({ ...spec, notify: next }, { ...choices, setAside: { ...choices.setAside, channels } });
  }

  return (
    <>
      <StepHeader index={index} title="Who should hear about deploys?">
        Slipway tells you when a deploy has finished or failed, so you never have to watch it. A
        notification on this computer is on from the start; add your phone, Slack or e-mail to
        hear about it away from your desk.
      </StepHeader>

      <div className="form">
        <Unplaced problems={byField} rendered={(f) => RENDERED.test(f)} />
        <div className="form-grid">
          <Field
            path="notify.desktop"
            label="Desktop notification"
            hint="Shown on this computer when a deploy run from it ends."
            problems={byField}
          >
            {(props) => (
              <select
                {...props}
                className="input"
                value={notify.desktop ?? DEFAULT_WHEN.desktop}
                onChange={(e) => setNotify({ ...notify, desktop: e.target.value as When })}
              >
                {WHENS.map((w) => (
                  <option key={w.key} value={w.key}>
                    {w.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TestSend
            spec={spec}
            id="desktop"
            only={{ desktop: 'always', email: null, sms: null, slack: null, webhook: null }}
          />
        </div>

        {CHANNELS.map((channel) => {
          const value = channelOf(notify, channel.key);
          const secret = SECRETS[channel.key];
          return (
            <section key={channel.key} className="channel" data-testid={`channel-${channel.key}`}>
              <Check
                testId={`toggle-${channel.key}`}
                checked={value !== null}
                onChange={(on) => toggle(channel.key, on)}
                label={<span className="value-strong">{channel.title}</span>}
                hint={channel.note}
              />
              {value !== null && (
                <div className="channel-body">
                  <ChannelFields
                    channel={channel.key}
                    notify={notify}
                    problems={byField}
                    onChange={setNotify}
                  />
                  <SecretField
                    project={project}
                    name={channel.secret}
                    label={secret.label}
                    hint={secret.hint}
                    optional={secret.optional ?? false}
                    stored={secrets.isSet(channel.secret)}
                    onStored={() => secrets.stored(channel.secret)}
                  />
                  <TestSend
                    spec={spec}
                    id={channel.key}
                    only={{ desktop: 'never', email: null, sms: null, slack: null, webhook: null, [channel.key]: value }}
                  />
                </div>
              )}
            </section>
          );
        })}
        {secrets.failure && <p className="error-text">Could not read the keychain: {secrets.failure.message}</p>}
      </div>
      {children}
    </>
  );
}
