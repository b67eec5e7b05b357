// The first wizard step in a real browser, against the demo backend the app falls back to
// outside Tauri (src/lib/fake-backend.ts).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RESULTS } from './harness.js';
import { usePages } from './pages.js';

const SHOP = '/home/ana/projects/shop';
const BLOG = '/home/ana/projects/blog';
const TOOLS = '/home/ana/projects/tools';
const SITE = '/home/ana/projects/site';
const TIMEOUT = 5_000;

const pages = usePages(TIMEOUT);

function newPage(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  return pages.open(options);
}

function consoleProblems(page: Page): string[] {
  return pages.errors(page);
}

async function openFolder(page: Page, path: string): Promise<void> {
  await page.getByTestId('project-path').fill(path);
  await page.getByTestId('open-project').click();
}

async function openShop(page: Page): Promise<void> {
  await openFolder(page, SHOP);
  await page.getByTestId('detected-framework').waitFor();
}

describe('step 1: which app are we deploying?', () => {
  it('shows the wizard steps with only the first one active', async () => {
    const page = await newPage();
    const nav = page.getByRole('navigation', { name: 'Setup steps' });
    await nav.waitFor();
    const steps = nav.getByRole('listitem');
    assert.equal(await steps.count(), 5);
    assert.deepEqual(
      await steps.evaluateAll((items) =>
        items.map((li) => [li.querySelector('.step-title')?.childNodes[0]?.textContent, li.getAttribute('aria-current')]),
      ),
      [
        ['App', 'step'],
        ['Server', null],
        ['Domain & HTTPS', null],
        ['Notifications', null],
        ['Review', null],
      ],
    );
    assert.equal(
      await page.getByRole('heading', { level: 1 }).textContent(),
      'Which app are we deploying?',
    );
  });

  it('opens the Flask demo on Enter and shows what was detected, with evidence on demand', async () => {
    const page = await newPage();
    await page.getByTestId('project-path').fill(SHOP);
    await page.getByTestId('project-path').press('Enter');
    await page.getByTestId('opening').waitFor();
    await page.getByTestId('detected-framework').waitFor();
    assert.match(await page.getByTestId('detected-framework').innerText(), /Flask/);
    assert.equal(await page.getByTestId('detected-entry').innerText(), 'app:app');
    assert.equal(await page.getByTestId('field-app.entry').inputValue(), 'app:app');
    assert.equal(await page.getByTestId('field-app.framework').inputValue(), 'flask');
    assert.equal(await page.getByTestId('field-app.name').inputValue(), 'shop');
    assert.equal(await page.getByTestId('field-app.static[0].url').inputValue(), '/static/');
    assert.equal(await page.getByTestId('field-app.release[0]').inputValue(), 'flask db upgrade');

    const evidence = page.locator('details.evidence').first();
    assert.equal(await evidence.locator('li').first().isVisible(), false, 'evidence starts closed');
    await evidence.getByText('How Slipway knows').click();
    assert.match(await evidence.locator('li').first().innerText(), /app\.py:9 — creates the app with Flask/);

    const uncommitted = page.getByTestId('uncommitted');
    assert.match(await uncommitted.innerText(), /2 files have changes that are not committed/);
    assert.match(await uncommitted.innerText(), /templates\/cart\.html/);
    assert.equal(await page.getByTestId('save-spec').isEnabled(), true);
    assert.deepEqual(consoleProblems(page), []);
  });

  it('checks the name as it is typed, and saves once it is fixed', async () => {
    const page = await newPage();
    await openShop(page);
    const name = page.getByTestId('field-app.name');
    const save = page.getByTestId('save-spec');

    await name.fill('My App');
    const error = page.getByTestId('error-app.name');
    await error.waitFor();
    assert.match(
      await error.innerText(),
      /"My App" may only use lowercase letters, digits and "-", starting with a letter/,
    );
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
    assert.ok(describedBy.split(' ').includes(await error.getAttribute('id') ?? '-'), 'the error describes the input');
    assert.equal(await save.isDisabled(), true);

    await name.fill('');
    await page.getByTestId('error-app.name').getByText('Name is required.').waitFor();

    await name.fill('my-app');
    await error.waitFor({ state: 'detached' });
    assert.equal(await name.getAttribute('aria-invalid'), null);
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="save-spec"]')?.disabled);

    await save.click();
    const saved = page.getByTestId('saved-path');
    await saved.waitFor();
    assert.match(await saved.innerText(), /Saved to \/home\/ana\/projects\/shop\/slipway\.toml/);

    // Opening the folder again reads the file that was just written.
    await openFolder(page, SHOP);
    await page.getByTestId('detected-framework').waitFor();
    assert.equal(await page.getByTestId('field-app.name').inputValue(), 'my-app');
    await page.getByText('These come from your existing').waitFor();
  });

  it('says when the settings come from an existing slipway.toml', async () => {
    const page = await newPage();
    await openFolder(page, BLOG);
    await page.getByTestId('detected-framework').waitFor();
    assert.match(await page.getByTestId('detected-framework').innerText(), /Django/);
    assert.equal(await page.getByTestId('detected-entry').innerText(), 'blog.wsgi:application');
    assert.match(
      await page.locator('#settings-title + .section-note').innerText(),
      /existing \/home\/ana\/projects\/blog\/slipway\.toml/,
    );
    await page.getByText('filled by collectstatic').waitFor();
  });

  it('shows why an unknown path cannot be opened', async () => {
    const page = await newPage();
    await openFolder(page, '/home/ana/projets/shop');
    const error = page.getByTestId('open-error');
    await error.waitFor();
    assert.match(await error.innerText(), /\/home\/ana\/projets\/shop is not a folder/);
    assert.match(await error.innerText(), /choose the folder with Browse/);
    assert.equal(await page.getByTestId('project-path').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('detected-framework').count(), 0);
  });

  it('lists what was looked for in a folder that is not a Python app', async () => {
    const page = await newPage();
    await openFolder(page, SITE);
    const error = page.getByTestId('open-error');
    await error.waitFor();
    assert.match(await error.innerText(), /does not look like a Python web app/);
    assert.match(await error.innerText(), /It holds a Node\.js project \(package\.json\)\./);
    const items = await error.locator('li').allInnerTexts();
    assert.ok(items.length >= 5, `hints listed: ${items.join(' | ')}`);
    assert.ok(items.includes('manage.py (Django)'));
    assert.equal(await error.getByRole('button').count(), 0, 'no hint here is a folder');
  });

  it('opens one of several apps with a click on its folder', async () => {
    const page = await newPage();
    await openFolder(page, '/home/ana/projects');
    const error = page.getByTestId('open-error');
    await error.waitFor();
    assert.match(await error.innerText(), /holds several Python apps/);
    await error.getByRole('button', { name: TOOLS }).click();
    await page.getByTestId('choose-entry').waitFor();
    assert.equal(await page.getByTestId('project-path').inputValue(), TOOLS);
    assert.equal(await page.getByTestId('open-error').count(), 0);
  });

  it('lets the user choose between two possible entry points', async () => {
    const page = await newPage();
    await openFolder(page, TOOLS);
    await page.getByTestId('choose-entry').waitFor();
    const entry = page.getByTestId('field-app.entry');
    assert.equal(await entry.inputValue(), '');
    assert.equal(await entry.getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByTestId('error-app.entry').innerText(), /Entry point is required/);
    assert.equal(await page.getByTestId('save-spec').isDisabled(), true);
    // What was not found says what was looked for.
    await page.getByText('Slipway looked for .python-version').waitFor();

    await page.getByTestId('candidate-entry-1').check();
    assert.equal(await entry.inputValue(), 'admin:admin_app');
    assert.equal(await page.getByTestId('field-app.framework').inputValue(), 'flask');
    assert.equal(await page.getByTestId('field-app.interface-wsgi').isChecked(), true);
    await page.getByTestId('error-app.entry').waitFor({ state: 'detached' });
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="save-spec"]')?.disabled);

    await page.getByTestId('candidate-entry-0').check();
    assert.equal(await entry.inputValue(), 'app:app');
    assert.equal(await page.getByTestId('candidate-entry-1').isChecked(), false);
  });

  it('adds, checks and removes a static folder row', async () => {
    const page = await newPage();
    await openShop(page);
    await page.getByTestId('add-static').click();
    const url = page.getByTestId('field-app.static[1].url');
    await url.waitFor();
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'field-app.static[1].url',
    );
    await page.getByTestId('error-app.static[1].url').getByText('URL prefix is required.').waitFor();
    await page.getByTestId('error-app.static[1].dir').waitFor();

    await url.fill('assets');
    await page.getByTestId('error-app.static[1].url').getByText('must start and end with "/"').waitFor();
    await url.fill('/assets/');
    await page.getByTestId('field-app.static[1].dir').fill('assets');
    await page.getByTestId('error-app.static[1].url').waitFor({ state: 'detached' });
    await page.getByTestId('error-app.static[1].dir').waitFor({ state: 'detached' });

    await page.getByTestId('remove-static-0').click();
    assert.equal(await page.getByTestId('field-app.static[0].url').inputValue(), '/assets/');
    assert.equal(await page.getByTestId('field-app.static[1].url').count(), 0);
    await page.getByTestId('remove-static-0').click();
    assert.equal(await page.getByTestId('field-app.static[0].url').count(), 0);
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="save-spec"]')?.disabled);
  });

  it('adds and removes release commands', async () => {
    const page = await newPage();
    await openShop(page);
    await page.getByTestId('add-release').click();
    await page.getByTestId('error-app.release[1]').waitFor();
    await page.getByTestId('field-app.release[1]').fill('flask seed-data');
    await page.getByTestId('error-app.release[1]').waitFor({ state: 'detached' });
    await page.getByTestId('remove-release-0').click();
    assert.equal(await page.getByTestId('field-app.release[0]').inputValue(), 'flask seed-data');
  });

  it('edits the deploy settings, checks them as they are typed and saves them', async () => {
    const page = await newPage();
    await openShop(page);
    const health = page.getByTestId('field-app.health');
    const workers = page.getByTestId('field-app.workers');
    const installer = page.getByTestId('field-app.installer');
    const keep = page.getByTestId('field-app.keep_releases');
    const repository = page.getByTestId('field-app.repository');
    const deployKey = page.getByTestId('field-app.deploy_key');
    assert.equal(await health.inputValue(), '/');
    assert.equal(await workers.inputValue(), '0');
    assert.equal(await installer.inputValue(), 'uv');
    assert.equal(await keep.inputValue(), '5');
    assert.equal(await repository.inputValue(), '');
    assert.equal(await deployKey.count(), 0, 'no deploy key without an SSH repository');
    await page.getByText("0 = from the server's CPUs").waitFor();
    await page.getByText('Empty: upload the commit from this computer.').waitFor();

    await health.fill('health');
    await page
      .getByTestId('error-app.health')
      .getByText('"health" should be a path starting with /, like /health.')
      .waitFor();
    assert.equal(await health.getAttribute('aria-invalid'), 'true');
    await health.fill('/healthz');
    await page.getByTestId('error-app.health').waitFor({ state: 'detached' });

    await workers.fill('65');
    await page.getByTestId('error-app.workers').getByText('65 is too many workers').waitFor();
    await workers.fill('4');
    await page.getByTestId('error-app.workers').waitFor({ state: 'detached' });

    await keep.fill('0');
    await page.getByTestId('error-app.keep_releases').getByText('kept for instant rollback').waitFor();
    await keep.fill('8');
    await page.getByTestId('error-app.keep_releases').waitFor({ state: 'detached' });

    await installer.selectOption('pip');

    await repository.fill('https://ana:s3cret-token@github.com/ana-ruiz/shop.git');
    const repositoryError = page.getByTestId('error-app.repository');
    await repositoryError.getByText('remove the credentials and use a deploy key instead').waitFor();
    const shown = await repositoryError.innerText();
    assert.match(shown, /https:\/\/ana:\*\*\*@github\.com/);
    assert.doesNotMatch(shown, /s3cret/, 'the message never repeats the secret');
    assert.equal(await page.getByTestId('save-spec').isDisabled(), true);

    await repository.fill('git@github.com:ana-ruiz/shop.git');
    await repositoryError.waitFor({ state: 'detached' });
    await deployKey.fill('deploy_key');
    await page
      .getByTestId('error-app.deploy_key')
      .getByText('should be a full path on the server')
      .waitFor();
    await deployKey.fill('/etc/slipway/deploy_key');
    await page.getByTestId('error-app.deploy_key').waitFor({ state: 'detached' });

    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="save-spec"]')?.disabled);
    await page.getByTestId('save-spec').click();
    await page.getByTestId('saved-path').waitFor();

    await openFolder(page, SHOP);
    await page.getByText('These come from your existing').waitFor();
    assert.equal(await health.inputValue(), '/healthz');
    assert.equal(await workers.inputValue(), '4');
    assert.equal(await installer.inputValue(), 'pip');
    assert.equal(await keep.inputValue(), '8');
    assert.equal(await repository.inputValue(), 'git@github.com:ana-ruiz/shop.git');
    assert.equal(await deployKey.inputValue(), '/etc/slipway/deploy_key');
    assert.deepEqual(consoleProblems(page), []);
  });

  it('lists the environment variables of an existing slipway.toml without their values', async () => {
    const page = await newPage();
    await openFolder(page, BLOG);
    await page.getByTestId('detected-framework').waitFor();
    assert.equal(await page.getByTestId('field-app.repository').inputValue(), 'git@github.com:ana-ruiz/blog.git');
    assert.equal(await page.getByTestId('field-app.workers').inputValue(), '3');
    const names = await page.getByTestId('env-names').innerText();
    assert.match(names, /2 environment variables/);
    assert.match(names, /DATABASE_URL, DJANGO_SETTINGS_MODULE/);
    assert.doesNotMatch(names, /postgres:/, 'values stay out of the form');

    // A deploy key makes no sense once the repository is fetched over HTTPS.
    await page.getByTestId('field-app.repository').fill('https://github.com/ana-ruiz/blog.git');
    await page
      .getByTestId('error-app.deploy_key')
      .getByText('only used with an SSH repository URL (ssh://… or git@host:path)')
      .waitFor();
  });

  it('opens the folder chosen with Browse…', async () => {
    const page = await newPage();
    await page.getByTestId('browse').click();
    await page.getByTestId('detected-framework').waitFor();
    assert.equal(await page.getByTestId('project-path').inputValue(), SHOP);
  });

  it('takes screenshots of the detected Flask project, light and dark', async () => {
    await mkdir(RESULTS, { recursive: true });
    for (const [scheme, file] of [
      ['light', 'first-screen.png'],
      ['dark', 'first-screen-dark.png'],
    ] as const) {
      const page = await newPage({ colorScheme: scheme });
      await openShop(page);
      await page.locator('details.evidence').first().getByText('How Slipway knows').click();
      await page.getByTestId('project-path').blur();
      await page.screenshot({ path: join(RESULTS, file), fullPage: true });
    }
  });
});
