// A pretend backend for the browser preview (`npm run dev` outside Tauri) and the UI
// tests. It knows a handful of demo folders under /home/ana/projects, implements the
// real spec checks the wizard relies on so the flows behave (the rules of record live in
// crates/slipway-spec), pretends to be DigitalOcean and Hetzner with a demo account, and
// keeps "stored" secrets as names in memory. Nothing here touches a disk or a network,
// and no secret value is kept. Its deploy is a scripted run (src/lib/fake-deploy.ts),
// whose failure, pace and very long logs are chosen with `FakeOptions.deploy`; the
// preview sets that from the query string (`?deploy=fail`, `?pace=0.1`, `?flood=100000`).

import type { Backend, CloudProvider } from './backend';
import {
  checkDomain,
  checkHarden,
  checkNotify,
  checkServer,
  checkTls,
  quote,
  required,
} from './fake-checks';
import { FakeDashboard, rollbackNews, seedDemo } from './fake-dashboard';
import { CANCELLED, DEFAULT_DEPLOY, playDeploy, steps as scriptedSteps, UNCOMMITTED, type FakeDeployOptions } from './fake-deploy';
import type {
  Detection,
  DnsStatus,
  Interface,
  IpcError,
  Live,
  LiveStatus,
  News,
  Problem,
  Project,
  Preview,
  ProjectCard,
  PublicKey,
  RunRecord,
  SecretState,
  ServerOffer,
  Spec,
  TestDelivery,
} from './ipc/bindings';
import { newServer } from './server';
import { sshRepository } from './spec-form';

export const DEMO_ROOT = '/home/ana/projects';

export const DEMO_PATHS = {
  flask: `${DEMO_ROOT}/shop`,
  django: `${DEMO_ROOT}/blog`,
  ambiguous: `${DEMO_ROOT}/tools`,
  node: `${DEMO_ROOT}/site`,
} as const;

function flaskShop(): Detection {
  return {
    root: DEMO_PATHS.flask,
    app_dir: '.',
    name: 'shop',
    entry: {
      status: 'found',
      value: { framework: 'flask', entry: 'app:app', interface: 'wsgi' },
      evidence: [{ file: 'app.py', line: 9, note: 'creates the app with Flask(…)' }],
    },
    dependencies: {
      status: 'found',
      value: {
        file: 'requirements.txt',
        manifest: 'requirements',
        lock: null,
        includes: ['requirements/base.txt'],
        packages: [
          'flask', 'flask-sqlalchemy', 'flask-migrate', 'flask-login', 'flask-wtf',
          'gunicorn', 'psycopg2-binary', 'python-dotenv', 'stripe', 'email-validator',
          'alembic', 'sqlalchemy',
        ],
      },
      evidence: [
        { file: 'requirements.txt', line: null, note: '12 packages, including requirements/base.txt' },
      ],
    },
    python: {
      status: 'found',
      value: { constraint: 'python-3.12.4', minimum: '3.12' },
      evidence: [{ file: 'runtime.txt', line: 1, note: 'asks for python-3.12.4' }],
    },
    static_files: [
      {
        value: { url: '/static/', dir: 'static', collected: false },
        evidence: [{ file: 'static', line: null, note: 'Flask serves this folder at /static/' }],
      },
    ],
    release: [
      {
        value: 'flask db upgrade',
        evidence: [{ file: 'migrations/alembic.ini', line: null, note: 'Flask-Migrate migrations' }],
      },
    ],
    git: {
      top: DEMO_PATHS.flask,
      remote: 'git@github.com:ana-ruiz/shop.git',
      branch: 'main',
      head: 'a3f9c2e1b7d04f6a9e2c5b8d1f0a7e3c6b9d2f41',
      uncommitted: ['app.py', 'templates/cart.html'],
    },
    warnings: [],
  };
}

