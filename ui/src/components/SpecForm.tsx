import { useRef } from 'react';
import type { AppSpec, Framework, Installer, Interface, StaticSpec } from '../lib/ipc/bindings';
import { FRAMEWORKS, INSTALLERS, INTERFACES, plural } from '../lib/labels';
import { fieldId, sentence, sshRepository, wholeNumber } from '../lib/spec-form';
import { Field } from './Field';

interface Props {
  app: AppSpec;
  /** Messages per field path, app section only. */
  problems: Map<string, string[]>;
  onChange: (app: AppSpec) => void;
}

const RENDERED =
  /^app\.(name|path|framework|entry|interface|python|dependencies|static\[\d+\]\.(url|dir)|release\[\d+\]|health|workers|installer|keep_releases|max_body_size|repository|deploy_key)$/;

/** What the spec means when a deploy setting is left out of slipway.toml. */
const DEFAULT_WORKERS = 0;
const DEFAULT_INSTALLER: Installer = 'uv';
const DEFAULT_KEEP_RELEASES = 5;
const DEFAULT_MAX_BODY_SIZE = '25m';

/** Every setting of the app section, each with its problems right under it. */
export function SpecForm({ app, problems, onChange }: Props) {
  const set = <K extends keyof AppSpec>(key: K, value: AppSpec[K]) => onChange({ ...app, [key]: value });
  const statics = app.static ?? [];
  const release = app.release ?? [];
  const installer = app.installer ?? DEFAULT_INSTALLER;
  const repository = app.repository ?? '';
  const deployKey = app.deploy_key ?? '';
  const envNames = Object.keys(app.env ?? {});
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

      <fieldset className="list-field">
        <legend>Deploying</legend>
        <p className="hint">
          Where the server gets your code, how it runs it, and how many old versions it keeps to
          roll back to.
        </p>
        <div className="form-grid">
          <Field
            path="app.repository"
            label="Git repository"
            optional
            hint="The URL the server fetches your code from, like git@github.com:you/shop.git. Empty: upload the commit from this computer."
            problems={problems}
            wide
          >
            {(props) => (
              <input
                {...props}
                className="input mono"
                value={repository}
                onChange={(e) => set('repository', e.target.value)}
                placeholder="git@github.com:you/shop.git"
                spellCheck={false}
                autoComplete="off"
              />
            )}
          </Field>

          {(sshRepository(repository) || deployKey !== '') && (
            <Field
              path="app.deploy_key"
              label="Deploy key on the server"
              optional
              hint="Full path, on the server, of the private key that may read the repository over SSH, like /etc/slipway/deploy_key."
              problems={problems}
              wide
            >
              {(props) => (
                <input
                  {...props}
                  className="input mono"
                  value={deployKey}
                  onChange={(e) => set('deploy_key', e.target.value)}
                  placeholder="/etc/slipway/deploy_key"
                  spellCheck={false}
                  autoComplete="off"
                />
              )}
            </Field>
          )}

          <Field
            path="app.health"
            label="Health check path"
            hint="The server asks for this path before sending visitors to a new release, such as /health."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                className="input mono"
                value={app.health}
                onChange={(e) => set('health', e.target.value)}
                placeholder="/"
                spellCheck={false}
                autoComplete="off"
              />
            )}
          </Field>

          <Field
            path="app.installer"
            label="Installer"
            hint="What installs your dependencies on the server."
            problems={problems}
          >
            {(props) => (
              <select
                {...props}
                className="input"
                value={installer}
                onChange={(e) => set('installer', e.target.value as Installer)}
              >
                {!INSTALLERS.some((i) => i.key === installer) && (
                  <option value={installer} disabled>
                    {installer}
                  </option>
                )}
                {INSTALLERS.map((i) => (
                  <option key={i.key} value={i.key}>
                    {i.label}
                  </option>
                ))}
              </select>
            )}
          </Field>

          <Field
            path="app.workers"
            label="Worker processes"
            hint="0 = from the server's CPUs."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                type="number"
                inputMode="numeric"
                min={0}
                max={64}
                step={1}
                className="input mono"
                value={app.workers ?? DEFAULT_WORKERS}
                onChange={(e) => set('workers', wholeNumber(e.target.value, DEFAULT_WORKERS))}
              />
            )}
          </Field>

          <Field
            path="app.keep_releases"
            label="Releases kept"
            hint="Old releases stay on the server for instant rollback."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                type="number"
                inputMode="numeric"
                min={1}
                max={50}
                step={1}
                className="input mono"
                value={app.keep_releases ?? DEFAULT_KEEP_RELEASES}
                onChange={(e) => set('keep_releases', wholeNumber(e.target.value, 0))}
              />
            )}
          </Field>

          <Field
            path="app.max_body_size"
            label="Largest upload"
            hint="Bigger requests are refused by nginx; a number and a unit, like 25m or 1g."
            problems={problems}
          >
            {(props) => (
              <input
                {...props}
                className="input mono"
                spellCheck={false}
                value={app.max_body_size ?? DEFAULT_MAX_BODY_SIZE}
                onChange={(e) => set('max_body_size', e.target.value)}
              />
            )}
          </Field>
        </div>
        {envNames.length > 0 && (
          <p className="hint env-note" data-testid="env-names">
            {plural(envNames.length, 'environment variable')} from <code>[app.env]</code> in
            slipway.toml: <span className="mono">{envNames.join(', ')}</span>. Edit them in the
            file; their values are not shown here.
          </p>
        )}
      </fieldset>
    </div>
  );
}
