// One browser and one static server per test file, and pages opened on the built app
// with every script error they raise recorded, so each test can say it saw none.

import { after, before } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, serve, type StaticServer } from './harness.js';

export interface PageOptions {
  /** The query string after `?`: the demo backend's options (`pace=0.05`, `dashboard`). */
  query?: string;
  colorScheme?: 'light' | 'dark';
  size?: { width: number; height: number };
}

export interface Pages {
  /** A new page in its own context (fresh storage), on the app. */
  open(options?: PageOptions): Promise<Page>;
  /** The script errors `page` has raised so far. */
  errors(page: Page): string[];
}

/** Registers this file's `before`/`after` hooks; waits up to `timeout` ms per action. */
export function usePages(timeout: number): Pages {
  let server: StaticServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems = new WeakMap<Page, string[]>();

  before(async () => {
    server = await serve();
    browser = await launch();
  });

  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await server?.close();
  });

  return {
    async open(options: PageOptions = {}): Promise<Page> {
      const context = await browser.newContext({
        viewport: options.size ?? { width: 1180, height: 860 },
        colorScheme: options.colorScheme ?? 'light',
        reducedMotion: 'reduce',
      });
      contexts.push(context);
      context.setDefaultTimeout(timeout);
      const page = await context.newPage();
      const seen: string[] = [];
      page.on('pageerror', (error) => seen.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().includes('404')) seen.push(message.text());
      });
      problems.set(page, seen);
      await page.goto(options.query ? `${server.url}?${options.query}` : server.url);
      return page;
    },
    errors(page: Page): string[] {
      return problems.get(page) ?? [];
    },
  };
}

/** Presses Next once it may be pressed, and waits for the step titled `heading`. */
export async function next(page: Page, heading: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="next"]')?.getAttribute('aria-disabled') === null);
  await page.getByTestId('next').click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** The shop demo on a DigitalOcean server at shop.example.com, on the Notifications step. */
export async function toNotifications(page: Page): Promise<void> {
  await page.getByTestId('project-path').fill('/home/ana/projects/shop');
  await page.getByTestId('open-project').click();
  await page.getByTestId('detected-framework').waitFor();
  await next(page, 'Where will your app run?');
  await page.getByTestId('server-kind-digitalocean').check();
  await page.getByTestId('server-token').fill('dop_v1_demo0123456789');
  await page.getByTestId('check-token').click();
  await page.getByTestId('token-stored').waitFor();
  await page.getByTestId('field-server.region').selectOption('fra1');
  await page.getByTestId('field-server.size').selectOption('s-1vcpu-1gb');
  await next(page, 'What address will people visit?');
  await page.getByTestId('domain-choice-use').check();
  await page.getByTestId('field-domain.name').fill('shop.example.com');
  await page.getByTestId('field-domain.www').check();
  await page.getByTestId('field-tls.email').fill('ana@example.com');
  await next(page, 'Who should hear about deploys?');
}

/** The same, on the Review step. */
export async function toReview(page: Page): Promise<void> {
  await toNotifications(page);
  await next(page, 'Ready to go live?');
}
