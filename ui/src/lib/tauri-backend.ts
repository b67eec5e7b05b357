// The real backend: Tauri commands implemented in src-tauri, one `invoke` each.

import { Channel, invoke } from '@tauri-apps/api/core';
import { toIpcError, type Backend, type CloudProvider } from './backend';
import type {
  DnsStatus,
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

  serverOffer(project: string, provider: CloudProvider, token: string | null): Promise<ServerOffer> {
    return call('server_offer', { project, provider, token });
  }

  storeSecret(project: string, name: string, value: string): Promise<void> {
    return call('store_secret', { project, name, value });
  }

  loginKey(spec: Spec, create: boolean): Promise<PublicKey | null> {
    return call('login_key', { spec, create });
  }

  secretStates(project: string, names: string[]): Promise<SecretState[]> {
    return call('secret_states', { project, names });
  }

  dnsStatus(spec: Spec): Promise<DnsStatus> {
    return call('dns_status', { spec });
  }

  deploy(folder: string, onNews: (news: News) => void, allowUncommitted = false): Promise<Live | null> {
    const channel = new Channel<News>();
    channel.onmessage = onNews;
    return call('deploy', { folder, allowUncommitted, onNews: channel });
  }

  rollback(folder: string, release: string | null, onNews: (news: News) => void): Promise<Live | null> {
    const channel = new Channel<News>();
    channel.onmessage = onNews;
    return call('rollback', { folder, release, onNews: channel });
  }

  preview(folder: string, spec: Spec): Promise<Preview> {
    return call('preview', { folder, spec });
  }

  cancelDeploy(): Promise<void> {
    return call('cancel_deploy', {});
  }

  projects(): Promise<ProjectCard[]> {
    return call('projects', {});
  }

  projectStatus(folder: string): Promise<LiveStatus> {
    return call('project_status', { folder });
  }

  history(folder: string): Promise<RunRecord[]> {
    return call('history', { folder });
  }

  historyLog(folder: string, id: string): Promise<News[]> {
    return call('history_log', { folder, id });
  }

  removeProject(folder: string, destroy: string | null): Promise<void> {
    return call('remove_project', { folder, destroy });
  }

  sendTests(spec: Spec): Promise<TestDelivery[]> {
    return call('send_tests', { spec });
  }

  windowReady(): Promise<void> {
    return call('window_ready', {});
  }
}
