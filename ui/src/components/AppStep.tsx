import { useRef, useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { Project } from '../lib/ipc/bindings';
import { OpenError } from './OpenError';
import { ProjectView } from './ProjectView';

/** Step 1: choose the project folder, see what Slipway found, and settle the app settings. */
export function AppStep({ step, of }: { step: number; of: number }) {
  const backend = useBackend();
  const [path, setPath] = useState('');
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [opened, setOpened] = useState<{ project: Project; serial: number } | null>(null);
  // Only the answer to the latest request counts; an earlier, slower one is dropped.
  const latest = useRef(0);

  async function open(target: string) {
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
      setOpened({ project, serial });
    } catch (e) {
      if (serial !== latest.current) return;
      setError(toIpcError(e));
      setOpened(null);
    } finally {
      if (serial === latest.current) setOpening(null);
    }
  }

  async function browse() {
    try {
      const picked = await backend.pickFolder();
      if (picked === null) return;
      setPath(picked);
      await open(picked);
    } catch (e) {
      setError(toIpcError(e));
    }
  }

  function openSuggested(folder: string) {
    setPath(folder);
    void open(folder);
  }

  const pathInvalid = error !== null && (error.field == null || error.field === 'path');

  return (
    <>
      <header className="step-header">
        <p className="eyebrow">
          Step {step} of {of}
        </p>
        <h1>Which app are we deploying?</h1>
        <p className="lead">
          Choose the folder that holds your Python web app. Slipway reads it to work out how to
          run it. Nothing is changed on your computer until you save, and nothing is uploaded
          yet.
        </p>
      </header>

      <form
        className="open-form"
        onSubmit={(event) => {
          event.preventDefault();
          void open(path);
        }}
        aria-busy={opening !== null}
      >
        <label htmlFor="project-path" className="label">
          Project folder
        </label>
        <div className="open-row">
          <input
            id="project-path"
            data-testid="project-path"
            className="input mono"
            type="text"
            value={path}
            onChange={(event) => setPath(event.target.value)}
            placeholder="/home/you/projects/myapp"
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="off"
            autoFocus
            aria-invalid={pathInvalid || undefined}
            aria-describedby={pathInvalid ? 'open-error project-path-hint' : 'project-path-hint'}
          />
          <button
            type="button"
            className="button"
            data-testid="browse"
            onClick={() => void browse()}
            disabled={opening !== null}
          >
            Browse…
          </button>
          <button
            type="submit"
            className="button button-primary"
            data-testid="open-project"
            disabled={opening !== null}
          >
            Open
          </button>
        </div>
        <p id="project-path-hint" className="hint">
          The folder you run your app from, usually the top of its git repository.
        </p>
        <div aria-live="polite">
          {opening !== null && (
            <p className="busy" data-testid="opening">
              <span className="spinner" aria-hidden="true" />
              <span>
                Reading <span className="mono">{opening}</span>…
              </span>
            </p>
          )}
        </div>
        {error && <OpenError error={error} onOpen={openSuggested} />}
      </form>

      {opened && opening === null && (
        <ProjectView key={opened.serial} project={opened.project} />
      )}
    </>
  );
}
