// The deploy screen in a real browser, against the demo backend's scripted deploy
// (src/lib/fake-deploy.ts): a run to the live site, a failure, a cancel, the log's search
// and Follow, and how the log holds up under a hundred thousand lines.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { RESULTS } from './harness.js';
import { toReview, usePages } from './pages.js';

const TIMEOUT = 5_000;
/** A whole scripted deploy at `pace=0.05` takes about two seconds. */
const FAST = 'pace=0.05';

/**
 * Frame times while 10 000 lines a second arrive, measured with requestAnimationFrame:
 * the 95th percentile must stay under one dropped frame at 30 fps, and no single frame
 * may stall for longer than a quarter of a second.
 */
const FRAME_P95_MS = 50;
const FRAME_MAX_MS = 250;
/** Rows the log may hold in the DOM, whatever its length. */
const MAX_ROWS = 200;

const pages = usePages(TIMEOUT);

async function newPage(
  query: string,
  options: { colorScheme?: 'light' | 'dark'; size?: { width: number; height: number } } = {},
): Promise<Page> {
  return pages.open({ query, ...options });
}

async function startDeploy(page: Page): Promise<void> {
  await toReview(page);
  await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="deploy"]')?.disabled);
  await page.getByTestId('deploy').click();
  await page.getByTestId('deploy-view').waitFor();
}

async function phase(page: Page, kind: string, timeout = 20_000): Promise<void> {
  await page.locator(`[data-testid="deploy-view"][data-phase="${kind}"]`).waitFor({ timeout });
}

function stepStates(page: Page): Promise<[string, string][]> {
  return page
    .getByTestId('deploy-steps')
    .locator('li')
    .evaluateAll((items) => items.map((li) => [li.getAttribute('data-testid') ?? '', li.getAttribute('data-state') ?? '']));
}

