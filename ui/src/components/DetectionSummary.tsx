import type { ReactNode } from 'react';
import type {
  AppSpec,
  Detected,
  Detection,
  Evidence,
  Found,
  GitFacts,
} from '../lib/ipc/bindings';
import {
  evidenceWhere,
  frameworkLabel,
  interfaceLabel,
  INTERFACES,
  manifestLabel,
  plural,
} from '../lib/labels';
import { withEntry } from '../lib/spec-form';

interface Props {
  detection: Detection;
  /** The app settings as they stand, so a chosen candidate shows as chosen. */
  app: AppSpec;
  /** Called with the settings after the user picks one of several candidates. */
  onChoose: (app: AppSpec) => void;
}

/** What Slipway read in the folder, each answer with the files that say so. */
export function DetectionSummary({ detection, app, onChoose }: Props) {
  const { entry, dependencies, python } = detection;
  return (
    <section className="section" aria-labelledby="found-title">
      <div className="section-head">
        <h2 id="found-title">What Slipway found</h2>
        <p className="section-note">
          In <span className="mono">{detection.root}</span>
          {detection.app_dir !== '.' && (
            <>
              , with the app in <span className="mono">{detection.app_dir}/</span>
            </>
          )}
          . Open “How Slipway knows” under an answer to see which file says so.
        </p>
      </div>

      <dl className="facts">
        <Fact label="App" evidence={entry.status === 'found' ? entry.evidence : undefined}>
          <DetectedValue
            detected={entry}
            name="entry"
            question="More than one app in this folder could be the one to run. Which should the server start?"
            isChosen={(v) => v.entry === app.entry && v.framework === app.framework}
            onChoose={(v) => onChoose(withEntry(app, v))}
            missing="Fill in the framework and entry point below."
            render={(v, where) => (
              <>
                <span className="value-strong" data-testid={where === 'found' ? 'detected-framework' : undefined}>
                  {frameworkLabel(v.framework)}
                </span>{' '}
                <span className="muted">app, started from</span>{' '}
                <code data-testid={where === 'found' ? 'detected-entry' : undefined}>{v.entry}</code>
                {where === 'choice' && <span className="muted"> · {interfaceLabel(v.interface)}</span>}
              </>
            )}
          />
        </Fact>

        {entry.status === 'found' && (
          <Fact label="Interface">
            <span className="value-strong">{interfaceLabel(entry.value.interface)}</span>{' '}
            <span className="muted">
              — {INTERFACES.find((i) => i.key === entry.value.interface)?.note}
            </span>
          </Fact>
        )}

        <Fact
          label="Dependencies"
          evidence={dependencies.status === 'found' ? dependencies.evidence : undefined}
        >
          <DetectedValue
            detected={dependencies}
            name="dependencies"
            question="Several files list dependencies. Which one should the server install from?"
            isChosen={(v) => v.file === app.dependencies}
            onChoose={(v) => onChoose({ ...app, dependencies: v.file })}
            missing="Add a requirements.txt or pyproject.toml to the project, or name your dependency file below."
            render={(v) => (
              <>
                <code>{v.file}</code> <span className="muted">· {manifestLabel(v.manifest)} ·</span>{' '}
                {plural(v.packages.length, 'package')}
                <span className="sub">
                  {v.includes.length > 0 && (
                    <>
                      Also reads{' '}
                      {v.includes.map((file, i) => (
                        <span key={file}>
                          {i > 0 && ', '}
                          <code>{file}</code>
                        </span>
                      ))}
                      .{' '}
                    </>
                  )}
                  {v.lock ? (
                    <>
                      Exact versions pinned by <code>{v.lock}</code>.
                    </>
                  ) : (
                    <>No lock file.</>
                  )}
                </span>
                {v.packages.length > 0 && <span className="sub muted">{packagePreview(v.packages)}</span>}
              </>
            )}
          />
        </Fact>

        <Fact label="Python" evidence={python.status === 'found' ? python.evidence : undefined}>
          <DetectedValue
            detected={python}
            name="python"
            question="The project asks for different Python versions. Which should the server use?"
            isChosen={(v) => v.minimum === app.python}
            onChoose={(v) => onChoose({ ...app, python: v.minimum })}
            missing="The server's own Python will be used unless you set a version below."
            missingTitle="Not specified"
            render={(v) => (
              <>
                <span className="value-strong">{v.minimum}</span>
                {v.constraint !== v.minimum && (
                  <span className="muted"> · asked for as “{v.constraint}”</span>
                )}
              </>
            )}
          />
        </Fact>

        <Fact label="Static files" evidence={evidenceOf(detection.static_files)}>
          {detection.static_files.length === 0 ? (
            <span className="muted">
              None found. If your app serves CSS, images or scripts from a folder, add it below so
              the web server can send them directly.
            </span>
          ) : (
            <ul className="plain-list">
              {detection.static_files.map(({ value }) => (
                <li key={value.url}>
                  <code>{value.url}</code> <span className="muted">served from</span>{' '}
                  <code>{value.dir}/</code>
                  {value.collected && <span className="tag">filled by collectstatic</span>}
                </li>
              ))}
            </ul>
          )}
        </Fact>

        <Fact label="Before each release" evidence={evidenceOf(detection.release)}>
          {detection.release.length === 0 ? (
            <span className="muted">
              No commands. Add any that must run before a new version goes live, such as database
              migrations.
            </span>
          ) : (
            <ul className="plain-list">
              {detection.release.map(({ value }) => (
                <li key={value}>
                  <code>{value}</code>
                </li>
              ))}
            </ul>
          )}
        </Fact>

        <Fact label="Git">
          <GitSummary git={detection.git ?? null} />
        </Fact>

        {detection.warnings.length > 0 && (
          <Fact label="Worth knowing">
            <ul className="warning-list" data-testid="detection-warnings">
              {detection.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          </Fact>
        )}
      </dl>
    </section>
  );
}

function Fact({
  label,
  evidence,
  children,
}: {
  label: string;
  evidence?: Evidence[] | undefined;
  children: ReactNode;
}) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>
        {children}
        {evidence && evidence.length > 0 && <EvidenceList evidence={evidence} />}
      </dd>
    </div>
  );
}

