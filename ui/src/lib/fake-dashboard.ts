// The demo backend's memory of deployed projects: which folders went live, each run with
// its log, the releases kept on each pretend server, and how its health check answers.
// The preview starts with two demo projects when the page has `?dashboard` in its query
// (see `seedDemo`), so the dashboard can be seen without deploying first.

import type {
  IpcError,
  LiveStatus,
  News,
  ProjectCard,
  ReleaseRow,
  RunKind,
  RunOutcome,
  RunRecord,
  Spec,
} from './ipc/bindings';

interface Kept {
  spec: Spec;
  runs: { record: RunRecord; log: News[] }[];
  releases: ReleaseRow[];
}

const SERVER_LABEL: Record<string, string> = {
  digitalocean: 'DigitalOcean',
  hetzner: 'Hetzner Cloud',
  sandbox: 'Local sandbox',
};

function siteUrl(spec: Spec): string {
  if (spec.domain) return `https://${spec.domain.name}`;
  return `http://${spec.server?.host || '203.0.113.10'}`;
}

function describeServer(spec: Spec): Pick<ProjectCard, 'server' | 'provider' | 'server_name'> {
  const server = spec.server;
  if (!server) return { server: 'no server yet', provider: null, server_name: null };
  if (server.provider) {
    const label = SERVER_LABEL[server.provider] ?? server.provider;
    return {
      server: `${label} · ${server.region} · ${server.size}`,
      provider: label,
      server_name: server.name || spec.app.name.replace(/_/g, '-'),
    };
  }
  return { server: `${server.user}@${server.host}`, provider: null, server_name: null };
}

/** A release name as the server makes them: `20261127-101500-a1b2c3d`. */
function releaseName(when: Date, commit: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${when.getUTCFullYear()}${pad(when.getUTCMonth() + 1)}${pad(when.getUTCDate())}-${pad(when.getUTCHours())}${pad(when.getUTCMinutes())}${pad(when.getUTCSeconds())}-${commit}`;
}

export class FakeDashboard {
  private readonly kept = new Map<string, Kept>();
  private serial = 0;

  has(folder: string): boolean {
    return this.kept.has(folder);
  }

  spec(folder: string): Spec | undefined {
    return this.kept.get(folder)?.spec;
  }

  /** Starts recording a run of `folder`; the returned functions log news and end it. */
  begin(folder: string, spec: Spec, kind: RunKind): { news: (n: News) => void; end: (outcome: RunOutcome) => void } {
    const kept = this.kept.get(folder) ?? { spec, runs: [], releases: [] };
    kept.spec = spec;
    this.kept.set(folder, kept);
    const started = Date.now();
    this.serial += 1;
    const record: RunRecord = {
      id: `${started}${this.serial}-${kind}`,
      kind,
      started: Math.floor(started / 1000),
      millis: 0,
      commit: null,
      subject: null,
      outcome: { kind: 'running' },
    };
    const run = { record, log: [] as News[] };
    kept.runs.unshift(run);
    return {
      news: (n) => {
        run.log.push(n);
        if (n.kind === 'commit') {
          record.commit = n.short;
          record.subject = n.subject;
        }
      },
      end: (outcome) => {
        record.outcome = outcome;
        record.millis = Date.now() - started;
        if (outcome.kind === 'live') {
          record.commit ??= outcome.commit;
          const known = kept.releases.some((r) => r.id === outcome.release);
          kept.releases = kept.releases.map((r) => ({ ...r, live: r.id === outcome.release }));
          if (!known) {
            kept.releases.unshift({ id: outcome.release, commit: outcome.commit, live: true, ready: true });
          }
        }
      },
    };
  }

  /**
   * The release the next deploy of `folder` makes, new each time like a real server's;
   * null for the first, which keeps the scripted deploy's own name.
   */
  nextRelease(folder: string, commit: string): string | null {
    const count = this.kept.get(folder)?.releases.length ?? 0;
    return count === 0 ? null : releaseName(new Date(Date.UTC(2026, 10, 27, 9, 30 + count, 12)), commit);
  }

  cards(): ProjectCard[] {
    return [...this.kept.entries()].map(([folder, kept]) => {
      const last = kept.runs[0]?.record ?? null;
      const lastLive = kept.runs.find((r) => r.record.outcome.kind === 'live')?.record ?? null;
      return {
        folder,
        name: kept.spec.app.name,
        url: siteUrl(kept.spec),
        ...describeServer(kept.spec),
        last: last && { ...last },
        last_live: lastLive && { ...lastLive },
        problem: null,
      };
    });
  }

  status(folder: string): LiveStatus | IpcError {
    const kept = this.kept.get(folder);
    if (!kept) return notListed(folder);
    const live = kept.releases.find((r) => r.live) ?? null;
    const domain = kept.spec.domain;
    return {
      healthy: live !== null,
      health: live !== null ? 'HTTP 200' : 'it answered HTTP 502',
      release: live?.id ?? null,
      commit: live?.commit ?? null,
      releases: kept.releases.map((r) => ({ ...r })),
      certificate: domain
        ? {
            names: [domain.name, ...(domain.aliases ?? [])],
            issuer: "(STAGING) Let's Encrypt",
            expires: 'Feb 25 09:31:00 2027 GMT',
            days_left: 89,
          }
        : null,
      locked_by: null,
    };
  }

  /** The release a rollback of `folder` to `release` (or the one before the live one) goes to. */
  rollbackTarget(folder: string, release: string | null): ReleaseRow | IpcError {
    const kept = this.kept.get(folder);
    if (!kept) return notListed(folder);
    const liveIndex = kept.releases.findIndex((r) => r.live);
    const target =
      release === null
        ? kept.releases.slice(liveIndex + 1).find((r) => r.ready)
        : kept.releases.find((r) => r.id === release);
    if (!target) {
      return {
        code: 'invalid',
        message:
          release === null
            ? 'There is no earlier release to go back to: deploy at least twice first'
            : `The server has no release ${release}`,
        hints: ['`slipway releases` lists the kept ones'],
        field: null,
      };
    }
    if (target.live) {
      return { code: 'invalid', message: `Release ${target.id} is already live`, hints: [], field: null };
    }
    return target;
  }

  runs(folder: string): RunRecord[] {
    return (this.kept.get(folder)?.runs ?? []).map((r) => ({ ...r.record }));
  }

  log(folder: string, id: string): News[] | IpcError {
    const run = this.kept.get(folder)?.runs.find((r) => r.record.id === id);
    if (!run) return { code: 'io', message: `no run ${id} in this project's history`, hints: [], field: null };
    return run.log.slice();
  }

  remove(folder: string, destroy: string | null): IpcError | null {
    const kept = this.kept.get(folder);
    if (!kept) return notListed(folder);
    if (destroy !== null) {
      const { server_name: name } = describeServer(kept.spec);
      if (name === null) {
        return { code: 'invalid', message: `${kept.spec.app.name} has no server at a provider to destroy`, hints: [], field: 'confirmation' };
      }
      if (destroy !== name) {
        return {
          code: 'invalid',
          message: `not destroyed: type the server's name to confirm, as in --confirm ${name}`,
          hints: [],
          field: 'confirmation',
        };
      }
    }
    this.kept.delete(folder);
    return null;
  }
}

