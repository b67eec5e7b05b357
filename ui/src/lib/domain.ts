// The Domain & HTTPS step's rules: the www alias, who holds the DNS records, and the
// records a user creates by hand.

import type { DomainSpec, ServerSpec } from './ipc/bindings';
import { knownAddress } from './server';

export type DnsKind = 'manual' | 'digitalocean' | 'cloudflare' | 'namecheap';

export const DNS_KINDS: readonly { key: DnsKind; title: string; note: string }[] = [
  { key: 'manual', title: 'I add the records myself', note: 'At your registrar or DNS host; Slipway shows what to add and waits for it.' },
  { key: 'digitalocean', title: 'DigitalOcean DNS', note: 'Slipway sets the records with your DigitalOcean token.' },
  { key: 'cloudflare', title: 'Cloudflare', note: 'Slipway sets the records with a Cloudflare API token.' },
  { key: 'namecheap', title: 'Namecheap', note: 'Slipway sets the records through the Namecheap API.' },
];

/** Who holds the records, for sentences: "Slipway sets them at Cloudflare". */
export const DNS_LABEL: Record<DnsKind, string> = {
  manual: 'your registrar',
  digitalocean: 'DigitalOcean DNS',
  cloudflare: 'Cloudflare',
  namecheap: 'Namecheap',
};

/** The keychain names of each DNS provider's credential. */
export const DNS_SECRET: Record<Exclude<DnsKind, 'manual'>, string> = {
  digitalocean: 'digitalocean-token',
  cloudflare: 'cloudflare-token',
  namecheap: 'namecheap-key',
};

export function dnsKind(domain: DomainSpec): DnsKind {
  const provider = domain.dns?.provider ?? 'manual';
  return DNS_KINDS.some((k) => k.key === provider) ? (provider as DnsKind) : 'manual';
}

export function newDomain(): DomainSpec {
  return { name: '', aliases: [] };
}

/** `www.` + the name, or null when the name already starts with www. */
export function wwwOf(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.startsWith('www.')) return null;
  return `www.${trimmed}`;
}

export function hasWww(domain: DomainSpec): boolean {
  const www = wwwOf(domain.name);
  return www !== null && (domain.aliases ?? []).includes(www);
}

/** The domain with www.<name> added or removed. */
export function withWww(domain: DomainSpec, on: boolean): DomainSpec {
  const www = wwwOf(domain.name);
  const others = (domain.aliases ?? []).filter((a) => a !== www);
  return { ...domain, aliases: on && www ? [...others, www] : others };
}

/** The domain renamed, its www alias following the name. */
export function renamed(domain: DomainSpec, name: string): DomainSpec {
  const followed = hasWww(domain);
  const oldWww = wwwOf(domain.name);
  const aliases = (domain.aliases ?? []).filter((a) => a !== oldWww);
  const newWww = wwwOf(name);
  return { ...domain, name, aliases: followed && newWww ? [...aliases, newWww] : aliases };
}

/** The domain with its DNS provider changed; Namecheap's own fields go with it. */
export function withDnsKind(domain: DomainSpec, kind: DnsKind): DomainSpec {
  const current = domain.dns ?? {};
  return {
    ...domain,
    dns: kind === 'namecheap' ? { ...current, provider: kind } : { provider: kind, user: '', client_ip: '' },
  };
}

export interface ARecord {
  name: string;
  value: string;
  known: boolean;
}

/** The A records that point the site's names at the server. */
export function aRecords(domain: DomainSpec, server: ServerSpec | null | undefined): ARecord[] {
  const address = knownAddress(server);
  return [domain.name, ...(domain.aliases ?? [])]
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((name) => ({ name, value: address ?? "the server's address", known: address !== null }));
}

/**
 * Who issues the certificate, for sentences: Let's Encrypt unless `tls.acme` names another
 * ACME directory, which is then named by its host ("the certificate authority at
 * acme.example.internal").
 */
export function certificateAuthority(acme: string | undefined): string {
  const directory = (acme ?? '').trim();
  if (directory === '') return "Let's Encrypt";
  try {
    const host = new URL(directory).hostname;
    return /(^|\.)letsencrypt\.org$/.test(host) ? "Let's Encrypt" : `the certificate authority at ${host}`;
  } catch {
    return `the certificate authority at ${directory}`;
  }
}
