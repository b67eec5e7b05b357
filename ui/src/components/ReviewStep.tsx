import type { ReactNode } from 'react';
import { certificateAuthority, DNS_LABEL, dnsKind } from '../lib/domain';
import type { Problem, Spec } from '../lib/ipc/bindings';
import { frameworkLabel } from '../lib/labels';
import { CLOUD_LABEL, isCloud, serverKind } from '../lib/server';
import { CHANNELS, channelOf, DEFAULT_WHEN, whenLabel } from '../lib/notify';
import { sentence } from '../lib/spec-form';
import { STEPS, stepOfField } from '../lib/steps';
import type { Offers } from '../lib/use-offers';
import type { Save } from '../lib/use-save';
import { Message } from './Field';
import { PlanPreview } from './PlanPreview';
import { MissingSecrets } from './MissingSecrets';
import { PlanItem } from './PlanItem';
import { ServerPlan } from './ServerPlan';
import { StepHeader } from './StepHeader';

interface Props {
  index: number;
  folder: string;
  spec: Spec;
  problems: readonly Problem[];
  checking: boolean;
  offers: Offers;
  save: Save;
  onGo: (step: number) => void;
  /** Starts the deploy, once slipway.toml holds the spec. */
  onDeploy: () => void;
  children: ReactNode;
}

