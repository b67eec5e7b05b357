import { useCallback, useEffect, useRef, useState } from 'react';
import { toIpcError, type IpcError } from './backend';
import { useBackend } from './backend-context';
import type { ServerOffer } from './ipc/bindings';
import { TOKEN_SECRET, type Cloud } from './server';

/** Where a provider's offer stands for this project. */
export type OfferState =
  | { status: 'unknown' }
  | { status: 'asking'; withToken: boolean }
  | { status: 'no-token' }
  | { status: 'ready'; offer: ServerOffer }
  /** `stored`: a token that works is still in the keychain (a replacement was refused). */
  | { status: 'refused'; error: IpcError; stored: boolean };

type States = Record<Cloud, OfferState>;

const UNKNOWN: States = { digitalocean: { status: 'unknown' }, hetzner: { status: 'unknown' } };

/**
 * What DigitalOcean and Hetzner offer this project's account. `check(provider, token)`
 * tries a token just entered (the backend keeps it in the keychain once the provider
 * accepts it); `ensure(provider)` reads the stored token, if there is one, the first
 * time a provider is chosen. Tokens pass through and are not kept here.
 */
export function useOffers(project: string) {
  const backend = useBackend();
  const [states, setStates] = useState<States>(UNKNOWN);
  const current = useRef(states);
  current.current = states;
  // Only the latest question per provider is answered on screen.
  const serial = useRef<Record<Cloud, number>>({ digitalocean: 0, hetzner: 0 });

  // A renamed project has its own keychain entries.
  useEffect(() => {
    serial.current = { digitalocean: serial.current.digitalocean + 1, hetzner: serial.current.hetzner + 1 };
    setStates(UNKNOWN);
  }, [project]);

  const set = useCallback((provider: Cloud, mine: number, state: OfferState) => {
    if (serial.current[provider] !== mine) return;
    setStates((all) => ({ ...all, [provider]: state }));
  }, []);

  const check = useCallback(
    async (provider: Cloud, token: string | null): Promise<boolean> => {
      const mine = ++serial.current[provider];
      const stored = current.current[provider].status === 'ready';
      set(provider, mine, { status: 'asking', withToken: token !== null });
      try {
        const offer = await backend.serverOffer(project, provider, token);
        set(provider, mine, { status: 'ready', offer });
        return serial.current[provider] === mine;
      } catch (e) {
        set(provider, mine, { status: 'refused', error: toIpcError(e), stored: stored && token !== null });
        return false;
      }
    },
    [backend, project, set],
  );

  const ensure = useCallback(
    async (provider: Cloud) => {
      if (current.current[provider].status !== 'unknown') return;
      const mine = ++serial.current[provider];
      set(provider, mine, { status: 'asking', withToken: false });
      try {
        const [state] = await backend.secretStates(project, [TOKEN_SECRET[provider]]);
        if (serial.current[provider] !== mine) return;
        if (state?.set) await check(provider, null);
        else set(provider, mine, { status: 'no-token' });
      } catch (e) {
        set(provider, mine, { status: 'refused', error: toIpcError(e), stored: false });
      }
    },
    [backend, project, check, set],
  );

  return { states, check, ensure };
}

export type Offers = ReturnType<typeof useOffers>;
