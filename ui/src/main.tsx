import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { Backend } from './lib/backend';
import { BackendProvider } from './lib/backend-context';
import { FakeBackend } from './lib/fake-backend';
import { deployOptionsFrom } from './lib/fake-deploy';
import { TauriBackend } from './lib/tauri-backend';
import './styles.css';

// Inside the desktop app Tauri injects its internals before any script runs; in a plain
// browser (the preview and the UI tests) the demo backend answers instead, its deploy
// shaped by the query string (`?deploy=fail`, `?pace=0.1`: see src/lib/fake-deploy.ts;
// `?dashboard` starts with two deployed demo projects).
const backend: Backend =
  '__TAURI_INTERNALS__' in window
    ? new TauriBackend()
    : new FakeBackend({
        deploy: deployOptionsFrom(window.location.search),
        seedDashboard: new URLSearchParams(window.location.search).has('dashboard'),
      });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <BackendProvider backend={backend}>
      <App demo={backend instanceof FakeBackend} />
    </BackendProvider>
  </StrictMode>,
);