function djangoBlog(): Detection {
  return {
    root: DEMO_PATHS.django,
    app_dir: '.',
    name: 'blog',
    entry: {
      status: 'found',
      value: { framework: 'django', entry: 'blog.wsgi:application', interface: 'wsgi' },
      evidence: [
        { file: 'manage.py', line: 9, note: 'settings module blog.settings' },
        { file: 'blog/settings.py', line: 61, note: 'WSGI_APPLICATION = blog.wsgi.application' },
        {
          file: 'blog/asgi.py',
          line: null,
          note: 'also present: set the entry to blog.asgi:application to serve ASGI',
        },
      ],
    },
    dependencies: {
      status: 'found',
      value: {
        file: 'Pipfile',
        manifest: 'pipfile',
        lock: 'Pipfile.lock',
        includes: [],
        packages: ['django', 'gunicorn', 'psycopg', 'whitenoise', 'markdown', 'pillow'],
      },
      evidence: [
        { file: 'Pipfile', line: null, note: '6 packages' },
        { file: 'Pipfile.lock', line: null, note: 'pins exact versions' },
      ],
    },
    python: {
      status: 'found',
      value: { constraint: '3.11', minimum: '3.11' },
      evidence: [{ file: 'Pipfile', line: 14, note: 'python_version = "3.11"' }],
    },
    static_files: [
      {
        value: { url: '/static/', dir: 'staticfiles', collected: true },
        evidence: [{ file: 'blog/settings.py', line: 122, note: 'STATIC_ROOT is staticfiles' }],
      },
    ],
    release: [
      {
        value: 'python manage.py migrate --noinput',
        evidence: [
          { file: 'posts/migrations/0001_initial.py', line: null, note: 'holds migrations' },
          { file: 'blog/settings.py', line: null, note: 'django.contrib.auth keeps its tables' },
        ],
      },
    ],
    git: {
      top: DEMO_PATHS.django,
      remote: 'https://github.com/ana-ruiz/blog.git',
      branch: 'main',
      head: '5e0c7d21a4b8f3e6c9d2a1b0e7f4c3d8a6b5e2f9',
      uncommitted: [],
    },
    warnings: [],
  };
}

function ambiguousTools(): Detection {
  return {
    root: DEMO_PATHS.ambiguous,
    app_dir: '.',
    name: 'tools',
    entry: {
      status: 'ambiguous',
      candidates: [
        {
          value: { framework: 'flask', entry: 'app:app', interface: 'wsgi' },
          evidence: [{ file: 'app.py', line: 6, note: 'creates the app with Flask(…)' }],
        },
        {
          value: { framework: 'flask', entry: 'admin:admin_app', interface: 'wsgi' },
          evidence: [{ file: 'admin.py', line: 8, note: 'creates the app with Flask(…)' }],
        },
      ],
    },
    dependencies: {
      status: 'found',
      value: {
        file: 'requirements.txt',
        manifest: 'requirements',
        lock: null,
        includes: [],
        packages: ['flask', 'gunicorn', 'requests'],
      },
      evidence: [{ file: 'requirements.txt', line: null, note: '3 packages' }],
    },
    python: {
      status: 'missing',
      looked_for:
        '.python-version, runtime.txt, requires-python in pyproject.toml, or Pipfile [requires]',
    },
    static_files: [],
    release: [],
    git: null,
    warnings: ['requirements/extra.txt is included but could not be read'],
  };
}

function draft(detection: Detection): Spec {
  const entry = detection.entry.status === 'found' ? detection.entry.value : null;
  return {
    app: {
      name: detection.name,
      path: detection.app_dir,
      framework: entry?.framework ?? '',
      entry: entry?.entry ?? '',
      interface: entry?.interface ?? '',
      python: detection.python.status === 'found' ? detection.python.value.minimum : '',
      dependencies: detection.dependencies.status === 'found' ? detection.dependencies.value.file : '',
      static: detection.static_files.map((s) => ({ url: s.value.url, dir: s.value.dir })),
      release: detection.release.map((r) => r.value),
      health: '/',
    },
    notify: { desktop: 'always' },
  };
}

const LOOKED_FOR = [
  'manage.py (Django)',
  'requirements.txt, pyproject.toml, Pipfile or setup.py',
  'a Flask, FastAPI or Starlette app created in a .py file',
  'a PasteDeploy .ini file with an [app:main] section (Pyramid)',
  'wsgi.py or asgi.py',
  'the same in a subfolder (for a repository holding several projects)',
];

const FIXED_INTERFACE: Partial<Record<string, Interface>> = {
  flask: 'wsgi', pyramid: 'wsgi', wsgi: 'wsgi',
  fastapi: 'asgi', starlette: 'asgi', asgi: 'asgi',
};

