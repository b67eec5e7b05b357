import type { AppSpec, Detection, Problem, Spec } from '../lib/ipc/bindings';
import { problemsByField } from '../lib/steps';
import type { Save } from '../lib/use-save';
import { DetectionSummary } from './DetectionSummary';
import { SpecForm } from './SpecForm';

interface Props {
  detection: Detection;
  spec: Spec;
  problems: readonly Problem[];
  checking: boolean;
  onChangeApp: (app: AppSpec) => void;
  save: Save;
}

/** An opened project: what was found, the settings to confirm, and saving them. */
export function ProjectView({ detection, spec, problems, checking, onChangeApp, save }: Props) {
  const byField = problemsByField(problems, (field) => field.startsWith('app.'));
  const here = [...byField.values()].reduce((n, list) => n + list.length, 0);
  // slipway.toml is written whole, so settings of later steps must be right too.
  const elsewhere = problems.length - here;
  const count = problems.length;
  const { config, saving } = save;
  const status = save.status(spec);

  return (
    <>
      <DetectionSummary
        detection={detection}
        app={spec.app}
        onChoose={onChangeApp}
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

        <SpecForm app={spec.app} problems={byField} onChange={onChangeApp} />

        <div className="save-bar">
          <button
            type="button"
            className="button button-primary"
            data-testid="save-spec"
            disabled={count > 0 || saving}
            aria-describedby="save-status"
            onClick={() => void save.save(spec)}
          >
            {saving ? 'Saving…' : 'Save slipway.toml'}
          </button>
          <div id="save-status" className="save-status" aria-live="polite">
            {status && 'saved' in status ? (
              <p className="ok" data-testid="saved-path">
                <span className="check" aria-hidden="true">✓</span> Saved to{' '}
                <span className="mono">{status.saved}</span>
              </p>
            ) : status && 'error' in status ? (
              <p className="error-text" data-testid="save-error">
                Not saved: {status.error.message}
                {status.error.hints.length > 0 && ` ${status.error.hints.join(' ')}`}
              </p>
            ) : here > 0 ? (
              <p className="muted">
                {here === 1 ? 'One setting needs' : `${here} settings need`} your attention
                before saving.
              </p>
            ) : elsewhere > 0 ? (
              <p className="muted">
                {elsewhere === 1 ? 'One setting' : `${elsewhere} settings`} on the next steps{' '}
                {elsewhere === 1 ? 'needs' : 'need'} your attention before saving.
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
