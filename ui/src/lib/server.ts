// The Server step's words and rules: which kind of server the spec describes, what each
// kind writes into `[server]`, and how sizes and prices read.

import type { CloudProvider } from './backend';
import type { ImageOffer, RegionOffer, ServerOffer, ServerSpec, SizeOffer } from './ipc/bindings';

/** The four answers to "where will it run?". */
export type ServerKind = 'digitalocean' | 'hetzner' | 'existing' | 'sandbox';

/** The providers that sell servers and need an API token. */
export type Cloud = Extract<CloudProvider, 'digitalocean' | 'hetzner'>;

export const SERVER_KINDS: readonly { key: ServerKind; title: string; note: string }[] = [
  { key: 'digitalocean', title: 'DigitalOcean', note: 'Slipway creates a droplet with your API token.' },
  { key: 'hetzner', title: 'Hetzner Cloud', note: 'Slipway creates a cloud server with your API token.' },
  { key: 'existing', title: 'A server I already have', note: 'Any Debian or Ubuntu server you can log in to over SSH.' },
  { key: 'sandbox', title: 'A sandbox on this computer', note: 'A disposable Debian server to try Slipway on.' },
];

export const CLOUD_LABEL: Record<Cloud, string> = {
  digitalocean: 'DigitalOcean',
  hetzner: 'Hetzner Cloud',
};

/** The keychain names of the providers' API tokens, as the backend stores them. */
export const TOKEN_SECRET: Record<Cloud, string> = {
  digitalocean: 'digitalocean-token',
  hetzner: 'hetzner-token',
};

/** Where each provider makes its API tokens, for the token field's hint. */
export const TOKEN_HELP: Record<Cloud, string> = {
  digitalocean:
    'Create one at cloud.digitalocean.com → API → Tokens, with read and write access. It starts with dop_v1_.',
  hetzner:
    'Create one in the Hetzner Cloud console: open the project, then Security → API tokens, with read and write access.',
};

/** The key value meaning "the project's own key, kept in the keychain". */
export const KEYCHAIN = 'keychain';

export function isCloud(kind: ServerKind | null): kind is Cloud {
  return kind === 'digitalocean' || kind === 'hetzner';
}

/** Which kind of server `[server]` describes; null while none is chosen. */
export function serverKind(server: ServerSpec | null | undefined): ServerKind | null {
  if (!server) return null;
  switch (server.provider ?? '') {
    case '':
      return 'existing';
    case 'digitalocean':
      return 'digitalocean';
    case 'hetzner':
      return 'hetzner';
    case 'sandbox':
      return 'sandbox';
    default:
      // An unknown provider from a hand-edited file: the spec check names it.
      return 'existing';
  }
}

/** A fresh `[server]` for `kind`: providers log in with the project's key. */
export function newServer(kind: ServerKind): ServerSpec {
  switch (kind) {
    case 'existing':
      return { provider: '', host: '', port: 22, user: 'root', key: '' };
    case 'sandbox':
      return { provider: 'sandbox', host: '', port: 22, user: 'root', key: KEYCHAIN };
    default:
      return { provider: kind, host: '', port: 22, user: 'root', key: KEYCHAIN, region: '', size: '', image: '' };
  }
}

/** How Slipway logs in to a server the user already has. */
export type KeyKind = 'keychain' | 'agent' | 'file';

export function keyKindOf(key: string): KeyKind {
  if (key === KEYCHAIN) return 'keychain';
  return key === '' ? 'agent' : 'file';
}

export function regionOf(offer: ServerOffer | null, slug: string): RegionOffer | undefined {
  return offer?.regions.find((r) => r.slug === slug);
}

/** The sizes sold in a region, cheapest first. */
export function sizesIn(region: RegionOffer | undefined): SizeOffer[] {
  return [...(region?.sizes ?? [])].sort((a, b) => a.price_monthly - b.price_monthly);
}

export function sizeOf(offer: ServerOffer | null, region: string, size: string): SizeOffer | undefined {
  return regionOf(offer, region)?.sizes.find((s) => s.slug === size);
}

export function imageOf(offer: ServerOffer | null, region: string, image: string): ImageOffer | undefined {
  return regionOf(offer, region)?.images.find((i) => i.slug === image);
}

/** The image to preselect: Debian 12 when offered, as the spec uses when it names none. */
export function defaultImage(region: RegionOffer | undefined): string {
  const images = region?.images ?? [];
  return (images.find((i) => /^debian-12/.test(i.slug)) ?? images[0])?.slug ?? '';
}

/** `$6.00` or `€4.51`, in the user's own number format. */
export function formatPrice(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** `512 MB`, `1 GB`, `1.5 GB`. */
export function formatMemory(mib: number): string {
  if (mib < 1024) return `${mib} MB`;
  const gb = mib / 1024;
  return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB`;
}

/** `1 vCPU · 1 GB memory · 25 GB disk`. */
export function sizeSummary(size: SizeOffer): string {
  const cpus = `${size.vcpus} vCPU${size.vcpus === 1 ? '' : 's'}`;
  return `${cpus} · ${formatMemory(size.memory_mib)} memory · ${size.disk_gb} GB disk`;
}

/** The server's address when the spec names it as an IP address; else null. */
export function knownAddress(server: ServerSpec | null | undefined): string | null {
  const host = server?.host ?? '';
  if (serverKind(server) !== 'existing' || host === '') return null;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host : null;
}