/** How far the log is from its bottom, in pixels. */
function fromBottom(page: Page): Promise<number> {
  return page.getByTestId('log-view').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

describe('deploying from the window', () => {
  it('saves, then shows every step to the live site, with durations, the URL and who was told', async () => {
    const page = await newPage(FAST);
    await startDeploy(page);
    const sidebar = page.getByTestId('sidebar-deploy');
    assert.equal(await sidebar.getAttribute('aria-current'), 'step');
    await phase(page, 'live');

    const states = await stepStates(page);
    assert.ok(states.length >= 24, `about 25 steps (got ${states.length})`);
    assert.ok(states.every(([, s]) => s === 'changed' || s === 'unchanged'), JSON.stringify(states));
    assert.equal(await page.getByTestId('step-fail2ban').getAttribute('data-state'), 'unchanged');
    assert.equal(await page.getByTestId('step-apt:packages').getByTestId('step-time').innerText(), '18.2 s');
    assert.equal(await page.getByTestId('step-dns:shop.example.com').getByTestId('step-time').innerText(), '41.2 s');

    const url = page.getByTestId('live-url');
    assert.equal(await url.getAttribute('href'), 'https://shop.example.com/');
    assert.equal(await url.getAttribute('target'), '_blank');
    assert.equal(await page.getByTestId('live-release').innerText(), '20250114-093012');
    assert.equal(await page.getByTestId('live-commit').innerText(), 'a3f9c2e');
    assert.match(await page.getByTestId('notified').innerText(), /Told desktop/);
    assert.match(
      await page.getByTestId('live-certificate').innerText(),
      /Certificate from .* for shop\.example\.com, www\.shop\.example\.com: expires in 89 days/,
    );

    const news = await page.getByTestId('deploy-news').innerText();
    assert.match(news, /Commit a3f9c2e\s+Add the cart page/);
    assert.match(news, /2 uncommitted changes stay on this computer/);
    assert.match(news, /Server at DigitalOcean\s+Added the SSH key slipway-shop/);
    assert.match(news, /The server shop is up at 203\.0\.113\.10/);
    assert.match(await page.getByTestId('by-hand').innerText(), /A\s+www\.shop\.example\.com\s+203\.0\.113\.10/);
    assert.match(await page.getByTestId('deploy-said').innerText(), /Deployed: live at https:\/\/shop\.example\.com\//);
    assert.match(await page.getByTestId('log-count').innerText(), /^\d+ lines$/);

    // The way back to the settings is open once the deploy has ended.
    await page.getByTestId('back-to-review').click();
    await page.getByRole('heading', { level: 1, name: 'Ready to go live?' }).waitFor();
    assert.equal(await page.getByTestId('sidebar-deploy').count(), 0);
    assert.deepEqual(pages.errors(page), []);
  });

  it('names the failed step, the cause and the fix, and can try again', async () => {
    const page = await newPage(`deploy=fail&${FAST}`);
    await startDeploy(page);
    await phase(page, 'failed');
    const failed = page.getByTestId('deploy-failed');
    assert.match(await failed.innerText(), /The new release did not answer \/ within 30 s: gunicorn exited with ModuleNotFoundError: No module named 'stripe'/);
    assert.equal(await page.getByTestId('failed-step').innerText(), 'health');
    assert.match(await page.getByTestId('deploy-hints').innerText(), /Add stripe to requirements\.txt, commit, and deploy again/);
    assert.match(await failed.innerText(), /The site still serves what it served before/);
    assert.equal(await page.getByTestId('step-health').getAttribute('data-state'), 'failed');
    assert.match(await page.getByTestId('step-health').innerText(), /gunicorn exited: Worker failed to boot/);
    assert.equal(await page.getByTestId('step-release:switch').getAttribute('data-state'), 'pending', 'nothing after it ran');

    await page.getByTestId('deploy-again').click();
    await phase(page, 'running');
    await phase(page, 'failed');
    assert.deepEqual(pages.errors(page), []);
  });

  it('refuses uncommitted changes, then deploys the last commit without them when asked', async () => {
    const page = await newPage(`${FAST}&dirty`);
    await startDeploy(page);
    await phase(page, 'failed');
    assert.match(await page.getByTestId('deploy-failed').innerText(), /2 uncommitted change\(s\) would not be deployed/);
    assert.match(await page.getByTestId('deploy-hints').innerText(), /M app\.py/);
    await page.getByTestId('deploy-committed').click();
    await phase(page, 'live');
    assert.equal(await page.getByTestId('deploy-committed').count(), 0);
    assert.deepEqual(pages.errors(page), []);
  });

  it('stops after the current action on Cancel, saying the site is untouched', async () => {
    const page = await newPage('pace=0.5');
    await startDeploy(page);
    await page.locator('[data-testid="deploy-steps"] li[data-state="running"]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('cancel-deploy').click();
    assert.equal(await page.getByTestId('deploy-status').innerText(), 'Stopping after the current action…');
    assert.equal(await page.getByTestId('cancel-deploy').isDisabled(), true);
    await phase(page, 'cancelled');
    assert.match(
      await page.getByTestId('deploy-cancelled').innerText(),
      /Cancelled: the site still serves what it served before/,
    );
    assert.match(await page.getByTestId('deploy-said').innerText(), /Cancelled/);
    assert.equal(await page.getByTestId('deploy-again').innerText(), 'Try again');
    assert.deepEqual(pages.errors(page), []);
  });
});

describe('the deploy log', () => {
  it('filters to the lines that match a search, highlighting the match', async () => {
    const page = await newPage(FAST);
    await startDeploy(page);
    await phase(page, 'live');
    const total = Number((await page.getByTestId('log-count').innerText()).replace(/\D/g, ''));
    await page.getByTestId('log-search').fill('UNPACKING');
    await page.getByTestId('log-count').getByText(`4 of ${total} lines`).waitFor();
    const rows = page.getByTestId('log-view').locator('.log-row');
    assert.equal(await rows.count(), 4);
    assert.deepEqual(await rows.locator('mark').allInnerTexts(), ['Unpacking', 'Unpacking', 'Unpacking', 'Unpacking']);
    await page.getByTestId('log-search').fill('no such line anywhere');
    await page.getByText('No line contains that.').waitFor();
    await page.getByTestId('log-search').fill('');
    await page.getByTestId('log-count').getByText(`${total} lines`, { exact: true }).waitFor();
  });

  it('keeps the newest line in view while following, and stays put once scrolled up', async () => {
    const page = await newPage(`${FAST}&flood=20000&rate=5000`);
    await startDeploy(page);
    const follow = page.getByTestId('log-follow');
    await page.waitForFunction(() => document.querySelectorAll('.log-row').length > 20);
    assert.equal(await follow.getAttribute('aria-pressed'), 'true');
    await page.waitForFunction(() => /\d{4,}/.test(document.querySelector('[data-testid="log-count"]')?.textContent?.replace(/,/g, '') ?? ''));
    assert.ok((await fromBottom(page)) <= 20, 'the bottom is in view while following');

    await page.getByTestId('log-view').hover();
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(() => document.querySelector('[data-testid="log-follow"]')?.getAttribute('aria-pressed') === 'false');
    const held = await page.getByTestId('log-view').evaluate((el) => el.scrollTop);
    await page.waitForTimeout(400);
    assert.equal(await page.getByTestId('log-view').evaluate((el) => el.scrollTop), held, 'new lines do not move it');
    assert.ok((await fromBottom(page)) > 200);

    await follow.click();
    assert.equal(await follow.getAttribute('aria-pressed'), 'true');
    await page.waitForTimeout(200);
    assert.ok((await fromBottom(page)) <= 20, 'Follow goes back to the bottom');
    await page.getByTestId('log-search').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'log-follow');
    const ring = await follow.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(ring, 'none', 'Follow shows its focus');
  });

  it('stays light with 100 000 lines arriving at 10 000 a second', async () => {
    const page = await newPage(`${FAST}&flood=100000&rate=10000`);
    await startDeploy(page);
    await page.locator('[data-testid="step-release:venv"][data-state="running"]').waitFor({ timeout: 10_000 });
    await page.evaluate(() => {
      const w = window as Window & { frames_?: number[]; rows_?: number };
      w.frames_ = [];
      w.rows_ = 0;
      let last = performance.now();
      const tick = (now: number) => {
        w.frames_!.push(now - last);
        last = now;
        w.rows_ = Math.max(w.rows_!, document.querySelectorAll('.log-row').length);
        if (document.querySelector('[data-testid="step-release:venv"]')?.getAttribute('data-state') === 'running') {
          requestAnimationFrame(tick);
        }
      };
      requestAnimationFrame(tick);
    });
    await page.locator('[data-testid="step-release:venv"][data-state="changed"]').waitFor({ timeout: 30_000 });
    const { frames, rows, lines } = await page.evaluate(() => {
      const w = window as Window & { frames_?: number[]; rows_?: number };
      const count = document.querySelector('[data-testid="log-count"]')?.textContent ?? '';
      return { frames: w.frames_ ?? [], rows: w.rows_ ?? 0, lines: Number(count.replace(/\D/g, '')) };
    });
    const sorted = [...frames].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const stats = {
      lines,
      frames: frames.length,
      p50: Math.round(at(0.5) * 10) / 10,
      p95: Math.round(at(0.95) * 10) / 10,
      max: Math.round((sorted[sorted.length - 1] ?? 0) * 10) / 10,
      maxRows: rows,
    };
    console.log(`log performance: ${JSON.stringify(stats)}`);
    assert.ok(lines >= 100_000, `all lines arrived (${lines})`);
    assert.ok(rows < MAX_ROWS, `at most ${MAX_ROWS} rows in the DOM (${rows})`);
    assert.ok(await page.locator('.log-row').count() < MAX_ROWS);
    assert.ok(frames.length > 100, `frames were measured (${frames.length})`);
    assert.ok(stats.p95 < FRAME_P95_MS, `95% of frames under ${FRAME_P95_MS} ms (${stats.p95})`);
    assert.ok(stats.max < FRAME_MAX_MS, `no frame over ${FRAME_MAX_MS} ms (${stats.max})`);

    // Searching the whole log answers at once.
    const begun = Date.now();
    await page.getByTestId('log-search').fill('module_123.c');
    await page.getByTestId('log-count').getByText(/^100 of /).waitFor();
    console.log(`search over ${lines} lines: ${Date.now() - begun} ms`);
    assert.deepEqual(pages.errors(page), []);
  });
});

describe('deploy screenshots', () => {
  it('saves the running, live and failed screens at 1024×700, light and dark', async () => {
    await mkdir(RESULTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const suffix = scheme === 'dark' ? '-dark' : '';
      const size = { width: 1024, height: 700 };
      const running = await newPage('pace=0.4', { colorScheme: scheme, size });
      await startDeploy(running);
      await running.locator('[data-testid="step-apt:packages"][data-state="running"]').waitFor({ timeout: 20_000 });
      await running.waitForTimeout(300);
      await running.screenshot({ path: join(RESULTS, `wizard-6-deploy-running${suffix}.png`) });
      await running.getByTestId('cancel-deploy').click();

      const done = await newPage(FAST, { colorScheme: scheme, size });
      await startDeploy(done);
      await phase(done, 'live');
      await done.screenshot({ path: join(RESULTS, `wizard-6-deploy-done${suffix}.png`) });
      await done.getByTestId('log-search').fill('stripe');
      await done.getByTestId('log-view').scrollIntoViewIfNeeded();
      await done.screenshot({ path: join(RESULTS, `wizard-6-deploy-log-search${suffix}.png`) });

      const failed = await newPage(`deploy=fail&${FAST}`, { colorScheme: scheme, size });
      await startDeploy(failed);
      await phase(failed, 'failed');
      await failed.screenshot({ path: join(RESULTS, `wizard-6-deploy-failed${suffix}.png`) });
    }
  });
});