/** Step 5: everything the user chose, what Slipway will create where, and saving it. */
export function ReviewStep({ index, folder, spec, problems, checking, offers, save, onGo, onDeploy, children }: Props) {
  const status = save.status(spec);
  const ready = problems.length === 0 && !checking;
  const domain = spec.domain ?? null;
  const names = domain ? [domain.name, ...(domain.aliases ?? [])] : [];
  const issuer = certificateAuthority(spec.tls?.acme);
  const stepIndex = (key: string) => STEPS.findIndex((s) => s.key === key);

  return (
    <>
      <StepHeader index={index} title="Ready to go live?">
        Here is everything Slipway will set up, and where. Nothing has been created or changed
        yet.
      </StepHeader>

      {problems.length > 0 && (
        <div className="alert alert-error" data-testid="review-problems">
          <p className="alert-title">
            {problems.length === 1 ? 'One thing needs' : `${problems.length} things need`} your
            attention first:
          </p>
          <ul className="hint-list">
            {problems.map((p) => {
              const step = stepIndex(stepOfField(p.field));
              return (
                <li key={p.field + p.message}>
                  <Message text={p.field.includes('.') ? sentence(p.field, p.message) : `${p.message}.`} />{' '}
                  {step !== index && (
                    <button type="button" className="link" onClick={() => onGo(step)}>
                      Go to {STEPS[step]!.title}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}

      <MissingSecrets spec={spec} offers={offers} onGo={onGo} />

      <section className="section" aria-labelledby="plan-title">
        <div className="section-head">
          <h2 id="plan-title">What Slipway will create</h2>
        </div>
        <ul className="plan" data-testid="review-plan">
          <ServerPlan spec={spec} offers={offers} />
          {domain && dnsKind(domain) !== 'manual' && (
            <PlanItem where={`At ${DNS_LABEL[dnsKind(domain)]}`}>
              A records pointing <Names names={names} /> at the server, created or corrected on each
              deploy.
            </PlanItem>
          )}
          {domain && dnsKind(domain) === 'manual' && (
            <PlanItem where="At your registrar, by you">
              A records pointing <Names names={names} /> at the server. Slipway waits for them before
              asking for a certificate.
            </PlanItem>
          )}
          {domain && (
            <PlanItem where={`At ${issuer}`}>
              A certificate for <Names names={names} />, renewed automatically
              {spec.tls?.staging_first ? ', after a trial run on the staging service' : ''}. Notices
              go to {spec.tls?.email || 'your e-mail'}.
            </PlanItem>
          )}
        </ul>
      </section>

      <section className="section" aria-labelledby="summary-title">
        <div className="section-head">
          <h2 id="summary-title">Your settings</h2>
        </div>
        <dl className="facts" data-testid="review-summary">
          <Summary label="App" onEdit={() => onGo(0)}>
            <span className="value-strong">{spec.app.name}</span>{' '}
            <span className="muted">
              · {frameworkLabel(spec.app.framework)} · started from
            </span>{' '}
            <code>{spec.app.entry}</code>
            <span className="sub muted">
              From <span className="mono">{folder}</span>
            </span>
          </Summary>
          <Summary label="Server" onEdit={() => onGo(1)}>
            <ServerSummary spec={spec} />
          </Summary>
          <Summary label="Domain" onEdit={() => onGo(2)}>
            {domain ? (
              <>
                <Names names={names} />
                <span className="sub muted">
                  HTTPS from {issuer}
                  {spec.tls?.staging_first ? ', staging first' : ''}; records at{' '}
                  {DNS_LABEL[dnsKind(domain)]}.
                </span>
              </>
            ) : (
              <span className="muted">None for now: the app answers at the server's address over HTTP.</span>
            )}
          </Summary>
          <Summary label="Notifications" onEdit={() => onGo(3)}>
            <NotifySummary spec={spec} />
          </Summary>
        </dl>
      </section>

      <PlanPreview folder={folder} spec={spec} ready={ready} />

      <div className="save-bar review-actions">
        <button
          type="button"
          className="button"
          data-testid="review-save"
          disabled={!ready || save.saving}
          aria-describedby="review-save-status"
          onClick={() => void save.save(spec)}
        >
          {save.saving ? 'Saving…' : 'Save slipway.toml'}
        </button>
        <button
          type="button"
          className="button button-primary"
          data-testid="deploy"
          disabled={!ready || save.saving}
          aria-describedby="deploy-note"
          onClick={() => void save.save(spec).then((saved) => saved && onDeploy())}
        >
          Deploy
        </button>
        <div className="save-status" id="review-save-status" aria-live="polite">
          {status && 'saved' in status ? (
            <p className="ok" data-testid="review-saved">
              <span aria-hidden="true">✓ </span>Saved to <span className="mono">{status.saved}</span>
            </p>
          ) : status && 'error' in status ? (
            <p className="error-text">Not saved: {status.error.message}</p>
          ) : null}
          <p className="hint" id="deploy-note">
            Deploy saves slipway.toml, then deploys the last commit. You can cancel at any
            time: the site keeps serving what it serves now until the new release answers.
          </p>
        </div>
      </div>
      {children}
    </>
  );
}

function Names({ names }: { names: string[] }) {
  return (
    <>
      {names.map((name, i) => (
        <span key={name}>
          {i > 0 && (i === names.length - 1 ? ' and ' : ', ')}
          <span className="mono">{name}</span>
        </span>
      ))}
    </>
  );
}

function Summary({ label, onEdit, children }: { label: string; onEdit: () => void; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd className="fact-edit">
        <span>{children}</span>
        <button type="button" className="link" onClick={onEdit} aria-label={`Edit ${label}`}>
          Edit
        </button>
      </dd>
    </div>
  );
}

function NotifySummary({ spec }: { spec: Spec }) {
  const desktop = spec.notify?.desktop ?? DEFAULT_WHEN.desktop;
  const channels = CHANNELS.filter((c) => channelOf(spec.notify, c.key) !== null);
  return (
    <ul className="plain-list" data-testid="review-notify">
      <li>
        Desktop: <span className="muted">{whenLabel(desktop).toLowerCase()}</span>
      </li>
      {channels.map((c) => {
        const when = channelOf(spec.notify, c.key)?.when ?? DEFAULT_WHEN[c.key];
        return (
          <li key={c.key}>
            {c.title}: <span className="muted">{whenLabel(when).toLowerCase()}</span>
          </li>
        );
      })}
    </ul>
  );
}

function ServerSummary({ spec }: { spec: Spec }) {
  const server = spec.server ?? null;
  const kind = serverKind(server);
  if (!server || kind === null) return <span className="muted">Not chosen yet.</span>;
  if (isCloud(kind)) {
    return (
      <>
        <span className="value-strong">{CLOUD_LABEL[kind]}</span>{' '}
        <span className="muted">·</span> <span className="mono">{server.region || '…'}</span>{' '}
        <span className="muted">·</span> <span className="mono">{server.size || '…'}</span>
      </>
    );
  }
  if (kind === 'sandbox') return <span className="value-strong">A sandbox on this computer</span>;
  return (
    <span className="mono">
      {server.user}@{server.host || '…'}:{server.port}
    </span>
  );
}
