// The dashboard in a real browser, against the demo backend started with two deployed
// projects (`?dashboard`): shop live on DigitalOcean with three releases, blog whose last
// deploy failed. Redeploy and Rollback run inline; History shows every run with its log;
// Remove destroys a server only when its name is typed; Settings opens the wizard; and
// the wizard's notification step sends a test on one channel.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RESULTS } from './harness.js';
import { next, toNotifications, usePages } from './pages.js';

const TIMEOUT = 8_000;

const pages = usePages(TIMEOUT);

function newPage(
  query: string,
  options: { colorScheme?: 'light' | 'dark'; size?: { width: number; height: number } } = {},
): Promise<Page> {
  return pages.open({ query, ...options });
}

function noErrors(page: Page): void {
  assert.deepEqual(pages.errors(page), [], 'no script errors');
}

async function healthy(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="health-${id}"][data-state="healthy"]`).waitFor();
}

async function runEnds(page: Page, phase: string): Promise<void> {
  await page.locator(`[data-testid="run-panel"][data-phase="${phase}"]`).waitFor({ timeout: 20_000 });
}

describe('the dashboard', () => {
  it('is the home screen once something is deployed, with each project as it is now', async () => {
    const page = await newPage('dashboard&pace=0.05');
    await page.getByTestId('dashboard').waitFor();
    await healthy(page, 'shop');
    assert.equal(await page.getByTestId('url-shop').getAttribute('href'), 'https://shop.example.com');
    assert.match(await page.getByTestId('health-shop').innerText(), /Healthy · HTTP 200/);
    assert.match(await page.getByTestId('release-shop').innerText(), /20261127-093212-a3f9c2e · commit a3f9c2e/);
    assert.match(await page.getByTestId('last-shop').innerText(), /live: 20261127-093212-a3f9c2e · just now/);
    assert.match(await page.getByTestId('certificate-shop').innerText(), /expires in 89 days/);
    assert.match(await page.getByTestId('last-blog').innerText(), /failed at health/);
    assert.match(await page.getByTestId('project-shop').innerText(), /DigitalOcean · fra1 · s-1vcpu-1gb/);

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });
    noErrors(page);
  });

  it('redeploys in one click with the progress inline, and the history gains the run with its log', async () => {
    const page = await newPage('dashboard&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('redeploy-shop').click();
    await page.getByTestId('run-panel').waitFor();
    assert.equal(
      await page.getByTestId('redeploy-blog').isDisabled(),
      true,
      'one run at a time: the other project waits',
    );
    await runEnds(page, 'live');
    assert.match(await page.getByTestId('live-release').innerText(), /^20261127-093312-a3f9c2e$/);
    await healthy(page, 'shop');
    assert.match(await page.getByTestId('release-shop').innerText(), /20261127-093312-a3f9c2e/);
    assert.equal(await page.getByTestId('redeploy-blog').isDisabled(), false);

    await page.getByTestId('history-shop').click();
    const rows = page.getByTestId('history').locator('.history-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 4, 'three seeded deploys and this one');
    assert.match(await rows.first().innerText(), /Deploy\s+a3f9c2e\s+live: 20261127-093312-a3f9c2e/);
    await rows.first().click();
    const log = page.getByTestId('history-log');
    await log.getByTestId('log-view').waitFor();
    await log.getByTestId('log-search').fill('Deploying commit');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="history-log"]')?.textContent?.includes('Deploying commit a3f9c2e: Add the cart page'),
    );
    assert.match(await log.getByTestId('log-count').innerText(), /^1\b/);
    noErrors(page);
  });

  it('offers to redeploy the last commit when the folder has uncommitted changes', async () => {
    const page = await newPage('dashboard&dirty&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('redeploy-shop').click();
    await runEnds(page, 'failed');
    assert.match(await page.getByTestId('run-panel').innerText(), /2 uncommitted change\(s\) would not be deployed/);
    await page.getByTestId('run-committed').click();
    await runEnds(page, 'live');
    assert.match(await page.getByTestId('live-release').innerText(), /^20261127-093312-a3f9c2e$/);
    noErrors(page);
  });

  it('rolls back to a kept release after asking, and names the switch', async () => {
    const page = await newPage('dashboard&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('rollback-shop').click();
    const releases = page.getByTestId('releases-shop');
    await releases.waitFor();
    assert.equal(await releases.locator('.badge-ok').innerText(), 'live');
    const target = '20261127-093112-7d2e4b9';
    await page.getByTestId(`rollback-to-${target}`).click();
    assert.match(
      await releases.innerText(),
      /Switch shop from 20261127-093212-a3f9c2e back to 20261127-093112-7d2e4b9\?/,
    );
    await page.getByTestId(`confirm-rollback-${target}`).click();
    await runEnds(page, 'live');
    assert.equal(await page.getByTestId('live-release').innerText(), target);
    await healthy(page, 'shop');
    assert.match(await page.getByTestId('release-shop').innerText(), /20261127-093112-7d2e4b9 · commit 7d2e4b9/);
    assert.match(await page.getByTestId('last-shop').innerText(), /live: 20261127-093112-7d2e4b9/);

    await page.getByTestId('history-shop').click();
    const first = page.getByTestId('history').locator('.history-row').first();
    await first.waitFor();
    assert.match(await first.innerText(), /Rollback\s+7d2e4b9\s+live: 20261127-093112-7d2e4b9/);
    noErrors(page);
  });

  it('removes a project, destroying its server only when the server is named', async () => {
    const page = await newPage('dashboard&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('remove-shop').click();
    const dialog = page.getByTestId('remove-dialog');
    await dialog.waitFor();
    await page.getByTestId('remove-destroy').check();
    assert.equal(await page.getByTestId('remove-go').isDisabled(), true, 'nothing typed yet');
    await page.getByTestId('remove-confirm').fill('shoop');
    assert.equal(await page.getByTestId('remove-go').isDisabled(), true, 'a wrong name destroys nothing');
    await page.getByTestId('remove-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('project-shop').count(), 1, 'kept');

    await page.getByTestId('remove-shop').click();
    await page.getByTestId('remove-destroy').check();
    await page.getByTestId('remove-confirm').fill('shop');
    assert.match(await page.getByTestId('remove-go').innerText(), /Destroy the server and remove/);
    await page.getByTestId('remove-go').click();
    await page.getByTestId('project-shop').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('project-blog').count(), 1, 'the other project stays');

    // The last project gone, the window goes back to the wizard.
    await page.getByTestId('remove-blog').click();
    assert.equal(await page.getByTestId('remove-destroy').count(), 0, 'blog has no provider-made server to destroy');
    await page.getByTestId('remove-go').click();
    await page.getByTestId('project-path').waitFor();
    noErrors(page);
  });

  it("opens a project's settings in the wizard, and comes back", async () => {
    const page = await newPage('dashboard&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('settings-shop').click();
    await page.getByTestId('detected-framework').waitFor();
    assert.equal(await page.getByTestId('field-app.name').inputValue(), 'shop');
    await page.getByTestId('to-dashboard').click();
    await page.getByTestId('dashboard').waitFor();
    noErrors(page);
  });

  it("shows in Settings' review what the next deploy would change on the server", async () => {
    const page = await newPage('dashboard&pace=0.05');
    await healthy(page, 'shop');
    await page.getByTestId('settings-shop').click();
    await page.getByTestId('detected-framework').waitFor();
    await page.getByTestId('field-app.health').fill('/healthz');
    await next(page, 'Where will your app run?');
    await next(page, 'What address will people visit?');
    await next(page, 'Who should hear about deploys?');
    await next(page, 'Ready to go live?');
    await page.getByTestId('show-plan').click();
    const summary = page.getByTestId('plan-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /1 of \d+ steps change something/);
    const changed = page.getByTestId('plan-systemd:shop');
    assert.equal(await changed.getAttribute('data-plan'), 'change');
    await changed.locator('summary').click();
    assert.match(await changed.innerText(), /- health = "[^"]*"\s+\+ health = "\/healthz"/);
    assert.equal(await page.getByTestId('plan-nginx:shop').getAttribute('data-plan'), 'satisfied');
    noErrors(page);
  });

  it('is usable with the keyboard alone at 1024x700 in the dark', async () => {
    const page = await newPage('dashboard&pace=0.05', { colorScheme: 'dark', size: { width: 1024, height: 700 } });
    await healthy(page, 'shop');
    await page.getByTestId('redeploy-shop').focus();
    await page.keyboard.press('Enter');
    await runEnds(page, 'live');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 1024, `no sideways scrolling (${width}px)`);
    await page.screenshot({ path: join(RESULTS, 'dashboard-dark-1024.png') });
    noErrors(page);
  });
});

describe('sending a test notification from the wizard', () => {
  it('sends on the one channel, and says which secret is missing first', async () => {
    const page = await newPage('pace=0.05');
    await toNotifications(page);
    await page.getByTestId('test-desktop').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="test-desktop-result"]')?.textContent?.includes('Sent: this computer'),
    );

    await page.getByTestId('toggle-slack').check();
    await page.getByTestId('test-slack').click();
    const result = page.getByTestId('test-slack-result');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="test-slack-result"]')?.textContent?.includes('Not sent'),
    );
    assert.match(await result.innerText(), /Not sent \(Slack\): the secret shop\/slack-webhook is not set/);
    assert.doesNotMatch(await result.innerText(), /this computer/, 'only the Slack channel was tested');
    noErrors(page);
  });
});
