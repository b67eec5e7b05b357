// The demo backend's deploy: a scripted run that sounds like the real one, so the deploy
// screen can be seen and tested without a server. It reads the saved spec (server
// provider, domain, DNS host) and plays about 25 steps with their output.
//
// What it does is chosen with FakeDeployOptions, which the preview and the tests set from
// the page's query string (see `deployOptionsFrom`):
//   ?deploy=fail          the health check of the new release fails
//   ?dirty                the folder has uncommitted changes: a deploy is refused unless
//                         the user deploys the last commit without them
//   ?pace=0.1             every pause is 10 times shorter (1 is the real feel)
//   ?flood=100000         the dependency step prints that many lines…
//   &rate=10000           …this many a second (default 10 000)
// Cancel works in every mode: the run stops before its next action.

import type { IpcError, Live, News, Spec } from './ipc/bindings';

export interface FakeDeployOptions {
  outcome: 'live' | 'fail';
  /** The demo folder has uncommitted changes, which refuse a deploy unless allowed. */
  dirty: boolean;
  /** Multiplies every pause: 1 feels like a real deploy, 0.1 is ten times faster. */
  pace: number;
  /** Lines the dependency step prints, for seeing a very long log; 0 for the usual few. */
  floodLines: number;
  /** How many of those lines a second. */
  floodRate: number;
}

export const DEFAULT_DEPLOY: FakeDeployOptions = { outcome: 'live', dirty: false, pace: 1, floodLines: 0, floodRate: 10_000 };

/** The options the page's query string asks for (`?deploy=fail&pace=0.2`). */
export function deployOptionsFrom(search: string): FakeDeployOptions {
  const query = new URLSearchParams(search);
  const number = (name: string, fallback: number) => {
    const value = Number(query.get(name));
    return query.has(name) && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    outcome: query.get('deploy') === 'fail' ? 'fail' : 'live',
    dirty: query.has('dirty'),
    pace: number('pace', DEFAULT_DEPLOY.pace),
    floodLines: number('flood', 0),
    floodRate: Math.max(1, number('rate', DEFAULT_DEPLOY.floodRate)),
  };
}

/** What a deploy says when the app's folder has changes git does not hold. */
export const UNCOMMITTED: IpcError = {
  code: 'uncommitted',
  message: '2 uncommitted change(s) would not be deployed',
  hints: ['Commit them and deploy again, or deploy the last commit without them', '• M app.py', '• ?? notes.txt'],
  field: null,
};

export const CANCELLED: IpcError = {
  code: 'deploy_failed',
  message: 'deploy was cancelled before step nginx:shop; the lock is released',
  hints: ['The site still serves what it served before'],
  field: null,
};

const ADDRESS = '203.0.113.10';
const RELEASE = '20250114-093012';

/** A step as the script plays it. */
interface ScriptStep {
  id: string;
  description: string;
  outcome: 'changed' | 'unchanged';
  actions: string[];
  output?: string[];
  stderr?: string[];
  waiting?: string;
  millis: number;
}

const APT = [
  'Reading package lists...',
  'Building dependency tree...',
  'Reading state information...',
  'The following NEW packages will be installed:',
  '  fail2ban git nginx nginx-common python3-venv ufw unattended-upgrades',
  '0 upgraded, 7 newly installed, 0 to remove and 0 not upgraded.',
  'Need to get 5,412 kB of archives.',
  'Get:1 http://deb.debian.org/debian bookworm/main amd64 nginx-common all 1.22.1-9 [112 kB]',
  'Get:2 http://deb.debian.org/debian bookworm/main amd64 nginx amd64 1.22.1-9 [527 kB]',
  'Get:3 http://deb.debian.org/debian bookworm/main amd64 git amd64 1:2.39.5-0+deb12u1 [7,256 kB]',
  'Get:4 http://deb.debian.org/debian bookworm/main amd64 python3-venv amd64 3.11.2-1+b1 [1,204 B]',
  'Get:5 http://deb.debian.org/debian bookworm/main amd64 ufw all 0.36.2-1 [168 kB]',
  'Get:6 http://deb.debian.org/debian bookworm/main amd64 fail2ban all 1.0.2-2 [451 kB]',
  'Fetched 5,412 kB in 1s (6,981 kB/s)',
  'Selecting previously unselected package nginx-common.',
  'Unpacking nginx-common (1.22.1-9) ...',
  'Unpacking nginx (1.22.1-9) ...',
  'Unpacking git (1:2.39.5-0+deb12u1) ...',
  'Unpacking ufw (0.36.2-1) ...',
  'Setting up nginx-common (1.22.1-9) ...',
  'Created symlink /etc/systemd/system/multi-user.target.wants/nginx.service → /lib/systemd/system/nginx.service.',
  'Setting up nginx (1.22.1-9) ...',
  'Setting up ufw (0.36.2-1) ...',
  'Setting up fail2ban (1.0.2-2) ...',
  'Processing triggers for man-db (2.11.2-2) ...',
];

