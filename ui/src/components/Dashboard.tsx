import { useCallback, useEffect, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { ProjectCard } from '../lib/ipc/bindings';
import { Logo } from './Logo';
import { ProjectPanel } from './ProjectPanel';

interface Props {
  /** Opens the wizard on a new folder. */
  onAdd: () => void;
  /** Opens the wizard on a project's settings; the next deploy's plan shows the change. */
  onSettings: (folder: string) => void;
  /** Every project was removed. */
  onEmpty: () => void;
  demo: boolean;
}

/** The home screen once something is deployed: every project, how it is, and one-click Redeploy. */
export function Dashboard({ onAdd, onSettings, onEmpty, demo }: Props) {
  const backend = useBackend();
  const [cards, setCards] = useState<ProjectCard[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    backend.projects().then(
      (c) => {
        setCards(c);
        if (c.length === 0) onEmpty();
      },
      (e: unknown) => setError(toIpcError(e)),
    );
  }, [backend, onEmpty]);

  useEffect(load, [load]);

  return (
    <div className="dashboard" data-testid="dashboard">
      <header className="dashboard-head">
        <div className="brand">
          <Logo />
          <span>Slipway</span>
        </div>
        <h1 id="step-title" tabIndex={-1}>
          Your sites
        </h1>
        <button type="button" className="button" data-testid="add-project" onClick={onAdd}>
          Add a project
        </button>
      </header>
      {demo && (
        <p className="demo-note">Preview with demo data: nothing here reaches a server.</p>
      )}
      {error && <p className="alert alert-error">Could not read the list of projects: {error.message}</p>}
      {cards === null && !error && <p className="busy">Reading your projects…</p>}
      <div className="projects">
        {cards?.map((card) => (
          <ProjectPanel
            key={card.folder}
            card={card}
            busy={busy}
            onBusy={setBusy}
            onChanged={load}
            onSettings={onSettings}
            onRemoved={load}
          />
        ))}
      </div>
    </div>
  );
}
