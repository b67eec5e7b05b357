// The real backend: Tauri commands implemented in src-tauri, one `invoke` each.

import { invoke } from '@tauri-apps/api/core';
import { toIpcError, type Backend } from './backend';
import type { Problem, Project, Spec } from './ipc/bindings';

async function call<T>(command: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toIpcError(error);
  }
}

export class TauriBackend implements Backend {
  openProject(path: string): Promise<Project> {
    return call('open_project', { path });
  }

  checkSpec(spec: Spec): Promise<Problem[]> {
    return call('check_spec', { spec });
  }

  saveSpec(folder: string, spec: Spec): Promise<string> {
    return call('save_spec', { folder, spec });
  }

  pickFolder(): Promise<string | null> {
    return call('pick_folder', {});
  }
}