function relativePath(value: string): string | null {
  const missing = required(value, 255);
  if (missing) return missing;
  if (value.startsWith('/') || value.startsWith('~')) {
    return `${quote(value)} is an absolute path; write it relative to the project folder`;
  }
  if (value.split('/').includes('..')) return `${quote(value)} leaves the project folder ("..")`;
  return null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function entryProblem(value: string): string | null {
  const missing = required(value, 200);
  if (missing) return missing;
  if (value.endsWith('.ini')) return relativePath(value);
  const shape = `${quote(value)} should name a module and the app in it, like app:app, mysite.wsgi:application or myapp:create_app()`;
  const [module, attribute, ...rest] = value.split(':');
  if (module === undefined || attribute === undefined || rest.length > 0) return shape;
  const name = attribute.endsWith('()') ? attribute.slice(0, -2) : attribute;
  if (!module.split('.').every((m) => IDENTIFIER.test(m)) || !IDENTIFIER.test(name)) return shape;
  return null;
}

const URL_FORMS =
  'use https://host/path, ssh://host/path, git@host:path, git://host/path or file:///path';

/** The repository URL with any password or token replaced by `***`, as messages show it. */
function redactRepository(url: string): string {
  return url.replace(/^([a-z]+:\/\/)?([^/]*)@/, (_, scheme: string | undefined, user: string) => {
    const colon = user.indexOf(':');
    if (colon >= 0) return `${scheme ?? ''}${user.slice(0, colon)}:***@`;
    return scheme === 'https://' || scheme === 'http://' ? `${scheme}***@` : `${scheme ?? ''}${user}@`;
  });
}

function repositoryProblem(url: string): string | null {
  const shown = quote(redactRepository(url));
  const user = /^(?:([a-z]+):\/\/)?([^/]*)@/.exec(url);
  if (user && (user[2]!.includes(':') || user[1] === 'https' || user[1] === 'http')) {
    return `${shown} has a password or token in it; remove the credentials and use a deploy key instead (an SSH URL such as git@host:path, with app.deploy_key)`;
  }
  if (/[\s\p{Cc}]/u.test(url)) return `${shown} contains whitespace or a control character`;
  if (url.startsWith('/')) return `${shown} is a path; write it as a URL: file://${url}`;
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  if (scheme ? !['https', 'http', 'ssh', 'git', 'file'].includes(scheme) : !sshRepository(url)) {
    return `${shown} is not a git URL Slipway fetches from; ${URL_FORMS}`;
  }
  return null;
}

/** The real checks the wizard relies on, with the real wording, in the file's order. */
export function fakeCheck(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, message: string | null) => {
    if (message) problems.push({ field, message });
  };
  const app = spec.app;

  const nameMissing = required(app.name, 32);
  add(
    'app.name',
    nameMissing ??
      (/^[a-z][a-z0-9-]*$/.test(app.name) && !app.name.endsWith('-')
        ? null
        : `${quote(app.name)} may only use lowercase letters, digits and "-", starting with a letter; it names the service, its system user and its folder on the server`),
  );
  add('app.path', relativePath(app.path));
  const framework: string = app.framework;
  if (framework === '') add('app.framework', 'is required');
  add('app.entry', entryProblem(app.entry));
  const iface: string = app.interface;
  const fixed = FIXED_INTERFACE[framework];
  if (iface === '') {
    add('app.interface', 'is required');
  } else if (fixed && fixed !== iface) {
    const label = framework === 'fastapi' ? 'FastAPI' : framework[0]!.toUpperCase() + framework.slice(1);
    add('app.interface', `${label} apps are ${fixed.toUpperCase()}; set interface = "${fixed}"`);
  }
  const python = app.python ?? '';
  if (python !== '' && !/^3\.\d+(\.\d+)?$/.test(python)) {
    add('app.python', `${quote(python)} is not a Python version; write it like 3.12`);
  }
  add('app.dependencies', relativePath(app.dependencies));
  const urls: string[] = [];
  (app.static ?? []).forEach((mount, i) => {
    const url = mount.url;
    const urlMissing = required(url, 255);
    add(
      `app.static[${i}].url`,
      urlMissing ??
        (!url.startsWith('/') || !url.endsWith('/')
          ? `${quote(url)} must start and end with "/", like /static/`
          : url === '/'
            ? '"/" would hide the whole app; use a prefix such as /static/'
            : urls.includes(url)
              ? `${quote(url)} is listed twice`
              : null),
    );
    add(`app.static[${i}].dir`, relativePath(mount.dir));
    urls.push(url);
  });
  (app.release ?? []).forEach((command, i) => add(`app.release[${i}]`, required(command, 1000)));

  const health = app.health;
  add(
    'app.health',
    required(health, 200) ??
      (/[\s\p{Cc}]/u.test(health)
        ? `${quote(health)} contains whitespace or a control character, which a URL path cannot hold`
        : !health.startsWith('/')
          ? `${quote(health)} should be a path starting with /, like /health`
          : null),
  );
  const workers = app.workers ?? 0;
  if (workers > 64) {
    add('app.workers', `${workers} is too many workers; use 1 to 64, or 0 to choose from the server's CPUs`);
  }
  const installer: string = app.installer ?? 'uv';
  if (installer !== 'uv' && installer !== 'pip') {
    add('app.installer', `${quote(installer)} is not an installer Slipway uses; use "uv" or "pip"`);
  }
  const keep = app.keep_releases ?? 5;
  if (keep < 1 || keep > 50) {
    add(
      'app.keep_releases',
      `${keep} is not a number of releases to keep; use 1 to 50 (old releases are kept for instant rollback)`,
    );
  }
  const bodySize = app.max_body_size ?? '25m';
  if (!/^\d{1,10}[kKmMgG]?$/.test(bodySize)) {
    add(
      'app.max_body_size',
      `${quote(bodySize)} is not a size nginx understands; write a number and a unit, like 25m, 512k or 1g`,
    );
  }
  const repository = app.repository ?? '';
  if (repository !== '') add('app.repository', repositoryProblem(repository));
  const deployKey = app.deploy_key ?? '';
  if (deployKey !== '') {
    add(
      'app.deploy_key',
      !sshRepository(repository)
        ? 'only used with an SSH repository URL (ssh://… or git@host:path)'
        : !deployKey.startsWith('/')
          ? `${quote(deployKey)} should be a full path on the server, like /etc/slipway/deploy_key`
          : null,
    );
  }
  for (const [name, value] of Object.entries(app.env ?? {})) {
    add(
      `app.env.${name}`,
      !IDENTIFIER.test(name)
        ? `${quote(name)} is not a valid variable name: use letters, digits and "_", not starting with a digit`
        : name === 'DJANGO_SECRET_KEY'
          ? 'is set by Slipway: Slipway generates it on the server and keeps it there; remove it from [app.env]'
          : /[\n\r\0]/.test(value)
            ? 'contains a line break or NUL character; values must be one line'
            : null,
    );
  }
  if (spec.server) checkServer(spec.server, add);
  if (spec.domain) {
    checkDomain(spec.domain, add);
    if (!spec.tls) {
      add('tls.email', "is required with a domain: Let's Encrypt writes there before a certificate expires");
    }
  }
  if (spec.tls) checkTls(spec.tls, add);
  checkHarden(spec.harden, spec.server, add);
  checkNotify(spec.notify, add);
  return problems;
}

