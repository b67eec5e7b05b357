// The demo backend's copy of the spec checks for [server], [domain], [tls], [harden] and
// [notify], worded exactly as crates/slipway-spec words them (check.rs, spec.rs,
// cloud.rs, site.rs, notify.rs), so the preview and the tests show what the real app
// shows. The Rust code is the rule of record.

import type { DnsSpec, DomainSpec, HardenSpec, NotifySpec, ServerSpec, TlsSpec } from './ipc/bindings';

export type Add = (field: string, message: string | null) => void;

/** A value quoted back in a message, as the Rust checks do. */
export function quote(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length <= 48 ? value : `${chars.slice(0, 48).join('')}…`);
}

export function longest(value: string, max: number): string | null {
  const len = [...value].length;
  return len > max ? `is ${len} characters long; the limit is ${max}` : null;
}

export function required(value: string, max: number): string | null {
  if (value.trim() === '') return 'is required';
  return longest(value, max);
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIpv6(value: string): boolean {
  if (!value.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(value)) return false;
  try {
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

function isIp(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}

function userName(value: string): string | null {
  const missing = required(value, 32);
  if (missing) return missing;
  if (!/^[a-z_][a-z0-9_-]*$/.test(value)) {
    return `${quote(value)} is not a valid user name: use lowercase letters, digits, "_" and "-", starting with a letter`;
  }
  return null;
}

function serverName(value: string): string | null {
  const missing = required(value, 63);
  if (missing) return missing;
  if (!/^[A-Za-z0-9-]+$/.test(value) || value.startsWith('-') || value.endsWith('-')) {
    return `${quote(value)} is not a server name: use letters, digits and "-", not starting or ending with "-"`;
  }
  return null;
}

function hostName(value: string): string | null {
  const scheme = value.indexOf('://');
  if (scheme >= 0) {
    const host = value.slice(scheme + 3).split(/[/:]/)[0] ?? '';
    return `${quote(value)} is a URL; write just the host name: ${host}`;
  }
  if (value.length > 253) return `is ${value.length} characters long; a host name has at most 253`;
  for (const label of value.split('.')) {
    if (label === '') return `${quote(value)} is not a valid host name`;
    if (!/^[A-Za-z0-9-]+$/.test(label)) {
      if (/[^\x00-\x7f]/.test(label)) {
        return `${quote(value)} has characters outside a-z, 0-9 and "-"; write an international name in its xn-- form`;
      }
      return `${quote(value)} is not a valid host name`;
    }
    if (label.length > 63) return `${quote(value)} has a part longer than 63 characters, which DNS does not allow`;
    if (label.startsWith('-') || label.endsWith('-')) {
      return `${quote(value)} is not a valid host name: a part may not start or end with "-"`;
    }
  }
  return null;
}

export function serverHost(value: string): string | null {
  const missing = required(value, 253);
  if (missing) return missing;
  if (isIp(value)) return null;
  if (value.startsWith('[') && value.endsWith(']') && isIp(value.slice(1, -1))) {
    return `${quote(value)} needs no brackets; write the address alone`;
  }
  if (value.includes('@')) {
    return `${quote(value)} includes a user; put the user in server.user and only the host here`;
  }
  const colon = value.lastIndexOf(':');
  if (colon >= 0) {
    const host = value.slice(0, colon);
    const port = value.slice(colon + 1);
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535 && !host.includes(':')) {
      return `${quote(value)} includes a port; put the port in server.port and only the host here`;
    }
  }
  return hostName(value);
}

export function domainName(value: string): string | null {
  const missing = required(value, 253);
  if (missing) return missing;
  if (isIp(value)) return `${quote(value)} is an IP address; a certificate needs a domain name such as example.com`;
  if (value.startsWith('*.')) return `${quote(value)} is a wildcard; list each name the site answers to instead`;
  const host = hostName(value.endsWith('.') ? value.slice(0, -1) : value);
  if (host) return host;
  if (/[A-Z]/.test(value)) return `${quote(value)} has capital letters; write it in lowercase: ${value.toLowerCase()}`;
  if (!value.replace(/\.+$/, '').includes('.')) return `${quote(value)} needs a dot, like ${value}.com`;
  return null;
}

export function email(value: string): string | null {
  const missing = required(value, 254);
  if (missing) return missing;
  const invalid = `${quote(value)} is not a valid e-mail address`;
  const at = value.lastIndexOf('@');
  if (at < 0) return invalid;
  const local = value.slice(0, at);
  const host = value.slice(at + 1);
  const localOk = local !== '' && local.length <= 64 && /^[\x21-\x7e]+$/.test(local) && !/[@<>()[\]\\,;:"]/.test(local);
  return localOk && domainName(host) === null ? null : invalid;
}

function phone(value: string): string | null {
  const digits = value.startsWith('+') ? value.slice(1) : '';
  const ok = digits.length >= 7 && digits.length <= 15 && /^\d+$/.test(digits) && !digits.startsWith('0');
  return ok ? null : `${quote(value)} is not a phone number in international form; write it like +14155550123`;
}

function port(value: number): string | null {
  return value >= 1 && value <= 65535 ? null : `${value} is not a port number; use 1 to 65535 (SSH listens on 22)`;
}

function keyPath(value: string): string | null {
  const long = longest(value, 4096);
  if (long) return long;
  if (/\p{Cc}/u.test(value)) return `${quote(value)} contains a control character`;
  if (!value.startsWith('/') && !value.startsWith('~/')) return `${quote(value)} should be a full path, like ~/.ssh/id_ed25519`;
  if (value.endsWith('.pub')) return `${quote(value)} is a public key; name the private key beside it, without .pub`;
  return null;
}

const SERVER_PROVIDERS: Record<string, string> = {
  digitalocean: 'DigitalOcean',
  hetzner: 'Hetzner Cloud',
  sandbox: 'a sandbox server on this machine',
};

/** `ServerSpec::validate` and `validate_provider`. */
export function checkServer(server: ServerSpec, add: Add): void {
  const provider = server.provider ?? '';
  const host = server.host ?? '';
  const key = server.key ?? '';
  if (provider === '') {
    add('server.host', serverHost(host));
    for (const field of ['region', 'size', 'image', 'name'] as const) {
      if ((server[field] ?? '') !== '') {
        add(`server.${field}`, 'is only used with a provider; set server.provider, or remove it');
      }
    }
  } else {
    checkProvider(server, provider, add);
  }
  add('server.port', port(server.port));
  add('server.user', userName(server.user));
  if (key !== '' && key !== 'keychain') add('server.key', keyPath(key));
}

function checkProvider(server: ServerSpec, provider: string, add: Add): void {
  const label = SERVER_PROVIDERS[provider];
  if (label === undefined) {
    add(
      'server.provider',
      `${quote(provider)} is not a server provider; use digitalocean, hetzner or sandbox, or leave it out and give server.host for a server you already have`,
    );
    return;
  }
  if ((server.host ?? '') !== '') {
    add('server.host', `leave it out with provider = "${provider}": Slipway asks ${label} for the server's address`);
  }
  if ((server.key ?? '') !== 'keychain') {
    add(
      'server.key',
      `must be "keychain" with provider = "${provider}": the project's key is put on the new server for Slipway to log in with`,
    );
  }
  if (provider !== 'sandbox') {
    for (const field of ['region', 'size'] as const) {
      if ((server[field] ?? '').trim() === '') {
        add(`server.${field}`, `is required with ${label}; \`slipway server options\` lists them`);
      }
    }
  } else {
    for (const field of ['region', 'size', 'image'] as const) {
      if ((server[field] ?? '') !== '') add(`server.${field}`, 'means nothing for a sandbox server; remove it');
    }
  }
  if ((server.name ?? '') !== '') add('server.name', serverName(server.name ?? ''));
}

function resolverOk(value: string): boolean {
  if (isIp(value)) return true;
  const v4 = /^(.+):(\d{1,5})$/.exec(value);
  if (v4 && isIpv4(v4[1]!) && Number(v4[2]) <= 65535) return true;
  const v6 = /^\[(.+)\]:(\d{1,5})$/.exec(value);
  return v6 !== null && isIpv6(v6[1]!) && Number(v6[2]) <= 65535;
}

/** `DomainSpec::validate`, with `DnsSpec::validate`. */
export function checkDomain(domain: DomainSpec, add: Add): void {
  add('domain.name', domainName(domain.name));
  const aliases = domain.aliases ?? [];
  aliases.forEach((alias, i) => {
    const field = `domain.aliases[${i}]`;
    const problem = domainName(alias);
    if (problem) add(field, problem);
    else if (alias === domain.name || aliases.slice(0, i).includes(alias)) add(field, `${quote(alias)} is listed twice`);
  });
  (domain.resolvers ?? []).forEach((resolver, i) => {
    if (!resolverOk(resolver)) {
      add(
        `domain.resolvers[${i}]`,
        `${quote(resolver)} is not a resolver address; write an IP address such as 1.1.1.1, or address:port such as 127.0.0.1:8053`,
      );
    }
  });
  checkDns(domain.dns ?? {}, add);
  if ((domain.dns_wait ?? 600) > 86_400) {
    add('domain.dns_wait', 'is more than a day; DNS changes show within minutes to a few hours');
  }
}

function checkDns(dns: DnsSpec, add: Add): void {
  const provider = dns.provider ?? 'manual';
  if (!['manual', 'digitalocean', 'cloudflare', 'namecheap'].includes(provider)) {
    add('domain.dns.provider', `${quote(provider)} is not a DNS provider; use digitalocean, cloudflare, namecheap or manual`);
    return;
  }
  const user = dns.user ?? '';
  const clientIp = dns.client_ip ?? '';
  if (provider === 'namecheap') {
    if (user.trim() === '') {
      add('domain.dns.user', 'is required with Namecheap: the user name shown under Profile → Tools → Namecheap API Access');
    } else if (user.length > 20) {
      add('domain.dns.user', "is longer than Namecheap's 20 characters");
    }
    if (!isIpv4(clientIp)) {
      add(
        'domain.dns.client_ip',
        `${quote(clientIp)} is not an IPv4 address; Namecheap needs this machine's public IPv4 address, added to the API whitelist under Profile → Tools → Namecheap API Access`,
      );
    }
  } else {
    if (user !== '') add('domain.dns.user', `is only used with Namecheap; remove it for ${provider}`);
    if (clientIp !== '') add('domain.dns.client_ip', `is only used with Namecheap; remove it for ${provider}`);
  }
}

/** `TlsSpec::validate`. */
export function checkTls(tls: TlsSpec, add: Add): void {
  add('tls.email', email(tls.email));
  const acme = tls.acme ?? '';
  const known = acme === '' || acme === 'letsencrypt' || acme === 'letsencrypt-staging';
  const directory = acme.startsWith('https://') && acme.length > 'https://'.length && !/\s/.test(acme);
  if (!known && !directory) {
    add(
      'tls.acme',
      `${quote(acme)} is not a certificate authority; write "letsencrypt", "letsencrypt-staging", or the https:// URL of an ACME directory`,
    );
  }
  if ((tls.ca_bundle ?? '').includes('\n')) add('tls.ca_bundle', 'must be one file path');
}

function swapProblem(value: string): string | null {
  if (value === '' || value === 'auto' || value === 'off') return null;
  const invalid = `${quote(value)} is not a swap setting; write "auto", "off", or a size such as "1G" or "512M"`;
  const match = /^(\d+)([MmGg])$/.exec(value);
  if (!match) return invalid;
  const mib = Number(match[1]) * (/[Gg]/.test(match[2]!) ? 1024 : 1);
  return mib >= 128 && mib <= 64 * 1024 ? null : `${quote(value)} is outside 128M to 64G, the sizes a swap file is useful at`;
}

/** `HardenSpec::validate`. */
export function checkHarden(harden: HardenSpec | undefined, server: ServerSpec | null | undefined, add: Add): void {
  const deployUser = harden?.deploy_user ?? 'deploy';
  if (deployUser !== '') {
    add('harden.deploy_user', userName(deployUser));
    if (deployUser === 'root') {
      add('harden.deploy_user', 'cannot be root: the deploy user is the one that replaces root logins');
    }
  }
  const login = server ? server.user : 'root';
  if ((harden?.ssh ?? true) && deployUser === '' && login === 'root') {
    add(
      'harden.ssh',
      'turns root login off, but Slipway logs in as root and has no deploy user; set harden.deploy_user (such as "deploy") or ssh = false',
    );
  }
  add('harden.swap', swapProblem(harden?.swap ?? 'auto'));
}

function whenProblem(value: string): string | null {
  return ['always', 'failure', 'success', 'never'].includes(value)
    ? null
    : `${quote(value)} is not a choice; write "always", "failure", "success" or "never"`;
}

function isLocal(url: string): boolean {
  const scheme = url.indexOf('://');
  const rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  const host = rest.split(/[/:]/)[0] ?? '';
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** `NotifySpec::validate`. */
export function checkNotify(notify: NotifySpec | undefined, add: Add): void {
  add('notify.desktop', whenProblem(notify?.desktop ?? 'always'));
  const mail = notify?.email;
  if (mail) {
    add('notify.email.to', email(mail.to));
    add('notify.email.from', email(mail.from));
    const colon = mail.server.lastIndexOf(':');
    const host = colon >= 0 ? mail.server.slice(0, colon) : mail.server;
    const portText = colon >= 0 ? mail.server.slice(colon + 1) : '';
    const portOk = /^\d{1,5}$/.test(portText) && Number(portText) > 0 && Number(portText) <= 65535;
    if (serverHost(host) !== null || !portOk) {
      add('notify.email.server', `${quote(mail.server)} is not host:port; write the SMTP server such as smtp.example.com:587`);
    }
    const security = mail.security ?? 'starttls';
    if (security === 'none' && !isLocal(mail.server)) {
      add(
        'notify.email.security',
        '"none" sends the password in the clear; it is only for a server on this computer: use "starttls" or "tls"',
      );
    } else if (!['starttls', 'tls', 'none'].includes(security)) {
      add('notify.email.security', `${quote(security)} is not a choice; write "starttls" or "tls"`);
    }
    add('notify.email.when', whenProblem(mail.when ?? 'failure'));
  }
  const sms = notify?.sms;
  if (sms) {
    add('notify.sms.to', phone(sms.to));
    add('notify.sms.from', phone(sms.from));
    const sid = sms.account.startsWith('AC') ? sms.account.slice(2) : '';
    if (!/^[0-9A-Fa-f]{32}$/.test(sid)) {
      add(
        'notify.sms.account',
        `${quote(sms.account)} is not a Twilio Account SID; copy the one starting with AC from Twilio's console`,
      );
    }
    add('notify.sms.when', whenProblem(sms.when ?? 'failure'));
  }
  if (notify?.slack) add('notify.slack.when', whenProblem(notify.slack.when ?? 'always'));
  const webhook = notify?.webhook;
  if (webhook) {
    const url = webhook.url;
    const secure = url.startsWith('https://') && url.length > 'https://'.length;
    const local = url.startsWith('http://') && isLocal(url);
    if (!secure && !local) {
      add(
        'notify.webhook.url',
        `${quote(url)} is not an https:// URL; messages about your deploys must not cross the internet unencrypted`,
      );
    }
    add('notify.webhook.when', whenProblem(webhook.when ?? 'always'));
  }
}
