import { useState } from 'react';
import { toIpcError, type IpcError } from './backend';
import { useBackend } from './backend-context';
import type { Spec } from './ipc/bindings';

/** Writing the spec to slipway.toml in `folder`, and what came of the last attempt. */
export function useSave(folder: string, initialConfig: string | null) {
  const backend = useBackend();
  const [config, setConfig] = useState(initialConfig);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<{ spec: Spec; path: string } | { spec: Spec; error: IpcError } | null>(null);

  /** Resolves with whether the file now holds `spec`. */
  async function save(spec: Spec): Promise<boolean> {
    setSaving(true);
    setOutcome(null);
    try {
      const path = await backend.saveSpec(folder, spec);
      setOutcome({ spec, path });
      setConfig(path);
      return true;
    } catch (e) {
      setOutcome({ spec, error: toIpcError(e) });
      return false;
    } finally {
      setSaving(false);
    }
  }

  /** What to say about `spec`: saved as it stands, or why it was not. Older news is dropped. */
  function status(spec: Spec): { saved: string } | { error: IpcError } | null {
    if (!outcome || outcome.spec !== spec) return null;
    return 'path' in outcome ? { saved: outcome.path } : { error: outcome.error };
  }

  return { config, saving, save, status };
}

export type Save = ReturnType<typeof useSave>;