const PIP = [
  'Using CPython 3.12.4 interpreter at: /opt/slipway/python/3.12/bin/python3',
  'Creating virtual environment at: .venv',
  'Resolved 24 packages in 412ms',
  'Downloading psycopg2-binary (2.9MiB)',
  'Downloading sqlalchemy (3.1MiB)',
  'Prepared 24 packages in 1.84s',
  'Installed 24 packages in 38ms',
  ' + alembic==1.13.2',
  ' + blinker==1.8.2',
  ' + email-validator==2.2.0',
  ' + flask==3.0.3',
  ' + flask-login==0.6.3',
  ' + flask-migrate==4.0.7',
  ' + flask-sqlalchemy==3.1.1',
  ' + flask-wtf==1.2.1',
  ' + gunicorn==22.0.0',
  ' + psycopg2-binary==2.9.9',
  ' + python-dotenv==1.0.1',
  ' + sqlalchemy==2.0.31',
  ' + stripe==10.3.0',
];

export function steps(spec: Spec): ScriptStep[] {
  const name = spec.app.name;
  const domain = spec.domain?.name ?? null;
  const names = domain ? [domain, ...(spec.domain?.aliases ?? [])] : [];
  const base: ScriptStep[] = [
    { id: 'apt:packages', description: 'nginx, git, python3-venv, ufw and fail2ban are installed', outcome: 'changed', actions: ['apt-get install -y fail2ban git nginx python3-venv ufw unattended-upgrades'], output: APT, millis: 18_240 },
    { id: 'swap', description: 'A 1 GB swap file is on, so a dependency build cannot run out of memory', outcome: 'changed', actions: ['create /swapfile (1G)', 'swapon /swapfile'], millis: 1_310 },
    { id: 'user:deploy', description: 'The user deploy logs in with the project key and has sudo', outcome: 'changed', actions: ['useradd deploy', 'write /home/deploy/.ssh/authorized_keys', 'write /etc/sudoers.d/deploy'], millis: 640 },
    { id: 'sshd', description: 'SSH takes keys only and refuses root', outcome: 'changed', actions: ['write /etc/ssh/sshd_config.d/slipway.conf', 'reload ssh'], millis: 420 },
    { id: 'ufw', description: 'The firewall lets in SSH, HTTP and HTTPS only', outcome: 'changed', actions: ['ufw allow 22,80,443/tcp', 'ufw enable'], output: ['Rule added', 'Rule added (v6)', 'Firewall is active and enabled on system startup'], millis: 910 },
    { id: 'fail2ban', description: 'fail2ban bans addresses that keep failing to log in', outcome: 'unchanged', actions: [], millis: 85 },
    { id: 'upgrades', description: 'Security updates install themselves every day', outcome: 'changed', actions: ['write /etc/apt/apt.conf.d/20auto-upgrades'], millis: 210 },
    { id: `user:${name}`, description: `The system user ${name} owns /srv/${name}`, outcome: 'changed', actions: [`useradd --system ${name}`, `mkdir /srv/${name}`], millis: 180 },
    { id: 'uv', description: 'uv is installed', outcome: 'changed', actions: ['install uv 0.4.18'], output: ['downloading uv 0.4.18 x86_64-unknown-linux-gnu', 'installing to /usr/local/bin', '  uv', '  uvx', 'everything\'s installed!'], millis: 2_150 },
    { id: 'python:3.12', description: 'Python 3.12 is installed', outcome: 'changed', actions: ['uv python install 3.12'], output: ['Searching for Python versions matching: Python 3.12', 'Installed Python 3.12.4 in 3.02s', ' + cpython-3.12.4-linux-x86_64-gnu'], millis: 3_420 },
    { id: 'release:fetch', description: `Release ${RELEASE} holds commit a3f9c2e`, outcome: 'changed', actions: ['upload commit a3f9c2e (1.2 MB)'], millis: 1_880 },
    { id: 'release:venv', description: 'The release has requirements.txt installed', outcome: 'changed', actions: ['uv venv --python 3.12', 'uv pip install -r requirements.txt'], output: PIP, millis: 4_730 },
    { id: 'release:static', description: 'Static files for /static/ are in place', outcome: 'changed', actions: ['link static → /srv/shop/releases/' + RELEASE + '/static'], millis: 95 },
    { id: 'release:env', description: 'The private environment file holds the app\'s variables', outcome: 'changed', actions: [`write /etc/slipway/${name}.env (mode 600)`], millis: 120 },
    { id: 'release:commands', description: 'flask db upgrade ran in the new release', outcome: 'changed', actions: ['flask db upgrade'], stderr: ['INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.', 'INFO  [alembic.runtime.migration] Will assume transactional DDL.', 'INFO  [alembic.runtime.migration] Running upgrade  -> 3f2a9c1d, create cart tables'], millis: 1_460 },
    { id: `systemd:${name}`, description: `The ${name} service runs gunicorn with 2 workers`, outcome: 'changed', actions: [`write /etc/systemd/system/${name}.service`, `start ${name}-${RELEASE}`], millis: 1_020 },
    { id: 'health', description: 'The new release answers / with 200', outcome: 'changed', actions: ['GET http://127.0.0.1:8001/'], output: ['200 OK in 84 ms'], millis: 860 },
    { id: `nginx:${name}`, description: `nginx serves ${domain ?? ADDRESS} and proxies to the app`, outcome: 'changed', actions: [`write /etc/nginx/sites-available/${name}`, 'nginx -t', 'reload nginx'], stderr: ['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', 'nginx: configuration file /etc/nginx/nginx.conf test is successful'], millis: 540 },
  ];
  const tls: ScriptStep[] = domain
    ? [
        { id: `dns:${domain}`, description: `${names.join(' and ')} point at ${ADDRESS}`, outcome: 'unchanged', actions: [], waiting: `waiting for ${domain} to point at ${ADDRESS}: 1.1.1.1 still answers with no A record (checking every 10 s, for up to 10 min)`, millis: 41_200 },
        ...(spec.tls?.staging_first !== false
          ? [{ id: 'tls:staging', description: 'A trial certificate from the staging service succeeds', outcome: 'changed' as const, actions: ['certbot certonly --webroot --staging'], output: ['Requesting a certificate for ' + names.join(' and '), 'Successfully received certificate.'], millis: 6_340 }]
          : []),
        { id: 'tls:certificate', description: `Let's Encrypt's certificate for ${names.join(' and ')} is installed`, outcome: 'changed', actions: ['certbot certonly --webroot'], output: ['Requesting a certificate for ' + names.join(' and '), 'Successfully received certificate.', `Certificate is saved at: /etc/letsencrypt/live/${domain}/fullchain.pem`, 'This certificate expires on 2025-04-14.'], millis: 7_910 },
        { id: 'tls:renewal', description: 'The certificate renews itself and reloads nginx', outcome: 'changed', actions: ['write /etc/letsencrypt/renewal-hooks/deploy/nginx', 'certbot renew --dry-run'], output: ['Simulating renewal of an existing certificate for ' + domain, 'Congratulations, all simulated renewals succeeded'], millis: 5_020 },
        { id: 'nginx:https', description: `nginx serves https://${domain} and redirects HTTP to it`, outcome: 'changed', actions: [`write /etc/nginx/sites-available/${name}`, 'nginx -t', 'reload nginx'], millis: 480 },
      ]
    : [];
  const finish: ScriptStep[] = [
    { id: 'release:switch', description: `Release ${RELEASE} is live`, outcome: 'changed', actions: [`point /srv/${name}/current at ${RELEASE}`, `stop the previous release after its requests finish`], millis: 1_240 },
    { id: 'release:prune', description: `At most ${spec.app.keep_releases ?? 5} releases are kept`, outcome: 'unchanged', actions: [], millis: 40 },
  ];
  return [...base, ...tls, ...finish];
}

