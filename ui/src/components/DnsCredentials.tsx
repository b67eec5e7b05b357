import { DNS_SECRET, type DnsKind } from '../lib/domain';
import type { DomainSpec } from '../lib/ipc/bindings';
import { useSecretStates } from '../lib/use-secrets';
import { Field } from './Field';
import { SecretField } from './SecretField';

interface Props {
  kind: DnsKind;
  project: string;
  domain: DomainSpec;
  problems: Map<string, string[]>;
  onChange: (domain: DomainSpec) => void;
}

const HINTS: Record<Exclude<DnsKind, 'manual'>, { label: string; hint: string }> = {
  digitalocean: {
    label: 'DigitalOcean API token',
    hint: 'The domain must be added under Networking → Domains in DigitalOcean. Create a token at cloud.digitalocean.com → API → Tokens, with read and write access.',
  },
  cloudflare: {
    label: 'Cloudflare API token',
    hint: "Create one at dash.cloudflare.com → My Profile → API Tokens, from the “Edit zone DNS” template, for this domain's zone.",
  },
  namecheap: {
    label: 'Namecheap API key',
    hint: 'Shown under Profile → Tools → Namecheap API Access once the API is turned on.',
  },
};

/** What Slipway needs to set the records at the chosen DNS provider. */
export function DnsCredentials({ kind, project, domain, problems, onChange }: Props) {
  const secret = kind === 'manual' ? null : DNS_SECRET[kind];
  const secrets = useSecretStates(project, secret ? [secret] : []);
  if (kind === 'manual' || secret === null) return null;
  const stored = secrets.isSet(secret);
  const dns = domain.dns ?? {};
  const setDns = (patch: Partial<typeof dns>) => onChange({ ...domain, dns: { ...dns, ...patch } });

  return (
    <div className="subform" data-testid="dns-credentials">
      {kind === 'namecheap' && (
        <div className="form-grid">
          <Field
            path="domain.dns.user"
            label="API user"
            hint="The user name shown under Profile → Tools → Namecheap API Access."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                className="input mono"
                value={dns.user ?? ''}
                onChange={(e) => setDns({ user: e.target.value.trim() })}
                spellCheck={false}
                autoComplete="off"
              />
            )}
          </Field>
          <Field
            path="domain.dns.client_ip"
            label="This computer's IP address"
            hint="Its public IPv4 address, which must be on the API whitelist on the same page."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                className="input mono"
                value={dns.client_ip ?? ''}
                onChange={(e) => setDns({ client_ip: e.target.value.trim() })}
                placeholder="198.51.100.7"
                spellCheck={false}
                autoComplete="off"
              />
            )}
          </Field>
        </div>
      )}
      {kind === 'digitalocean' && stored && (
        <p className="ok" data-testid="dns-token-reused">
          <span aria-hidden="true">✓ </span>Uses the DigitalOcean token stored in the keychain.
        </p>
      )}
      {!(kind === 'digitalocean' && stored) && (
        <SecretField
          project={project}
          name={secret}
          label={HINTS[kind].label}
          hint={HINTS[kind].hint}
          stored={stored}
          onStored={() => secrets.stored(secret)}
        />
      )}
      {secrets.failure && <p className="error-text">Could not read the keychain: {secrets.failure.message}</p>}
    </div>
  );
}
