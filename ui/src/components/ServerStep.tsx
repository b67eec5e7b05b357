import type { ReactNode } from 'react';
import type { Choices } from '../lib/draft';
import type { Problem, ServerSpec, Spec } from '../lib/ipc/bindings';
import {
  isCloud,
  keyKindOf,
  newServer,
  SERVER_KINDS,
  serverKind,
  type KeyKind,
  type ServerKind,
} from '../lib/server';
import { CHOOSE_SERVER, problemsByField, stepOfField } from '../lib/steps';
import type { Offers } from '../lib/use-offers';
import { CloudServer } from './CloudServer';
import { ExistingServer } from './ExistingServer';
import type { Change } from './ProjectWizard';
import { RadioCards } from './RadioCards';
import { StepHeader } from './StepHeader';
import { Unplaced } from './Unplaced';

interface Props {
  index: number;
  spec: Spec;
  choices: Choices;
  problems: readonly Problem[];
  offers: Offers;
  onChange: Change;
  children: ReactNode;
}

const RENDERED = /^server\.(host|port|user|key|region|size|image|name)$/;

/** Step 2: a server at DigitalOcean or Hetzner, one the user has, or a local sandbox. */
export function ServerStep({ index, spec, choices, problems, offers, onChange, children }: Props) {
  const kind = serverKind(spec.server);
  const byField = problemsByField(problems, (field) => stepOfField(field) === 'server');
  const server = spec.server ?? null;

  function choose(next: ServerKind) {
    if (next === kind) return;
    const servers = { ...choices.setAside.servers };
    if (kind !== null && server) servers[kind] = server;
    const chosen = servers[next] ?? newServer(next);
    delete servers[next];
    const keyKind = next === 'existing' ? keptKeyKind(chosen.key ?? '', choices.keyKind) : choices.keyKind;
    onChange({ ...spec, server: chosen }, { ...choices, keyKind, setAside: { ...choices.setAside, servers } });
  }

  const setServer = (patch: Partial<ServerSpec>) => {
    if (server) onChange({ ...spec, server: { ...server, ...patch } });
  };

  return (
    <>
      <StepHeader index={index} title="Where will your app run?">
        Slipway can create a server with your DigitalOcean or Hetzner account, set up a server you
        already have, or start a sandbox on this computer to try things out. Whichever you pick,
        Slipway installs and locks it down the same way.
      </StepHeader>

      <div className="form">
        <Unplaced problems={byField} rendered={(f) => RENDERED.test(f) || f === CHOOSE_SERVER} />
        <RadioCards
          name="server-kind"
          legend="Server"
          options={SERVER_KINDS}
          value={kind}
          onChange={choose}
        />

        {server && isCloud(kind) && (
          <CloudServer
            provider={kind}
            server={server}
            offer={offers.states[kind]}
            onCheck={(token) => offers.check(kind, token)}
            problems={byField}
            onChange={setServer}
          />
        )}
        {server && kind === 'existing' && (
          <ExistingServer
            spec={spec}
            server={server}
            keyKind={choices.keyKind}
            problems={byField}
            onChange={(patch, keyKind) => {
              const next = { ...spec, server: { ...server, ...patch } };
              onChange(next, keyKind ? { ...choices, keyKind } : undefined);
            }}
          />
        )}
        {kind === 'sandbox' && (
          <div className="panel" data-testid="sandbox-note">
            <p>
              Slipway boots a disposable Debian 12 server on this computer and deploys to it exactly
              as it would to a real one. It logs in with the project's own key, kept in the keychain.
            </p>
            <p className="hint">
              The sandbox needs Linux and root (start Slipway with sudo). It is meant for trying
              things out: your visitors need a server on the internet.
            </p>
          </div>
        )}
      </div>
      {children}
    </>
  );
}

/** The key choice shown for a server brought back: what its key says, or the last choice. */
function keptKeyKind(key: string, last: KeyKind): KeyKind {
  const kind = keyKindOf(key);
  return kind === 'agent' && last === 'file' ? 'file' : kind;
}
