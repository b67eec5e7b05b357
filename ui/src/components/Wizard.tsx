import { useEffect, useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import { forgetDraft, lastFolder, loadDraft, type Draft } from '../lib/draft';
import type { Project } from '../lib/ipc/bindings';
import { AppStep, type Opener } from './AppStep';
import { ProjectWizard } from './ProjectWizard';
import { Shell } from './Shell';

interface Opened {
  project: Project;
  /** The draft the wizard starts from, if this folder has one. */
  draft: Draft | null;
  /** True when the window came back to the folder it had open, rather than the user opening it. */
  resumed: boolean;
  serial: number;
}

/**
 * Opening a project folder, and coming back to the one that was open when the window was
 * last closed; once a folder is open, the wizard for it.
 */
/**
 * `folder`: open this project (the dashboard's Settings); null: start afresh (Add a
 * project); absent: pick up the folder that was open when the window last closed.
 */
export function Wizard({ demo, folder: given }: { demo: boolean; folder?: string | null }) {
  const backend = useBackend();
  const [resuming, setResuming] = useState(() => {
    const folder = given === undefined ? lastFolder() : given;
    return folder === null ? null : loadDraft(folder);
  });
  const [path, setPath] = useState(given ?? resuming?.folder ?? '');
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  // Only the answer to the latest request counts; an earlier, slower one is dropped.
  const latest = useRef(0);

  async function open(target: string, resumed = false) {
    const folder = target.trim();
    if (folder === '') {
      setError({
        code: 'not_found',
        message: 'Enter the path of your project folder, or choose it with Browse…',
        hints: [],
        field: 'path',
      });
      return;
    }
    const serial = ++latest.current;
    setOpening(folder);
    setError(null);
    try {
      const project = await backend.openProject(folder);
      if (serial !== latest.current) return;
      const draft = loadDraft(project.detection.root, project.spec);
      setOpened({ project, draft, resumed: resumed && draft !== null, serial });
    } catch (e) {
      if (serial !== latest.current) return;
      setError(toIpcError(e));
      setOpened(null);
    } finally {
      if (serial === latest.current) {
        setOpening(null);
        setResuming(null);
      }
    }
  }

  // Once, when the window opens: back to the folder that was open when it closed.
  // Or, from the dashboard's Settings, to the project asked for.
  const resumeFolder = useRef(given === undefined ? (resuming?.folder ?? null) : given);
  useEffect(() => {
    if (resumeFolder.current !== null) void open(resumeFolder.current, given === undefined);
  }, []);

  const opener: Opener = {
    path,
    setPath,
    opening,
    error,
    open: (folder) => void open(folder),
    browse: async () => {
      try {
        const picked = await backend.pickFolder();
        if (picked === null) return;
        setPath(picked);
        await open(picked);
      } catch (e) {
        setError(toIpcError(e));
      }
    },
  };

  if (opened) {
    return (
      <ProjectWizard
        key={opened.serial}
        project={opened.project}
        draft={opened.draft}
        resumed={opened.resumed}
        opener={opener}
        demo={demo}
        onStartOver={() => {
          forgetDraft(opened.project.detection.root);
          setOpened({ ...opened, draft: null, resumed: false, serial: ++latest.current });
        }}
      />
    );
  }

  const waking = resuming !== null && error === null;
  return (
    <Shell current={waking ? resuming.step : 0} canGo={() => false} done={() => false} onGo={() => {}} demo={demo}>
      {waking ? (
        <p className="busy" data-testid="resuming">
          <span className="spinner" aria-hidden="true" />
          <span>
            Picking up where you left off in <span className="mono">{resuming.folder}</span>…
          </span>
        </p>
      ) : (
        <AppStep opener={opener} />
      )}
    </Shell>
  );
}
