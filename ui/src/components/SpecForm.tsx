import { useRef, type ReactNode } from 'react';
import type { AppSpec, Framework, Interface, StaticSpec } from '../lib/ipc/bindings';
import { FRAMEWORKS, INTERFACES } from '../lib/labels';
import { fieldId, sentence } from '../lib/spec-form';

interface Props {
  app: AppSpec;
  /** Messages per field path, app section only. */
  problems: Map<string, string[]>;
  onChange: (app: AppSpec) => void;
}

/** What a field's input needs to be labelled, described and tested. */
interface InputProps {
  id: string;
  'data-testid': string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

const RENDERED = /^app\.(name|path|framework|entry|interface|python|dependencies|static\[\d+\]\.(url|dir)|release\[\d+\])$/;

/** Every setting of the app section, each with its problems right under it. */
export function SpecForm({ app, problems, onChange }: Props) {
  const set = <K extends keyof AppSpec>(key: K, value: AppSpec[K]) => onChange({ ...app, [key]: value });
  const statics = app.static ?? [];
  const release = app.release ?? [];
  const unplaced = [...problems].filter(([field]) => !RENDERED.test(field));
  const staticAdd = useRef<HTMLButtonElement>(null);
  const releaseAdd = useRef<HTMLButtonElement>(null);

  const setStatic = (i: number, patch: Partial<StaticSpec>) =>
    set('static', statics.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const setRelease = (i: number, value: string) =>
    set('release', release.map((c, j) => (j === i ? value : c)));

  function focusLater(selector: string) {
    requestAnimationFrame(() => document.querySelector<HTMLElement>(selector)?.focus());
  }

  return (
    <div className="form">
      {unplaced.length > 0 && (
        <div className="alert alert-error" role="alert">
          {unplaced.map(([field, messages]) =>
            messages.map((m) => <p key={field + m}>{sentence(field, m)}</p>),
          )}
        </div>
      )}

      <div className="form-grid">
        <Field
          path="app.name"
          label="Name"
          hint="Names the service, its system user and its folder on the server. Lowercase letters, digits and “-”."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={app.name}
              onChange={(e) => set('name', e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>

        <Field
          path="app.path"
          label="App folder"
          hint="Where the app's code lives, relative to the project folder. “.” is the project folder itself."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={app.path}
              onChange={(e) => set('path', e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>

        <Field path="app.framework" label="Framework" problems={problems}>
          {(props) => (
            <select
              {...props}
              className="input"
              value={app.framework}
              onChange={(e) => set('framework', e.target.value as Framework)}
            >
              {!FRAMEWORKS.some((f) => f.key === app.framework) && (
                <option value={app.framework} disabled>
                  {(app.framework as string) === '' ? 'Choose a framework…' : app.framework}
                </option>
              )}
              {FRAMEWORKS.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>

        <Field path="app.interface" label="Interface" problems={problems} group>
          {(props) => (
            <div {...props} role="radiogroup" aria-labelledby={fieldId('app.interface', 'label')} className="segmented">
              {INTERFACES.map((option) => (
                <label key={option.key} className="segment">
                  <input
                    type="radio"
                    name="app-interface"
                    value={option.key}
                    data-testid={`field-app.interface-${option.key}`}
                    checked={app.interface === option.key}
                    onChange={() => set('interface', option.key as Interface)}
                  />
                  <span>{option.label}</span>
                </label>
              ))}
            </div>
          )}
        </Field>

        <Field
          path="app.entry"
          label="Entry point"
          hint="Where the server finds your app: module and name, like app:app, mysite.wsgi:application or myapp:create_app()."
          problems={problems}
          wide
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={app.entry}
              onChange={(e) => set('entry', e.target.value)}
              placeholder="app:app"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>

        <Field
          path="app.python"
          label="Python version"
          optional
          hint="Such as 3.12. Leave empty to use the server's own Python."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={app.python ?? ''}
              onChange={(e) => set('python', e.target.value)}
              placeholder="3.12"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>

        <Field
          path="app.dependencies"
          label="Dependencies file"
          hint="Relative to the app folder, such as requirements.txt or pyproject.toml."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              className="input mono"
              value={app.dependencies}
              onChange={(e) => set('dependencies', e.target.value)}
              placeholder="requirements.txt"
              spellCheck={false}
              autoComplete="off"
            />
          )}
        </Field>
      </div>

      <fieldset className="list-field">
        <legend>Static folders</legend>
        <p className="hint" id="static-hint">
          Folders the web server sends directly, without going through your app: a URL prefix and
          the folder it maps to, relative to the app folder.
        </p>
        {statics.length > 0 && (
          <div className="list-head" aria-hidden="true">
            <span>URL prefix</span>
            <span>Folder</span>
          </div>
        )}
        <ul className="rows">
          {statics.map((mount, i) => (
            <li key={i} className="row row-static">
              <Field path={`app.static[${i}].url`} label={`URL prefix of static folder ${i + 1}`} problems={problems} hiddenLabel errorLabel="URL prefix">
                {(props) => (
                  <input
                    {...props}
                    className="input mono"
                    value={mount.url}
                    onChange={(e) => setStatic(i, { url: e.target.value })}
                    placeholder="/static/"
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </Field>
              <Field path={`app.static[${i}].dir`} label={`Folder of static folder ${i + 1}`} problems={problems} hiddenLabel errorLabel="Folder">
                {(props) => (
                  <input
                    {...props}
                    className="input mono"
                    value={mount.dir}
                    onChange={(e) => setStatic(i, { dir: e.target.value })}
                    placeholder="static"
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button-quiet"
                data-testid={`remove-static-${i}`}
                aria-label={`Remove static folder ${i + 1}${mount.url ? ` (${mount.url})` : ''}`}
                onClick={() => {
                  set('static', statics.filter((_, j) => j !== i));
                  staticAdd.current?.focus();
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <button
          ref={staticAdd}
          type="button"
          className="button button-small"
          data-testid="add-static"
          onClick={() => {
            set('static', [...statics, { url: '', dir: '' }]);
            focusLater(`[data-testid="field-app.static[${statics.length}].url"]`);
          }}
        >
          + Add static folder
        </button>
      </fieldset>

      <fieldset className="list-field">
        <legend>Commands before each release</legend>
        <p className="hint">
          Run on the server in the new version's folder, in order, before it goes live, such as{' '}
          <code>python manage.py migrate --noinput</code>. If one fails, the new version does not go
          live.
        </p>
        <ul className="rows">
          {release.map((command, i) => (
            <li key={i} className="row row-release">
              <Field path={`app.release[${i}]`} label={`Command ${i + 1}`} problems={problems} hiddenLabel errorLabel="The command">
                {(props) => (
                  <input
                    {...props}
                    className="input mono"
                    value={command}
                    onChange={(e) => setRelease(i, e.target.value)}
                    placeholder="flask db upgrade"
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button-quiet"
                data-testid={`remove-release-${i}`}
                aria-label={`Remove command ${i + 1}${command ? ` (${command})` : ''}`}
                onClick={() => {
                  set('release', release.filter((_, j) => j !== i));
                  releaseAdd.current?.focus();
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <button
          ref={releaseAdd}
          type="button"
          className="button button-small"
          data-testid="add-release"
          onClick={() => {
            set('release', [...release, '']);
            focusLater(`[data-testid="field-app.release[${release.length}]"]`);
          }}
        >
          + Add command
        </button>
      </fieldset>
    </div>
  );
}

/** A label, an input (given by `children`), a hint, and the field's problems. */
function Field({
  path,
  label,
  hint,
  problems,
  children,
  optional = false,
  hiddenLabel = false,
  errorLabel,
  group = false,
  wide = false,
}: {
  path: string;
  label: string;
  hint?: string;
  problems: Map<string, string[]>;
  children: (props: InputProps) => ReactNode;
  optional?: boolean;
  hiddenLabel?: boolean;
  /** How messages name the field when the label is hidden (`URL prefix is required`). */
  errorLabel?: string;
  /** The input is a group of radios: the label names the group instead of pointing at it. */
  group?: boolean;
  wide?: boolean;
}) {
  const id = fieldId(path);
  const messages = problems.get(path) ?? [];
  const hintId = hint ? fieldId(path, 'hint') : undefined;
  const errorId = messages.length > 0 ? fieldId(path, 'error') : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const labelClass = hiddenLabel ? 'sr-only' : 'label';
  const labelText = (
    <>
      {label}
      {optional && <span className="optional"> (optional)</span>}
    </>
  );
  return (
    <div className={`field${wide ? ' field-wide' : ''}${messages.length > 0 ? ' field-invalid' : ''}`}>
      {group ? (
        <span id={fieldId(path, 'label')} className={labelClass}>
          {labelText}
        </span>
      ) : (
        <label htmlFor={id} className={labelClass}>
          {labelText}
        </label>
      )}
      {children({
        id,
        'data-testid': `field-${path}`,
        'aria-invalid': messages.length > 0 ? true : undefined,
        'aria-describedby': describedBy,
      })}
      {messages.length > 0 && (
        <div className="field-error" id={errorId} data-testid={`error-${path}`}>
          {messages.map((m) => (
            <p key={m}>{sentence(errorLabel ?? label, m)}</p>
          ))}
        </div>
      )}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