function reject(error: IpcError): Promise<never> {
  return Promise.reject(error);
}

export interface FakeOptions {
  /** How long opening a folder takes, in ms, so the busy state can be seen. */
  openDelay?: number;
  /** How long a spec check takes, in ms. */
  checkDelay?: number;
  /** How long a provider or DNS question takes, in ms. */
  remoteDelay?: number;
  /** What the pretend folder dialog answers. */
  pickedFolder?: string | null;
  /** How the pretend deploy goes: succeeds or fails, how fast, how much it prints. */
  deploy?: Partial<FakeDeployOptions>;
  /** Start with two deployed demo projects (shop live with three releases, blog failed). */
  seedDashboard?: boolean;
}

type Cloud = Exclude<CloudProvider, 'sandbox'>;

const TOKEN_NAME: Record<Cloud, string> = {
  digitalocean: 'digitalocean-token',
  hetzner: 'hetzner-token',
};

const CLOUD_LABEL: Record<CloudProvider, string> = {
  digitalocean: 'DigitalOcean',
  hetzner: 'Hetzner Cloud',
  sandbox: 'a sandbox server on this machine',
};

/** What the providers answer to a token they do not accept (slipway-cloud's wording). */
const REFUSED: Record<Cloud, IpcError> = {
  digitalocean: {
    code: 'provider',
    message:
      'DigitalOcean does not accept the API token: it is invalid or revoked (Unable to authenticate you). Create a new token at https://cloud.digitalocean.com/account/api/tokens and store it in Slipway again',
    hints: [],
    field: 'token',
  },
  hetzner: {
    code: 'provider',
    message:
      'Hetzner Cloud does not accept the API token: it is invalid or revoked (unable to authenticate). Create a new token at https://console.hetzner.cloud (open the project, then Security → API tokens) and store it in Slipway again',
    hints: [],
    field: 'token',
  },
};

function accepts(provider: Cloud, token: string): boolean {
  const value = token.trim();
  if (value === '' || value === 'bad') return false;
  return provider !== 'digitalocean' || value.startsWith('dop_v1_');
}

