import { useCallback, useEffect, useState } from 'react';
import { Dashboard } from './components/Dashboard';
import { Wizard } from './components/Wizard';
import { useBackend } from './lib/backend-context';
import { lastFolder } from './lib/draft';
import { DashboardLinkProvider } from './lib/nav';

type View =
  | { kind: 'starting' }
  | { kind: 'dashboard' }
  | { kind: 'wizard'; folder?: string | null; serial: number };

/**
 * The whole window: the dashboard once a project is deployed, the setup wizard before
 * that, for a new project, and for a project's settings. A wizard left half-way through
 * is picked up where it was, before the dashboard.
 */
export function App({ demo }: { demo: boolean }) {
  const backend = useBackend();
  const [view, setView] = useState<View>({ kind: 'starting' });
  const [hasProjects, setHasProjects] = useState(false);
  const [serial, setSerial] = useState(0);

  useEffect(() => {
    backend.projects().then(
      (cards) => {
        setHasProjects(cards.length > 0);
        // A new project left half-way through the wizard comes back first.
        const unfinished = lastFolder();
        const pending = unfinished !== null && !cards.some((c) => c.folder === unfinished);
        setView(cards.length > 0 && !pending ? { kind: 'dashboard' } : { kind: 'wizard', serial: 0 });
      },
      () => setView({ kind: 'wizard', serial: 0 }),
    );
  }, [backend]);

  // The first screen the user can act on is drawn: say so once, after the frame.
  const started = view.kind !== 'starting';
  useEffect(() => {
    if (started) requestAnimationFrame(() => void backend.windowReady().catch(() => {}));
  }, [started, backend]);

  const toDashboard = useCallback(() => {
    setHasProjects(true);
    setView({ kind: 'dashboard' });
  }, []);
  const openWizard = useCallback(
    (folder: string | null) => {
      const next = serial + 1;
      setSerial(next);
      setView({ kind: 'wizard', folder, serial: next });
    },
    [serial],
  );
  const onEmpty = useCallback(() => {
    setHasProjects(false);
    setView({ kind: 'wizard', serial: serial + 1 });
  }, [serial]);

  switch (view.kind) {
    case 'starting':
      return <div className="starting" aria-busy="true" />;
    case 'dashboard':
      return <Dashboard demo={demo} onAdd={() => openWizard(null)} onSettings={openWizard} onEmpty={onEmpty} />;
    case 'wizard':
      return (
        <DashboardLinkProvider link={{ go: toDashboard, listed: hasProjects }}>
          <Wizard key={view.serial} demo={demo} folder={view.folder} />
        </DashboardLinkProvider>
      );
  }
}
