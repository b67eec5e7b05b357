import type { HardenSpec, Spec } from '../lib/ipc/bindings';
import {
  CLOUD_LABEL,
  formatPrice,
  imageOf,
  isCloud,
  regionOf,
  serverKind,
  sizeOf,
  sizeSummary,
} from '../lib/server';
import type { Offers } from '../lib/use-offers';
import { PlanItem } from './PlanItem';

/** The server part of the plan: what is made where, at what price, and how it is set up. */
export function ServerPlan({ spec, offers }: { spec: Spec; offers: Offers }) {
  const server = spec.server ?? null;
  const kind = serverKind(server);
  if (!server || kind === null) return null;
  const name = server.name || spec.app.name;

  let made = null;
  if (isCloud(kind)) {
    const state = offers.states[kind];
    const offer = state.status === 'ready' ? state.offer : null;
    const region = regionOf(offer, server.region ?? '');
    const size = sizeOf(offer, server.region ?? '', server.size ?? '');
    const image = imageOf(offer, server.region ?? '', server.image ?? '');
    made = (
      <PlanItem where={`At ${CLOUD_LABEL[kind]}`} testId="review-server">
        A server named <span className="mono">{name}</span> in {region?.name ?? server.region}, size{' '}
        <span className="mono">{server.size}</span>
        {size && <> ({sizeSummary(size)})</>}, running {image?.label ?? (server.image || 'Debian 12')}.{' '}
        {size && offer ? (
          <span className="price" data-testid="review-price">
            {formatPrice(size.price_monthly, offer.currency)} a month
          </span>
        ) : state.status === 'asking' || state.status === 'unknown' ? (
          <span className="muted">Reading the price from {CLOUD_LABEL[kind]}…</span>
        ) : (
          <span className="muted">The price shows once the token is checked on the Server step.</span>
        )}
        <span className="sub muted">
          Also the SSH key <span className="mono">slipway-{spec.app.name}</span>, so Slipway can log in.
        </span>
      </PlanItem>
    );
  } else if (kind === 'sandbox') {
    made = (
      <PlanItem where="On this computer" testId="review-server">
        A sandbox Debian 12 server to deploy to, which needs Linux and root.
      </PlanItem>
    );
  } else {
    made = (
      <PlanItem where="Nowhere new" testId="review-server">
        Slipway uses your server at{' '}
        <span className="mono">
          {server.user}@{server.host}
          {server.port !== 22 ? `:${server.port}` : ''}
        </span>
        , logging in with {server.key === 'keychain' ? "the project's key" : server.key ? <span className="mono">{server.key}</span> : 'your ssh-agent'}.
      </PlanItem>
    );
  }

  return (
    <>
      {made}
      <PlanItem where="On the server">
        {setup(spec.harden)} Then your app, <span className="mono">{spec.app.name}</span>, runs under
        gunicorn behind nginx, and each release goes live only after its health check passes.
      </PlanItem>
    </>
  );
}

/** How the server is locked down, in one sentence. */
function setup(harden: HardenSpec | undefined): string {
  const parts: string[] = [];
  const user = harden?.deploy_user ?? 'deploy';
  if (user) parts.push(`a deploy user "${user}" with key-only SSH`);
  if (harden?.firewall ?? true) parts.push('a firewall letting in SSH, HTTP and HTTPS');
  if (harden?.fail2ban ?? true) parts.push('fail2ban');
  if (harden?.upgrades ?? true) parts.push('daily security updates');
  if ((harden?.swap ?? 'auto') !== 'off') parts.push('swap if memory is small');
  if (parts.length === 0) return 'Nothing about the server itself changes.';
  const last = parts.pop();
  const list = parts.length > 0 ? `${parts.join(', ')} and ${last}` : last;
  return `${list!.charAt(0).toUpperCase()}${list!.slice(1)}.`;
}