function offerOf(provider: Cloud): ServerOffer {
  if (provider === 'digitalocean') {
    const sizes = [
      { slug: 's-1vcpu-1gb', vcpus: 1, memory_mib: 1024, disk_gb: 25, price_monthly: 6 },
      { slug: 's-1vcpu-2gb', vcpus: 1, memory_mib: 2048, disk_gb: 50, price_monthly: 12 },
      { slug: 's-2vcpu-4gb', vcpus: 2, memory_mib: 4096, disk_gb: 80, price_monthly: 24 },
    ];
    const images = [
      { slug: 'debian-12-x64', label: 'Debian 12' },
      { slug: 'ubuntu-24-04-x64', label: 'Ubuntu 24.04' },
    ];
    return {
      account: 'ana@anaruiz.dev (DigitalOcean): active',
      currency: 'USD',
      regions: [
        { slug: 'fra1', name: 'Frankfurt 1', sizes, images },
        { slug: 'ams3', name: 'Amsterdam 3', sizes, images },
        { slug: 'nyc3', name: 'New York 3', sizes, images },
      ],
    };
  }
  const sizes = [
    { slug: 'cx22', vcpus: 2, memory_mib: 4096, disk_gb: 40, price_monthly: 4.51 },
    { slug: 'cpx21', vcpus: 3, memory_mib: 4096, disk_gb: 80, price_monthly: 9.38 },
  ];
  const images = [
    { slug: 'debian-12', label: 'Debian 12' },
    { slug: 'ubuntu-24.04', label: 'Ubuntu 24.04' },
  ];
  return {
    account: 'Hetzner Cloud: active',
    currency: 'EUR',
    regions: [
      { slug: 'fsn1', name: 'Falkenstein', sizes, images },
      { slug: 'nbg1', name: 'Nuremberg', sizes, images },
    ],
  };
}

/** The names that point at the demo server already; every other name has no record yet. */
const POINTED = new Set(['shop.example.com']);
/** Where the demo resolves a server's host name to. */
const DEMO_ADDRESS = '203.0.113.10';
const ASKED = 'ns1.example-dns.net and 1.1.1.1';

export class FakeBackend implements Backend {
  private readonly saved = new Map<string, Spec>();
  /** Which secrets each project has "in the keychain": names only, never values. */
  private readonly secrets = new Map<string, Set<string>>();
  private readonly options: Required<Omit<FakeOptions, 'deploy' | 'seedDashboard'>>;
  private readonly dashboard = new FakeDashboard();
  private readonly deployOptions: FakeDeployOptions;
  /** The running deploy's stop flag; null when none runs. */
  private running: { stop: boolean } | null = null;

  constructor(options: FakeOptions = {}) {
    this.options = {
      openDelay: options.openDelay ?? 350,
      checkDelay: options.checkDelay ?? 40,
      remoteDelay: options.remoteDelay ?? 300,
      pickedFolder: options.pickedFolder === undefined ? DEMO_PATHS.flask : options.pickedFolder,
    };
    this.deployOptions = { ...DEFAULT_DEPLOY, ...options.deploy };
    if (options.seedDashboard) {
      const shop = draft(flaskShop());
      shop.server = { ...newServer('digitalocean'), region: 'fra1', size: 's-1vcpu-1gb', image: 'debian-12-x64' };
      shop.domain = { name: 'shop.example.com', aliases: ['www.shop.example.com'] };
      shop.tls = { email: 'ana@example.com' };
      const blog = blogConfig(djangoBlog());
      this.saved.set(DEMO_PATHS.flask, shop);
      this.saved.set(DEMO_PATHS.django, blog);
      seedDemo(this.dashboard, shop, blog, DEMO_PATHS.flask, DEMO_PATHS.django);
      this.keep('shop', 'digitalocean-token');
    }
  }

