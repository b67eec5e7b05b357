import { DNS_LABEL, DNS_SECRET, dnsKind } from '../lib/domain';
import type { Spec } from '../lib/ipc/bindings';
import { channelOf } from '../lib/notify';
import { CLOUD_LABEL, isCloud, serverKind } from '../lib/server';
import { STEPS } from '../lib/steps';
import type { Offers } from '../lib/use-offers';
import { useSecretStates } from '../lib/use-secrets';

interface Needed {
  name: string;
  what: string;
  step: number;
}

/** The keychain entries the chosen settings rely on, and which step stores each. */
function needed(spec: Spec): Needed[] {
  const list: Needed[] = [];
  const domain = spec.domain;
  if (domain) {
    const kind = dnsKind(domain);
    if (kind !== 'manual') list.push({ name: DNS_SECRET[kind], what: `the ${DNS_LABEL[kind]} credentials`, step: 2 });
  }
  if (channelOf(spec.notify, 'slack')) list.push({ name: 'slack-webhook', what: 'the Slack webhook URL', step: 3 });
  if (channelOf(spec.notify, 'sms')) list.push({ name: 'twilio-token', what: "Twilio's auth token", step: 3 });
  if (channelOf(spec.notify, 'email')?.username) {
    list.push({ name: 'smtp-password', what: 'the SMTP password', step: 3 });
  }
  return list;
}

/**
 * What a deploy will ask the keychain for that is not there yet. Not a blocker for saving
 * slipway.toml, but a deploy would stop at it, so the user hears about it here first.
 */
export function MissingSecrets({ spec, offers, onGo }: { spec: Spec; offers: Offers; onGo: (step: number) => void }) {
  const wanted = needed(spec);
  const secrets = useSecretStates(spec.app.name, wanted.map((w) => w.name));
  const missing = wanted.filter((w) => secrets.isSet(w.name) === false);
  const kind = serverKind(spec.server);
  if (isCloud(kind)) {
    const status = offers.states[kind].status;
    if (status === 'no-token' || status === 'refused') {
      missing.unshift({ name: kind, what: `the ${CLOUD_LABEL[kind]} API token`, step: 1 });
    }
  }
  const unique = missing.filter((m, i) => missing.findIndex((n) => n.name === m.name) === i);
  if (unique.length === 0) return null;
  return (
    <div className="alert alert-warning" data-testid="missing-secrets">
      <p className="alert-title">Not in the keychain yet</p>
      <p>A deploy needs {unique.length === 1 ? 'this' : 'these'}; store {unique.length === 1 ? 'it' : 'them'} on {unique.length === 1 ? 'its step' : 'their steps'}:</p>
      <ul className="hint-list">
        {unique.map((m) => (
          <li key={m.name}>
            {m.what}{' '}
            <button type="button" className="link" onClick={() => onGo(m.step)}>
              Go to {STEPS[m.step]!.title}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
