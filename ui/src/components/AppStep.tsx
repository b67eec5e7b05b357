import type { ReactNode } from 'react';
import type { IpcError } from '../lib/backend';
import { OpenError } from './OpenError';
import { StepHeader } from './StepHeader';

/** The folder picker's state, kept above the wizard so it survives opening another folder. */
export interface Opener {
  path: string;
  setPath: (path: string) => void;
  /** The folder being read, while it is. */
  opening: string | null;
  error: IpcError | null;
  open: (folder: string) => void;
  browse: () => Promise<void>;
}

/**
 * Step 1: choose the project folder, see what Slipway found, and settle the app settings
 * (`children`, shown once a folder is open and nothing else is being read).
 */
export function AppStep({ opener, children }: { opener: Opener; children?: ReactNode }) {
  const { path, setPath, opening, error, open, browse } = opener;

  function openSuggested(folder: string) {
    setPath(folder);
    open(folder);
  }

  const pathInvalid = error !== null && (error.field == null || error.field === 'path');

  return (
    <>
      <StepHeader index={0} title="Which app are we deploying?">
        Choose the folder that holds your Python web app. Slipway reads it to work out how to
        run it. Nothing is changed on your computer until you save, and nothing is uploaded
        yet.
      </StepHeader>

      <form
        className="open-form"
        onSubmit={(event) => {
          event.preventDefault();
          open(path);
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

      {opening === null && children}
    </>
  );
}