  async deploy(folder: string, onNews: (news: News) => void, allowUncommitted = false): Promise<Live | null> {
    const spec = this.saved.get(folder) ?? this.dashboard.spec(folder);
    if (spec && this.deployOptions.dirty && !allowUncommitted) {
      await sleep(this.options.checkDelay);
      return reject(UNCOMMITTED);
    }
    if (!spec) {
      return reject({
        code: 'not_found',
        message: `${folder} has no slipway.toml`,
        hints: ['Save the settings on the Review step first'],
        field: null,
      });
    }
    if (this.running) {
      return reject({
        code: 'locked',
        message: 'Another deploy of this project is running',
        hints: ['Wait for it to finish, or cancel it'],
        field: null,
      });
    }
    const run = { stop: false };
    this.running = run;
    const recorded = this.dashboard.begin(folder, structuredClone(spec), 'deploy');
    const release = this.dashboard.nextRelease(folder, 'a3f9c2e');
    try {
      const live = await playDeploy(
        structuredClone(spec),
        this.deployOptions,
        (news) => {
          recorded.news(news);
          onNews(news);
        },
        () => run.stop,
      );
      const went = live && { ...live, release: release ?? live.release };
      recorded.end(went ? { kind: 'live', ...went } : { kind: 'declined' });
      return went;
    } catch (e) {
      const error = e as IpcError;
      recorded.end(
        error === CANCELLED
          ? { kind: 'cancelled', step: 'nginx:shop' }
          : { kind: 'failed', step: 'health', message: error.message },
      );
      throw e;
    } finally {
      this.running = null;
    }
  }

  async preview(folder: string, spec: Spec): Promise<Preview> {
    await sleep(this.options.remoteDelay);
    const deployed = this.dashboard.spec(folder);
    if (!deployed) {
      const provider = spec.server?.provider ?? '';
      return reject(
        provider === 'digitalocean' || provider === 'hetzner'
          ? {
              code: 'provider',
              message: `${CLOUD_LABEL[provider]} has no server for ${spec.app.name} yet: the deploy makes it, then runs every step`,
              hints: [],
              field: null,
            }
          : {
              code: 'unreachable',
              message: `Slipway has not connected to ${spec.server?.host || 'the server'} before: the deploy asks about its host key, then shows every step as it runs`,
              hints: [],
              field: null,
            },
      );
    }
    const changed = (Object.keys(spec.app) as (keyof Spec['app'])[]).filter(
      (key) => JSON.stringify(spec.app[key]) !== JSON.stringify(deployed.app[key]),
    );
    return {
      release: this.dashboard.nextRelease(folder, 'a3f9c2e') ?? '20250114-093012',
      commit: 'a3f9c2e',
      subject: 'Add the cart page',
      warnings: [],
      steps: scriptedSteps(spec).map((step) =>
        step.id === `systemd:${spec.app.name}` && changed.length > 0
          ? {
              id: step.id,
              description: step.description,
              plan: {
                kind: 'change',
                actions: [`write /etc/systemd/system/${spec.app.name}@.service`, 'restart without dropping requests'],
                diff: {
                  before: changed.map((k) => `${k} = ${JSON.stringify(deployed.app[k])}`).join('\n'),
                  after: changed.map((k) => `${k} = ${JSON.stringify(spec.app[k])}`).join('\n'),
                },
              },
            }
          : { id: step.id, description: step.description, plan: { kind: 'satisfied', evidence: 'already so' } },
      ),
    };
  }

  async rollback(folder: string, release: string | null, onNews: (news: News) => void): Promise<Live | null> {
    await sleep(this.options.remoteDelay);
    const spec = this.dashboard.spec(folder);
    const target = this.dashboard.rollbackTarget(folder, release);
    if ('code' in target) return reject(target);
    if (!spec) return reject({ code: 'not_found', message: `${folder} is not on the dashboard`, hints: [], field: 'path' });
    if (this.running) {
      return reject({
        code: 'locked',
        message: 'A deploy or rollback is already running in this window',
        hints: ['Wait for it to finish, or cancel it'],
        field: null,
      });
    }
    this.running = { stop: false };
    const recorded = this.dashboard.begin(folder, spec, 'rollback');
    try {
      for (const news of rollbackNews(spec.app.name, target.id)) {
        await sleep(this.deployOptions.pace * 150);
        recorded.news(news);
        onNews(news);
      }
      const live: Live = {
        release: target.id,
        commit: target.commit,
        url: spec.domain ? `https://${spec.domain.name}` : `http://${spec.server?.host ?? ''}`,
      };
      recorded.end({ kind: 'live', ...live });
      return live;
    } finally {
      this.running = null;
    }
  }

  async projects(): Promise<ProjectCard[]> {
    await sleep(this.options.checkDelay);
    return this.dashboard.cards();
  }

  async projectStatus(folder: string): Promise<LiveStatus> {
    await sleep(this.options.remoteDelay);
    const status = this.dashboard.status(folder);
    return 'code' in status ? reject(status) : status;
  }

  async history(folder: string): Promise<RunRecord[]> {
    await sleep(this.options.checkDelay);
    return this.dashboard.runs(folder);
  }