/** What the failing run says when the new release does not start. */
export const HEALTH_FAILED: IpcError = {
  code: 'deploy_failed',
  message: "The new release did not answer / within 30 s: gunicorn exited with ModuleNotFoundError: No module named 'stripe'",
  hints: [
    'Add stripe to requirements.txt, commit, and deploy again',
    'The health step in the log shows what gunicorn printed',
    'Try it on this computer with `gunicorn app:app`',
  ],
  field: null,
};

const TRACEBACK = [
  '[2025-01-14 09:31:02 +0000] [4121] [INFO] Starting gunicorn 22.0.0',
  '[2025-01-14 09:31:02 +0000] [4121] [INFO] Listening at: http://127.0.0.1:8001 (4121)',
  '[2025-01-14 09:31:02 +0000] [4123] [ERROR] Exception in worker process',
  'Traceback (most recent call last):',
  '  File "/srv/shop/releases/20250114-093012/app.py", line 7, in <module>',
  '    import stripe',
  "ModuleNotFoundError: No module named 'stripe'",
  '[2025-01-14 09:31:03 +0000] [4121] [ERROR] Reason: Worker failed to boot.',
];

/** Plays the script, calling `emit` for each piece of news; `stopped` is asked before every action. */
export async function playDeploy(
  spec: Spec,
  options: FakeDeployOptions,
  emit: (news: News) => void,
  stopped: () => boolean,
): Promise<Live | null> {
  const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms * options.pace));
  const step = (event: Extract<News, { kind: 'step' }>['event']) => emit({ kind: 'step', event });
  const checkpoint = () => {
    if (stopped()) throw CANCELLED;
  };
  const started = Date.now();
  const script = steps(spec);
  const provider = spec.server?.provider ?? '';
  const dns = spec.domain?.dns?.provider ?? 'manual';
  const names = spec.domain ? [spec.domain.name, ...(spec.domain.aliases ?? [])] : [];

  emit({ kind: 'commit', short: 'a3f9c2e', subject: 'Add the cart page', uncommitted: 2 });
  await pause(300);
  if (provider === 'digitalocean' || provider === 'hetzner') {
    const label = provider === 'digitalocean' ? 'DigitalOcean' : 'Hetzner Cloud';
    const where = spec.server?.region ?? 'fra1';
    emit({ kind: 'server', provider: label });
    emit({ kind: 'cloud', message: `Added the SSH key slipway-${spec.app.name} to your ${label} account` });
    await pause(500);
    checkpoint();
    emit({ kind: 'cloud', message: `Creating the server ${spec.app.name} in ${where} (${spec.server?.size ?? 's-1vcpu-1gb'}, Debian 12)…` });
    await pause(1400);
    emit({ kind: 'cloud', message: `The server ${spec.app.name} is up at ${ADDRESS}` });
    emit({ kind: 'host_trusted', host: ADDRESS, fingerprint: 'SHA256:q8Zl3vJxN0b1eYk6Vw2mJ3pR9sT4uX7cA5dF8gH1iK0' });
  }
  if (names.length > 0) {
    if (dns === 'manual') {
      emit({ kind: 'by_hand', records: names.map((name) => ({ name, kind: 'A', value: ADDRESS })) });
    } else {
      const label = { cloudflare: 'Cloudflare', digitalocean: 'DigitalOcean', namecheap: 'Namecheap' }[dns] ?? dns;
      emit({ kind: 'dns', provider: label });
      for (const name of names) emit({ kind: 'cloud', message: `Created the A record ${name} → ${ADDRESS}` });
    }
  }
  await pause(300);

  for (const s of script) {
    step({ event: 'step_planned', step: s.id, description: s.description, plan: s.actions.length > 0
      ? { kind: 'change', actions: s.actions, diff: { before: '', after: s.description } }
      : { kind: 'satisfied', evidence: s.description } });
  }
  await pause(200);

  let changed = 0;
  let unchanged = 0;
  for (const s of script) {
    checkpoint();
    if (options.outcome === 'fail' && s.id === 'health') {
      step({ event: 'action_started', step: s.id, action: s.actions[0] ?? s.id });
      for (const line of TRACEBACK) {
        await pause(60);
        step({ event: 'output', step: s.id, stream: 'stderr', line });
      }
      await pause(600);
      step({ event: 'step_finished', step: s.id, outcome: { kind: 'failed', message: 'gunicorn exited: Worker failed to boot' }, millis: BigInt(30_412) });
      step({ event: 'finished', changed, unchanged, ok: false, millis: BigInt(Date.now() - started) });
      emit({ kind: 'notified', sent: ['desktop'], failed: [] });
      throw HEALTH_FAILED;
    }
    if (s.waiting) {
      step({ event: 'waiting', step: s.id, message: s.waiting });
      await pause(1500);
    }
    for (const action of s.actions) {
      checkpoint();
      step({ event: 'action_started', step: s.id, action });
      await pause(Math.min(700, s.millis / s.actions.length / 4));
      if (options.floodLines > 0 && s.id === 'release:venv' && action === s.actions[s.actions.length - 1]) {
        await flood(s.id, options, step);
      }
    }
    for (const line of s.output ?? []) {
      step({ event: 'output', step: s.id, stream: 'stdout', line });
      await pause(25);
    }
    for (const line of s.stderr ?? []) {
      step({ event: 'output', step: s.id, stream: 'stderr', line });
      await pause(25);
    }
    await pause(120);
    step({ event: 'step_finished', step: s.id, outcome: { kind: s.outcome }, millis: BigInt(s.millis) });
    if (s.outcome === 'changed') changed += 1;
    else unchanged += 1;
  }
  step({ event: 'finished', changed, unchanged, ok: true, millis: BigInt(Date.now() - started) });
  await pause(300);
  const channels = ['desktop', ...(spec.notify?.slack ? ['Slack'] : []), ...(spec.notify?.email ? ['e-mail'] : [])];
  emit({ kind: 'notified', sent: channels, failed: spec.notify?.sms ? ['text message (Twilio refused the number +1555…)'] : [] });
  const host = spec.domain ? `https://${spec.domain.name}/` : `http://${ADDRESS}/`;
  return { release: RELEASE, commit: 'a3f9c2e', url: host };
}

/** Many lines at a steady rate, in slices of one timer tick, as a long build prints them. */
async function flood(
  id: string,
  options: FakeDeployOptions,
  step: (event: Extract<News, { kind: 'step' }>['event']) => void,
): Promise<void> {
  const tick = 16;
  const begun = performance.now();
  let sent = 0;
  while (sent < options.floodLines) {
    await new Promise<void>((r) => setTimeout(r, tick));
    const due = Math.min(options.floodLines, Math.floor(((performance.now() - begun) / 1000) * options.floodRate));
    for (; sent < due; sent += 1) {
      step({
        event: 'output',
        step: id,
        stream: sent % 97 === 0 ? 'stderr' : 'stdout',
        line: `Building wheel ${sent + 1}: compiling src/module_${sent % 1000}.c -> build/temp.linux-x86_64-cpython-312/module_${sent % 1000}.o`,
      });
    }
  }
}