function notListed(folder: string): IpcError {
  return {
    code: 'not_found',
    message: `${folder} is not on the dashboard`,
    hints: ['Reload the dashboard: the project may have been removed'],
    field: 'path',
  };
}

/** A rollback's news, as the engine reports switching back to a kept release. */
export function rollbackNews(name: string, release: string): News[] {
  const step = (event: Extract<News, { kind: 'step' }>['event']): News => ({ kind: 'step', event });
  return [
    step({ event: 'step_planned', step: `release:switch`, description: `Release ${release} is live`, plan: { kind: 'change', actions: [`point /srv/${name}/current at ${release}`], diff: { before: '', after: release } } }),
    step({ event: 'action_started', step: 'release:switch', action: `point /srv/${name}/current at ${release}` }),
    step({ event: 'step_finished', step: 'release:switch', outcome: { kind: 'changed' }, millis: BigInt(840) }),
    step({ event: 'finished', changed: 1, unchanged: 0, ok: true, millis: BigInt(910) }),
    { kind: 'notified', sent: ['desktop'], failed: [] },
  ];
}

/** What the dashboard shows when it opens with `?dashboard` in the preview. */
export function seedDemo(dashboard: FakeDashboard, shop: Spec, blog: Spec, shopFolder: string, blogFolder: string): void {
  for (const commit of ['1c0ffee', '7d2e4b9', 'a3f9c2e']) {
    const run = dashboard.begin(shopFolder, shop, 'deploy');
    run.news({ kind: 'commit', short: commit, subject: `Release ${commit}`, uncommitted: 0 });
    const release = dashboard.nextRelease(shopFolder, commit) ?? `20261120-101500-${commit}`;
    run.end({ kind: 'live', release, commit, url: siteUrl(shop) });
  }
  const failed = dashboard.begin(blogFolder, blog, 'deploy');
  failed.news({ kind: 'commit', short: '5e6f7a8', subject: 'Try the new theme', uncommitted: 0 });
  failed.news({ kind: 'step', event: { event: 'output', step: 'health', stream: 'stderr', line: "ModuleNotFoundError: No module named 'jinja2'" } });
  failed.end({ kind: 'failed', step: 'health', message: 'The new release did not answer / within 30 s' });
}
