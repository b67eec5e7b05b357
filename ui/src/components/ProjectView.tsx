import { useState } from 'react';
import { toIpcError, type IpcError } from '../lib/backend';
import { useBackend } from '../lib/backend-context';
import type { AppSpec, Project, Spec } from '../lib/ipc/bindings';
import { appProblems } from '../lib/spec-form';
import { useProblems } from '../lib/use-problems';
import { DetectionSummary } from './DetectionSummary';
import { SpecForm } from './SpecForm';

/** An opened project: what was found, the settings to confirm, and saving them. */
export function ProjectView({ project }: { project: Project }) {
  const backend = useBackend();
  const { detection } = project;
  const [spec, setSpec] = useState<Spec>(project.spec);
  const [config, setConfig] = useState(project.config ?? null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<IpcError | null>(null);
  const { problems, failure, checking } = useProblems(spec, project.problems);

  const byField = appProblems(problems);
  const count = [...byField.values()].reduce((n, list) => n + list.length, 0);

  function changeApp(app: AppSpec) {
    setSpec((current) => ({ ...current, app }));
    setSaved(null);
    setSaveError(null);
  }

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      const path = await backend.saveSpec(detection.root, spec);
      setSaved(path);
      setConfig(path);
    } catch (e) {
      setSaveError(toIpcError(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <DetectionSummary
        detection={detection}
        app={spec.app}
        onChoose={(app) => changeApp(app)}
      />

      <section className="section" aria-labelledby="settings-title" aria-busy={checking}>
        <div className="section-head">
          <h2 id="settings-title">App settings</h2>
          <p className="section-note">
            {config ? (
              <>
                These come from your existing <span className="mono">{config}</span>. Saving
                writes your changes back to it.
              </>
            ) : (
              <>
                Filled in from what Slipway found. Check them, change anything that is wrong, and
                save: Slipway writes them to <span className="mono">slipway.toml</span> in{' '}
                <span className="mono">{detection.root}</span>, a file you can keep in git.
              </>
            )}
          </p>
        </div>

        <SpecForm app={spec.app} problems={byField} onChange={changeApp} />

        <div className="save-bar">
          <button
            type="button"
            className="button button-primary"
            data-testid="save-spec"
            disabled={count > 0 || saving}
            aria-describedby="save-status"
            onClick={() => void save()}
          >
            {saving ? 'Saving…' : 'Save slipway.toml'}
          </button>
          <div id="save-status" className="save-status" aria-live="polite">
            {saved ? (
              <p className="ok" data-testid="saved-path">
                <span className="check" aria-hidden="true">✓</span> Saved to{' '}
                <span className="mono">{saved}</span>
              </p>
            ) : saveError ? (
              <p className="error-text" data-testid="save-error">
                Not saved: {saveError.message}
                {saveError.hints.length > 0 && ` ${saveError.hints.join(' ')}`}
              </p>
            ) : failure ? (
              <p className="error-text">Could not check the settings: {failure.message}</p>
            ) : count > 0 ? (
              <p className="muted">
                {count === 1 ? 'One setting needs' : `${count} settings need`} your attention
                before saving.
              </p>
            ) : (
              <p className="muted">Everything looks right.</p>
            )}
          </div>
        </div>
      </section>
    </>
  );
}