function EvidenceList({ evidence }: { evidence: Evidence[] }) {
  return (
    <details className="evidence">
      <summary>How Slipway knows</summary>
      <ul>
        {evidence.map((e, i) => (
          <li key={i}>
            <code>{evidenceWhere(e)}</code> <span className="muted">—</span> {e.note}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** One detected answer: the value, a choice between candidates, or what was looked for. */
function DetectedValue<T>({
  detected,
  name,
  question,
  isChosen,
  onChoose,
  render,
  missing,
  missingTitle = 'Not found',
}: {
  detected: Detected<T>;
  name: string;
  question: string;
  isChosen: (value: T) => boolean;
  onChoose: (value: T) => void;
  render: (value: T, where: 'found' | 'choice') => ReactNode;
  missing: string;
  missingTitle?: string;
}) {
  switch (detected.status) {
    case 'found':
      return <>{render(detected.value, 'found')}</>;
    case 'ambiguous':
      return (
        <fieldset className="choices" data-testid={`choose-${name}`}>
          <legend>{question}</legend>
          {detected.candidates.map((candidate: Found<T>, i) => (
            <label key={i} className="choice">
              <input
                type="radio"
                name={`candidate-${name}`}
                data-testid={`candidate-${name}-${i}`}
                checked={isChosen(candidate.value)}
                onChange={() => onChoose(candidate.value)}
              />
              <span className="choice-body">
                <span>{render(candidate.value, 'choice')}</span>
                <span className="choice-evidence">
                  {candidate.evidence.map((e, j) => (
                    <span key={j}>
                      <code>{evidenceWhere(e)}</code> — {e.note}
                    </span>
                  ))}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
      );
    case 'missing':
      return (
        <div className="missing">
          <span className="value-strong">{missingTitle}.</span> {missing}
          <span className="sub muted">Slipway looked for {detected.looked_for}.</span>
        </div>
      );
  }
}

function GitSummary({ git }: { git: GitFacts | null }) {
  if (!git) {
    return <span className="muted">This folder is not in a git repository.</span>;
  }
  const uncommitted = git.uncommitted;
  return (
    <>
      <span>
        {git.branch ? (
          <>
            Branch <code>{git.branch}</code>
          </>
        ) : (
          <span className="muted">Detached HEAD</span>
        )}
        {git.head ? (
          <>
            {' '}
            <span className="muted">at</span> <code title={git.head}>{git.head.slice(0, 7)}</code>
          </>
        ) : (
          <span className="muted"> · no commits yet</span>
        )}
      </span>
      <span className="sub">
        {git.remote ? (
          <>
            <span className="muted">Remote</span> <code>{git.remote}</code>
          </>
        ) : (
          <span className="muted">No remote yet.</span>
        )}
      </span>
      {uncommitted.length > 0 && (
        <div className="alert alert-warning" data-testid="uncommitted">
          <p className="alert-title">
            {uncommitted.length === 1
              ? '1 file has changes that are not committed.'
              : `${uncommitted.length} files have changes that are not committed.`}
          </p>
          <p>Commit them if they should be part of the deploy:</p>
          <ul className="file-list">
            {uncommitted.slice(0, 8).map((file) => (
              <li key={file}>
                <code>{file}</code>
              </li>
            ))}
            {uncommitted.length > 8 && <li className="muted">and {uncommitted.length - 8} more</li>}
          </ul>
        </div>
      )}
    </>
  );
}

function evidenceOf<T>(found: Found<T>[]): Evidence[] {
  return found.flatMap((f) => f.evidence);
}

function packagePreview(packages: string[]): string {
  const shown = packages.slice(0, 5).join(', ');
  return packages.length > 5 ? `${shown} and ${packages.length - 5} more` : shown;
}