  async historyLog(folder: string, id: string): Promise<News[]> {
    await sleep(this.options.checkDelay);
    const log = this.dashboard.log(folder, id);
    return Array.isArray(log) ? log : reject(log);
  }

  async removeProject(folder: string, destroy: string | null): Promise<void> {
    await sleep(this.options.remoteDelay);
    const refused = this.dashboard.remove(folder, destroy);
    if (refused) return reject(refused);
  }

  async windowReady(): Promise<void> {}

  async loginKey(spec: Spec, create: boolean): Promise<PublicKey | null> {
    await sleep(this.options.checkDelay);
    const project = spec.app.name;
    if (!this.has(project, 'ssh-key')) {
      if (!create) return null;
      this.keep(project, 'ssh-key');
    }
    return {
      line: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyFor${project.replace(/[^A-Za-z0-9]/g, '')}0123456789 slipway-${project}`,
      fingerprint: 'SHA256:d3m0Q8Zl3vJxN0b1eYk6Vw2mJ3pR9sT4uX7cA5dF8gH',
    };
  }

  async sendTests(spec: Spec): Promise<TestDelivery[]> {
    await sleep(this.options.remoteDelay);
    const notify = spec.notify;
    const project = spec.app.name;
    const out: TestDelivery[] = [];
    if (notify?.desktop && notify.desktop !== 'never') {
      out.push({ channel: 'desktop', target: 'this computer', error: null });
    }
    const secretFor = (name: string, channel: string, target: string) =>
      out.push({
        channel,
        target,
        error: this.has(project, name) ? null : `the secret ${project}/${name} is not set: enter it above first`,
      });
    if (notify?.slack) secretFor('slack-webhook', 'Slack', 'Slack');
    if (notify?.sms) secretFor('twilio-token', 'SMS', `SMS to ${notify.sms.to}`);
    if (notify?.email) out.push({ channel: 'email', target: `email to ${notify.email.to}`, error: null });
    if (notify?.webhook) out.push({ channel: 'webhook', target: `webhook ${notify.webhook.url}`, error: null });
    return out;
  }

  async cancelDeploy(): Promise<void> {
    if (this.running) this.running.stop = true;
  }

  private has(project: string, name: string): boolean {
    return this.secrets.get(project)?.has(name) ?? false;
  }

  private keep(project: string, name: string): void {
    const names = this.secrets.get(project) ?? new Set<string>();
    names.add(name);
    this.secrets.set(project, names);
  }

  async serverOffer(project: string, provider: CloudProvider, token: string | null): Promise<ServerOffer> {
    await sleep(this.options.remoteDelay);
    if (provider === 'sandbox') return { account: 'This computer', currency: 'USD', regions: [] };
    const name = TOKEN_NAME[provider];
    if (token === null) {
      if (!this.has(project, name)) {
        const variable = `SLIPWAY_SECRET_${`${project}_${name}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
        return reject({
          code: 'invalid',
          message: `The secret ${project}/${name} is not set: set it with \`slipway secret set ${name}\`, or give it as the environment variable ${variable}`,
          hints: [],
          field: null,
        });
      }
    } else {
      if (!accepts(provider, token)) return reject(REFUSED[provider]);
      this.keep(project, name);
    }
    return offerOf(provider);
  }

  async storeSecret(project: string, name: string, value: string): Promise<void> {
    await sleep(this.options.checkDelay);
    if (value.trim() === '') {
      return reject({
        code: 'invalid',
        message: `Nothing to store for ${project}/${name}: the value is empty`,
        hints: [],
        field: 'value',
      });
    }
    this.keep(project, name);
  }

  async secretStates(project: string, names: string[]): Promise<SecretState[]> {
    await sleep(this.options.checkDelay);
    return names.map((name) => ({ name, set: this.has(project, name) }));
  }

  async dnsStatus(spec: Spec): Promise<DnsStatus> {
    await sleep(this.options.remoteDelay);
    const domain = spec.domain;
    if (!domain) {
      return reject({
        code: 'invalid',
        message: 'The site has no domain yet',
        hints: ['Add a [domain] and [tls] to slipway.toml to serve it over HTTPS'],
        field: 'domain.name',
      });
    }
    const server = spec.server;
    if (!server) {
      return reject({
        code: 'invalid',
        message: 'Choose a server to deploy to',
        hints: ['Add a [server] section with the host to slipway.toml'],
        field: 'server.host',
      });
    }
    const provider = server.provider ?? '';
    if (provider !== '') {
      // The demo account has no servers yet: a deploy makes the project's server.
      const label = CLOUD_LABEL[provider as CloudProvider] ?? provider;
      return reject({
        code: 'not_found',
        message: `${label.charAt(0).toUpperCase()}${label.slice(1)} has no server for ${spec.app.name} yet: \`slipway deploy\` (or \`slipway server create\`) makes it`,
        hints: ["Deploy to create it, or check the project's name in app.name"],
        field: null,
      });
    }
    const host = server.host ?? '';
    if (host.includes(':')) {
      return reject({
        code: 'invalid',
        message: `${host} has no IPv4 address to point the domain at`,
        hints: ["Set server.host to the server's IPv4 address"],
        field: 'server.host',
      });
    }
    const address = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : DEMO_ADDRESS;
    const names = [domain.name, ...(domain.aliases ?? [])].map((name) =>
      POINTED.has(name)
        ? { name, ready: true, message: `${name} points at ${address}, the server (at ${ASKED}).` }
        : {
            name,
            ready: false,
            message: `${name} has no A record yet (at ${ASKED}); it must point at ${address}, the server. Add an A record for ${name} with the value ${address} at your DNS provider.`,
          },
    );
    return { ready: names.every((n) => n.ready), expected: address, names };
  }

  async openProject(path: string): Promise<Project> {
    await sleep(this.options.openDelay);
    const folder = path.trim().replace(/(.)\/+$/, '$1');
    const demos: Record<string, () => Detection> = {
      [DEMO_PATHS.flask]: flaskShop,
      [DEMO_PATHS.django]: djangoBlog,
      [DEMO_PATHS.ambiguous]: ambiguousTools,
    };
    const detection = demos[folder]?.();
    if (detection) {
      const saved = this.saved.get(folder);
      const fromFile = saved ?? (folder === DEMO_PATHS.django ? blogConfig(detection) : null);
      const spec = structuredClone(fromFile ?? draft(detection));
      return {
        detection,
        spec,
        config: fromFile ? `${folder}/slipway.toml` : null,
        problems: fakeCheck(spec),
      };
    }
    if (folder === DEMO_PATHS.node) {
      return reject({
        code: 'not_a_project',
        message: `${folder} does not look like a Python web app`,
        hints: [
          'It holds a Node.js project (package.json).',
          'Slipway looked for:',
          ...LOOKED_FOR.map((item) => `• ${item}`),
        ],
        field: 'path',
      });
    }
    if (folder === DEMO_ROOT) {
      return reject({
        code: 'not_a_project',
        message: `${folder} holds several Python apps`,
        hints: [
          'Choose the folder of the one to deploy:',
          `• ${DEMO_PATHS.flask}`,
          `• ${DEMO_PATHS.django}`,
          `• ${DEMO_PATHS.ambiguous}`,
        ],
        field: 'path',
      });
    }
    return reject({
      code: 'not_found',
      message: `${folder || 'That path'} is not a folder`,
      hints: ['Check the path, or choose the folder with Browse…'],
      field: 'path',
    });
  }

  async checkSpec(spec: Spec): Promise<Problem[]> {
    await sleep(this.options.checkDelay);
    return fakeCheck(spec);
  }

  async saveSpec(folder: string, spec: Spec): Promise<string> {
    await sleep(this.options.checkDelay);
    const [first, ...rest] = fakeCheck(spec);
    if (first) {
      const more = rest.length === 1 ? '1 more field needs attention' : `${rest.length} more fields need attention`;
      return reject({
        code: 'invalid',
        message: `${first.field}: ${first.message}`,
        hints: rest.length > 0 ? [more] : [],
        field: first.field,
      });
    }
    this.saved.set(folder, structuredClone(spec));
    return `${folder}/slipway.toml`;
  }

  async pickFolder(): Promise<string | null> {
    await sleep(80);
    return this.options.pickedFolder;
  }
}

/** The blog demo already has a slipway.toml, with a domain chosen on an earlier run. */
function blogConfig(detection: Detection): Spec {
  const spec = draft(detection);
  return {
    ...spec,
    app: {
      ...spec.app,
      name: 'blog',
      health: '/healthz/',
      workers: 3,
      keep_releases: 10,
      repository: 'git@github.com:ana-ruiz/blog.git',
      deploy_key: '/etc/slipway/blog_deploy_key',
      env: { DATABASE_URL: 'postgres://blog@localhost/blog', DJANGO_SETTINGS_MODULE: 'blog.settings' },
    },
    domain: { name: 'blog.anaruiz.dev', aliases: ['www.blog.anaruiz.dev'] },
    tls: { email: 'ana@anaruiz.dev' },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
