import type { ReactNode } from 'react';
import { certificateAuthority, hasWww, newDomain, renamed, withWww, wwwOf } from '../lib/domain';
import type { Choices } from '../lib/draft';
import type { DomainSpec, Problem, Spec, TlsSpec } from '../lib/ipc/bindings';
import { CHOOSE_DOMAIN, problemsByField, stepOfField } from '../lib/steps';
import { Check } from './Check';
import { DnsSection } from './DnsSection';
import { Field, FieldMessages } from './Field';
import type { Change } from './ProjectWizard';
import { RadioCards } from './RadioCards';
import { StepHeader } from './StepHeader';
import { Unplaced } from './Unplaced';

interface Props {
  index: number;
  spec: Spec;
  choices: Choices;
  problems: readonly Problem[];
  onChange: Change;
  children: ReactNode;
}

const RENDERED = /^(domain\.(name|aliases\[\d+\]|dns\.(provider|user|client_ip))|tls\.email)$/;

const MODES = [
  {
    key: 'use',
    title: 'Use a domain',
    note: "Such as shop.example.com, with a free HTTPS certificate from Let's Encrypt.",
  },
  {
    key: 'skip',
    title: 'Skip for now',
    note: "Reach the app at the server's address over plain HTTP, and add a domain later.",
  },
] as const;

/** Step 3: the site's name, who points it at the server, and its HTTPS certificate. */
export function DomainStep({ index, spec, choices, problems, onChange, children }: Props) {
  const domain = spec.domain ?? null;
  const mode = domain ? 'use' : choices.domain === 'skip' ? 'skip' : null;
  const byField = problemsByField(problems, (field) => stepOfField(field) === 'domain');

  function chooseMode(next: 'use' | 'skip') {
    if (next === mode) return;
    if (next === 'skip') {
      const kept = domain ? { domain, tls: spec.tls ?? null } : choices.setAside.domain;
      onChange({ ...spec, domain: null, tls: null }, { ...choices, domain: 'skip', setAside: { ...choices.setAside, domain: kept } });
    } else {
      const back = choices.setAside.domain;
      onChange(
        { ...spec, domain: back?.domain ?? newDomain(), tls: back?.tls ?? { email: '', staging_first: true } },
        { ...choices, domain: 'use', setAside: { ...choices.setAside, domain: null } },
      );
    }
  }

  const setDomain = (next: DomainSpec) => onChange({ ...spec, domain: next });
  const tls: TlsSpec = spec.tls ?? { email: '' };
  const letsEncrypt = certificateAuthority(tls.acme) === "Let's Encrypt";
  const setTls = (patch: Partial<TlsSpec>) => onChange({ ...spec, tls: { ...tls, ...patch } });

  return (
    <>
      <StepHeader index={index} title="What address will people visit?">
        Give the site its own name and Slipway gets it an HTTPS certificate and keeps it renewed.
        Before asking for the certificate, Slipway waits until the name points at the server, so a
        slow DNS change never uses up Let's Encrypt's limits.
      </StepHeader>

      <div className="form">
        <Unplaced problems={byField} rendered={(f) => RENDERED.test(f) || f === CHOOSE_DOMAIN} />
        <RadioCards name="domain-choice" legend="Domain" options={MODES} value={mode} onChange={chooseMode} />

        {domain && (
          <>
            <NameFields domain={domain} problems={byField} onChange={setDomain} />
            <DnsSection spec={spec} domain={domain} problems={byField} onChange={setDomain} />
            <section className="subform" aria-labelledby="https-title">
              <h2 id="https-title">HTTPS</h2>
              <div className="form-grid">
                <Field
                  path="tls.email"
                  label="E-mail for Let's Encrypt"
                  hint="Let's Encrypt writes here if a certificate is about to expire without renewing."
                  problems={byField}
                >
                  {(props) => (
                    <input
                      {...props}
                      type="email"
                      className="input"
                      value={tls.email}
                      onChange={(e) => setTls({ email: e.target.value.trim() })}
                      placeholder="you@example.com"
                      autoComplete="email"
                      spellCheck={false}
                    />
                  )}
                </Field>
              </div>
              <Check
                testId="field-tls.staging_first"
                checked={tls.staging_first ?? false}
                onChange={(on) => setTls({ staging_first: on })}
                label={letsEncrypt ? "Try Let's Encrypt staging first" : 'Try a trial certificate first'}
                hint={
                  letsEncrypt
                    ? "Before the first real certificate, Slipway proves the whole path with Let's Encrypt's test service, whose limits are generous. It adds a few seconds, once."
                    : `Before the first real certificate, Slipway proves the whole path with a trial request to ${certificateAuthority(tls.acme)}. It adds a few seconds, once.`
                }
              />
            </section>
          </>
        )}
      </div>
      {children}
    </>
  );
}

function NameFields({
  domain,
  problems,
  onChange,
}: {
  domain: DomainSpec;
  problems: Map<string, string[]>;
  onChange: (domain: DomainSpec) => void;
}) {
  const www = wwwOf(domain.name);
  const others = (domain.aliases ?? []).filter((a) => a !== www);
  const aliasMessages = [...problems].filter(([field]) => field.startsWith('domain.aliases')).flatMap(([, m]) => m);
  return (
    <div className="subform">
      <div className="form-grid">
        <Field
          path="domain.name"
          label="Domain name"
          hint="The address people type, without https://, such as shop.example.com."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={domain.name}
              onChange={(e) => onChange(renamed(domain, e.target.value.trim()))}
              placeholder="shop.example.com"
              spellCheck={false}
              autoComplete="off"
              autoCapitalize="off"
            />
          )}
        </Field>
      </div>
      {www && (
        <Check
          testId="field-domain.www"
          checked={hasWww(domain)}
          onChange={(on) => onChange(withWww(domain, on))}
          label={`Also ${www}`}
          hint={`Visitors who type www. land on ${domain.name}: one address in bookmarks and search results.`}
          describedBy={aliasMessages.length > 0 ? 'domain-aliases--error' : undefined}
        />
      )}
      <FieldMessages id="domain-aliases--error" testId="error-domain.aliases" label="The other name" messages={aliasMessages} />
      {others.length > 0 && (
        <p className="hint">
          Also serves <span className="mono">{others.join(', ')}</span> (from slipway.toml).
        </p>
      )}
    </div>
  );
}
