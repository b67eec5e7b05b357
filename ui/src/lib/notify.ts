// The Notifications step's words: when a channel speaks up, and what each channel starts
// with when it is turned on.

import type { EmailNotify, NotifySpec, SlackNotify, SmsNotify, WebhookNotify, When } from './ipc/bindings';

export const WHENS: readonly { key: When; label: string }[] = [
  { key: 'always', label: 'After every deploy' },
  { key: 'failure', label: 'Only when a deploy fails' },
  { key: 'success', label: 'Only when a deploy succeeds' },
  { key: 'never', label: 'Never' },
];

export function whenLabel(when: When): string {
  return WHENS.find((w) => w.key === when)?.label ?? when;
}

export type Channel = 'slack' | 'email' | 'sms' | 'webhook';

export interface ChannelSpecs {
  slack: SlackNotify;
  email: EmailNotify;
  sms: SmsNotify;
  webhook: WebhookNotify;
}

export const CHANNELS: readonly { key: Channel; title: string; note: string; secret: string }[] = [
  { key: 'slack', title: 'Slack', note: 'A message in a channel, through an incoming webhook.', secret: 'slack-webhook' },
  { key: 'email', title: 'E-mail', note: 'Sent through your own SMTP server or provider.', secret: 'smtp-password' },
  { key: 'sms', title: 'Text message', note: 'An SMS to your phone, sent through Twilio.', secret: 'twilio-token' },
  { key: 'webhook', title: 'Webhook', note: 'A JSON POST to any https:// URL, signed if you give a secret.', secret: 'webhook-secret' },
];

/** When each channel speaks up unless told otherwise, as slipway.toml defaults it. */
export const DEFAULT_WHEN: Record<Channel | 'desktop', When> = {
  desktop: 'always',
  slack: 'always',
  email: 'failure',
  sms: 'failure',
  webhook: 'always',
};

export function newChannel<C extends Channel>(channel: C): ChannelSpecs[C] {
  const fresh: ChannelSpecs = {
    slack: { when: 'always' },
    email: { to: '', from: '', server: '', username: '', security: 'starttls', when: 'failure' },
    sms: { to: '', from: '', account: '', when: 'failure' },
    webhook: { url: '', when: 'always' },
  };
  return fresh[channel];
}

export function channelOf<C extends Channel>(notify: NotifySpec | undefined, channel: C): ChannelSpecs[C] | null {
  return (notify?.[channel] as ChannelSpecs[C] | null | undefined) ?? null;
}
