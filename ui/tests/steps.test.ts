// The wizard after the first step, in a real browser against the demo backend: moving
// between steps, the server, domain and notification choices, the review, and the draft
// that survives closing the window.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { RESULTS } from './harness.js';
import { usePages } from './pages.js';

const SHOP = '/home/ana/projects/shop';
const TIMEOUT = 5_000;
const HEADINGS = {
  app: 'Which app are we deploying?',
  server: 'Where will your app run?',
  domain: 'What address will people visit?',
  notify: 'Who should hear about deploys?',
  review: 'Ready to go live?',
} as const;
type StepName = keyof typeof HEADINGS;

const pages = usePages(TIMEOUT);

function newPage(
  options: { colorScheme?: 'light' | 'dark'; size?: { width: number; height: number } } = {},
): Promise<Page> {
  return pages.open(options);
}

async function heading(page: Page, step: StepName): Promise<void> {
  await page.getByRole('heading', { level: 1, name: HEADINGS[step] }).waitFor();
}

async function openShop(page: Page): Promise<void> {
  await page.getByTestId('project-path').fill(SHOP);
  await page.getByTestId('open-project').click();
  await page.getByTestId('detected-framework').waitFor();
}

/** Next, once the step has nothing left to fix; then waits for the next heading. */
async function next(page: Page, to: StepName): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="next"]')?.getAttribute('aria-disabled') === null);
  await page.getByTestId('next').click();
  await heading(page, to);
}

async function back(page: Page, to: StepName): Promise<void> {
  await page.getByTestId('back').click();
  await heading(page, to);
}

async function toServer(page: Page): Promise<void> {
  await openShop(page);
  await next(page, 'server');
}

async function checkToken(page: Page, token: string): Promise<void> {
  await page.getByTestId('server-token').fill(token);
  await page.getByTestId('check-token').click();
}

/** A DigitalOcean server in Frankfurt, 1 GB, with a token the demo accepts. */
async function chooseDigitalOcean(page: Page, token = 'dop_v1_demo0123456789'): Promise<void> {
  await page.getByTestId('server-kind-digitalocean').check();
  await checkToken(page, token);
  await page.getByTestId('token-stored').waitFor();
  await page.getByTestId('field-server.region').selectOption('fra1');
  await page.getByTestId('field-server.size').selectOption('s-1vcpu-1gb');
}

async function chooseExisting(page: Page, host = '203.0.113.10'): Promise<void> {
  await page.getByTestId('server-kind-existing').check();
  await page.getByTestId('field-server.host').fill(host);
}

/** Once the settings have been checked after the last change. */
async function settled(page: Page): Promise<void> {
  await page.waitForTimeout(200);
  await page.waitForFunction(() => !document.querySelector('[data-testid="nav-status"]')?.textContent?.includes('Checking'));
}

async function draftText(page: Page): Promise<string> {
  return page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(window.localStorage))));
}

async function focusedId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.id ?? null);
}

function optionTexts(select: Locator): Promise<string[]> {
  return select.locator('option:not([disabled])').allInnerTexts();
}

describe('moving through the wizard', () => {
  it('goes forward and back with Next and Back, keeping what was entered', async () => {
    const page = await newPage();
    await openShop(page);
    await page.getByTestId('field-app.health').fill('/healthz');
    await next(page, 'server');
    assert.equal(await focusedId(page), 'step-title', 'the new step heading has the focus');
    const steps = page.getByRole('navigation', { name: 'Setup steps' }).getByRole('listitem');
    assert.equal(await steps.nth(1).getAttribute('aria-current'), 'step');

    await chooseExisting(page);
    await page.getByTestId('field-server.user').fill('ana');
    await next(page, 'domain');
    await back(page, 'server');
    assert.equal(await focusedId(page), 'step-title');
    assert.equal(await page.getByTestId('server-kind-existing').isChecked(), true);
    assert.equal(await page.getByTestId('field-server.host').inputValue(), '203.0.113.10');
    assert.equal(await page.getByTestId('field-server.user').inputValue(), 'ana');
    await back(page, 'app');
    assert.equal(await page.getByTestId('field-app.health').inputValue(), '/healthz');

    // Steps already reached are links in the sidebar; later ones are not.
    await page.getByTestId('go-domain').click();
    await heading(page, 'domain');
    await page.getByTestId('go-server').click();
    await heading(page, 'server');
    assert.equal(await page.getByTestId('go-notify').count(), 0);
    assert.deepEqual(pages.errors(page), []);
  });

  it('keeps Next from leaving a step with problems, and shows the first one', async () => {
    const page = await newPage();
    await openShop(page);
    await page.getByTestId('field-app.name').fill('My App');
    await page.getByTestId('error-app.name').waitFor();
    const nextButton = page.getByTestId('next');
    await page.waitForFunction(() => document.querySelector('[data-testid="next"]')?.getAttribute('aria-disabled') === 'true');
    assert.match(await page.getByTestId('nav-status').innerText(), /One setting needs your attention/);
    await nextButton.click({ force: true });
    await heading(page, 'app');
    assert.equal(await focusedId(page), 'app-name', 'the field to fix takes the focus');
    await page.getByTestId('field-app.name').fill('my-app');
    await next(page, 'server');
  });
});

describe('the Server step', () => {
  it('needs a choice, then names the missing region and size as the CLI does', async () => {
    const page = await newPage();
    await toServer(page);
    const status = page.getByTestId('nav-status');
    assert.equal(await page.getByTestId('next').getAttribute('aria-disabled'), 'true');
    assert.match(await status.innerText(), /Choose where your app will run\./);
    await page.getByTestId('next').click({ force: true });
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'server-kind');

    await page.getByTestId('server-kind-digitalocean').check();
    const region = page.getByTestId('error-server.region');
    const size = page.getByTestId('error-server.size');
    assert.equal(
      await region.innerText(),
      'Region is required with DigitalOcean; slipway server options lists them.',
    );
    assert.equal(await size.innerText(), 'Size is required with DigitalOcean; slipway server options lists them.');
    assert.equal(await region.locator('code').innerText(), 'slipway server options');
    assert.equal(await page.getByTestId('field-server.region').isDisabled(), true, 'no regions before the token');
    assert.match(await status.innerText(), /2 settings need your attention/);

    // Hetzner asks for the same, in its own name.
    await page.getByTestId('server-kind-hetzner').check();
    await region.getByText('Region is required with Hetzner Cloud').waitFor();
  });

  it('refuses a bad token next to the field, then fills the pickers from an accepted one', async () => {
    const page = await newPage();
    await toServer(page);
    await page.getByTestId('server-kind-digitalocean').check();
    const token = page.getByTestId('server-token');
    assert.equal(await token.getAttribute('type'), 'password');

    await checkToken(page, 'bad');
    const error = page.getByTestId('token-error');
    await error.waitFor();
    assert.match(
      await error.innerText(),
      /^DigitalOcean does not accept the API token: it is invalid or revoked \(Unable to authenticate you\)\. Create a new token at https:\/\/cloud\.digitalocean\.com\/account\/api\/tokens and store it in Slipway again$/,
    );
    assert.equal(await token.getAttribute('aria-invalid'), 'true');
    assert.ok(((await token.getAttribute('aria-describedby')) ?? '').split(' ').includes('server-token--error'));

    await checkToken(page, 'dop_v1_demo0123456789');
    await page.getByTestId('token-stored').waitFor();
    assert.match(await page.getByTestId('token-stored').innerText(), /Token stored in the keychain/);
    assert.equal(await page.getByTestId('server-account').innerText(), 'ana@anaruiz.dev (DigitalOcean): active');
    assert.equal(await page.getByTestId('server-token').count(), 0, 'the token field is gone once stored');
    await page.waitForFunction(() => document.activeElement?.id === 'server-region');

    const regionSelect = page.getByTestId('field-server.region');
    assert.deepEqual(await optionTexts(regionSelect), ['Frankfurt 1 (fra1)', 'Amsterdam 3 (ams3)', 'New York 3 (nyc3)']);
    await regionSelect.selectOption('fra1');
    const sizeSelect = page.getByTestId('field-server.size');
    assert.deepEqual(await optionTexts(sizeSelect), [
      '$6.00 a month — 1 vCPU · 1 GB memory · 25 GB disk (s-1vcpu-1gb)',
      '$12.00 a month — 1 vCPU · 2 GB memory · 50 GB disk (s-1vcpu-2gb)',
      '$24.00 a month — 2 vCPUs · 4 GB memory · 80 GB disk (s-2vcpu-4gb)',
    ]);
    assert.equal(await page.getByTestId('field-server.image').inputValue(), 'debian-12-x64');
    assert.deepEqual(await optionTexts(page.getByTestId('field-server.image')), ['Debian 12', 'Ubuntu 24.04']);
    await sizeSelect.selectOption('s-1vcpu-2gb');
    assert.match(await page.getByTestId('server-price').innerText(), /^\$12\.00 a month for 1 vCPU · 2 GB memory · 50 GB disk/);
    await page.getByTestId('error-server.region').waitFor({ state: 'detached' });
    await page.getByTestId('error-server.size').waitFor({ state: 'detached' });

    // Hetzner prices in euros; coming back to DigitalOcean brings the choices back.
    await page.getByTestId('server-kind-hetzner').check();
    await checkToken(page, 'hetzner-demo-token');
    await page.getByTestId('token-stored').waitFor();
    await page.getByTestId('field-server.region').selectOption('nbg1');
    assert.deepEqual(await optionTexts(page.getByTestId('field-server.size')), [
      '€4.51 a month — 2 vCPUs · 4 GB memory · 40 GB disk (cx22)',
      '€9.38 a month — 3 vCPUs · 4 GB memory · 80 GB disk (cpx21)',
    ]);
    await page.getByTestId('server-kind-digitalocean').check();
    assert.equal(await page.getByTestId('field-server.region').inputValue(), 'fra1');
    assert.equal(await page.getByTestId('field-server.size').inputValue(), 's-1vcpu-2gb');
    await next(page, 'domain');
    assert.deepEqual(pages.errors(page), []);
  });

  it('uses a stored token without asking again, and lets it be replaced', async () => {
    const page = await newPage();
    await toServer(page);
    await chooseDigitalOcean(page);
    // Opening the folder again starts a fresh wizard; the keychain still has the token.
    await page.getByTestId('go-app').click();
    await heading(page, 'app');
    await page.getByTestId('open-project').click();
    await page.getByTestId('resumed').waitFor();
    await next(page, 'server');
    await page.getByTestId('token-stored').waitFor();
    assert.equal(await page.getByTestId('field-server.region').inputValue(), 'fra1');

    await page.getByTestId('replace-token').click();
    await page.waitForFunction(() => document.activeElement?.id === 'server-token');
    await checkToken(page, 'bad');
    await page.getByTestId('token-error').waitFor();
    await page.getByTestId('keep-token').click();
    await page.getByTestId('token-stored').waitFor();
  });

  it('takes the address, login and key of a server the user already has', async () => {
    const page = await newPage();
    await toServer(page);
    await page.getByTestId('server-kind-existing').check();
    await page.getByTestId('error-server.host').getByText('Address is required.').waitFor();
    assert.equal(await page.getByTestId('server-key-agent').isChecked(), true);

    const host = page.getByTestId('field-server.host');
    await host.fill('root@203.0.113.10');
    await page
      .getByTestId('error-server.host')
      .getByText('"root@203.0.113.10" includes a user; put the user in server.user and only the host here.')
      .waitFor();
    await host.fill('203.0.113.10');
    await page.getByTestId('error-server.host').waitFor({ state: 'detached' });

    await page.getByTestId('field-server.port').fill('70000');
    await page.getByTestId('error-server.port').getByText('70000 is not a port number').waitFor();
    await page.getByTestId('field-server.port').fill('2222');

    await page.getByTestId('server-key-file').check();
    await page.getByTestId('error-server.key').getByText('Private key file is required').waitFor();
    await page.getByTestId('field-server.key').fill('~/.ssh/id_ed25519.pub');
    await page.getByTestId('error-server.key').getByText('is a public key; name the private key beside it').waitFor();
    await page.getByTestId('field-server.key').fill('~/.ssh/id_ed25519');
    await page.getByTestId('error-server.key').waitFor({ state: 'detached' });
    await next(page, 'domain');
  });

  it("makes the project's login key on request and shows how to install its public half", async () => {
    const page = await newPage();
    await toServer(page);
    await chooseExisting(page);
    await page.getByTestId('field-server.user').fill('deploy');
    await page.getByTestId('server-key-keychain').check();
    await page.getByTestId('login-key-none').waitFor();
    await page.getByTestId('make-login-key').click();
    const install = page.getByTestId('login-key-install');
    await install.waitFor();
    assert.match(await install.innerText(), /^echo 'ssh-ed25519 \S+ slipway-shop' >> \/home\/deploy\/\.ssh\/authorized_keys$/);
    assert.doesNotMatch(await page.getByTestId('login-key').innerText(), /PRIVATE/);

    // Back on the step later, the key is found, not made again.
    await page.getByTestId('server-key-agent').check();
    await page.getByTestId('server-key-keychain').check();
    await install.waitFor();
    assert.equal(await page.getByTestId('make-login-key').count(), 0);
    assert.deepEqual(pages.errors(page), []);
  });

  it('offers a sandbox on this computer, saying it needs Linux and root', async () => {
    const page = await newPage();
    await toServer(page);
    await page.getByTestId('server-kind-sandbox').check();
    assert.match(await page.getByTestId('sandbox-note').innerText(), /needs Linux and root/);
    await next(page, 'domain');
  });
});

describe('the Domain & HTTPS step', () => {
  async function toDomain(page: Page): Promise<void> {
    await toServer(page);
    await chooseExisting(page);
    await next(page, 'domain');
  }

  it('adds www, shows the records to create, and checks DNS name by name', async () => {
    const page = await newPage();
    await toDomain(page);
    assert.match(await page.getByTestId('nav-status').innerText(), /Enter a domain, or skip it for now\./);
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('error-domain.name').getByText('Domain name is required.').waitFor();
    await page.getByTestId('error-tls.email').getByText("E-mail for Let's Encrypt is required.").waitFor();
    assert.equal(await page.getByTestId('field-tls.staging_first').isChecked(), true);

    await page.getByTestId('field-domain.name').fill('shop.example.com');
    const records = page.getByTestId('dns-records').locator('tbody tr');
    assert.deepEqual(await records.allInnerTexts(), ['A\tshop.example.com\t203.0.113.10']);
    await page.getByTestId('field-domain.www').check();
    assert.deepEqual(await records.allInnerTexts(), [
      'A\tshop.example.com\t203.0.113.10',
      'A\twww.shop.example.com\t203.0.113.10',
    ]);

    // The www name follows the main name.
    await page.getByTestId('field-domain.name').fill('shop.example.org');
    assert.equal(await page.getByLabel('Also www.shop.example.org').isChecked(), true);
    await page.getByTestId('field-domain.name').fill('shop.example.com');

    await page.getByTestId('check-dns').click();
    const ready = page.getByTestId('dns-name-shop.example.com');
    const waiting = page.getByTestId('dns-name-www.shop.example.com');
    await ready.waitFor();
    assert.equal(await ready.getAttribute('data-ready'), 'true');
    assert.match(await ready.innerText(), /^Ready\s+shop\.example\.com\s+shop\.example\.com points at 203\.0\.113\.10, the server/);
    assert.equal(await waiting.getAttribute('data-ready'), 'false');
    assert.match(await waiting.innerText(), /^Not yet\s+www\.shop\.example\.com\s+www\.shop\.example\.com has no A record yet/);
    assert.match(await page.getByTestId('dns-result').innerText(), /Not everything points at the server \(203\.0\.113\.10\) yet\./);

    await mkdir(RESULTS, { recursive: true });
    await page.getByTestId('dns-result').screenshot({ path: join(RESULTS, 'wizard-3-domain-dns-check.png') });
    await page.getByTestId('field-domain.www').uncheck();
    assert.equal(await records.count(), 1);
    await page.getByTestId('field-tls.email').fill('ana@example');
    await page.getByTestId('error-tls.email').getByText('"ana@example" is not a valid e-mail address.').waitFor();
    await page.getByTestId('field-tls.email').fill('ana@example.com');
    await next(page, 'notify');
  });

  it("says the address is not known yet for a server a provider will make", async () => {
    const page = await newPage();
    await toServer(page);
    await chooseDigitalOcean(page);
    await next(page, 'domain');
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('field-domain.name').fill('shop.example.com');
    assert.deepEqual(await page.getByTestId('dns-records').locator('tbody tr').allInnerTexts(), [
      "A\tshop.example.com\tthe server's address",
    ]);
    await page.getByTestId('check-dns').click();
    await page.getByTestId('dns-error').getByText('DigitalOcean has no server for shop yet').waitFor();

    // The DigitalOcean token checked on the Server step also sets the records.
    await page.getByTestId('dns-provider-digitalocean').check();
    await page.getByTestId('dns-token-reused').waitFor();
  });

  it('stores a Cloudflare token and asks Namecheap for its user and address', async () => {
    const page = await newPage();
    await toDomain(page);
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('dns-provider-cloudflare').check();
    const field = page.getByTestId('field-secret-cloudflare-token');
    assert.equal(await field.getAttribute('type'), 'password');
    await page.getByTestId('store-cloudflare-token').click();
    await page.getByText('Nothing to store for shop/cloudflare-token: the value is empty').waitFor();
    await field.fill('cf-demo-token-value');
    await page.getByTestId('store-cloudflare-token').click();
    await page.getByTestId('secret-cloudflare-token').getByText('Stored in the keychain').waitFor();

    await page.getByTestId('dns-provider-namecheap').check();
    await page
      .getByTestId('error-domain.dns.user')
      .getByText('API user is required with Namecheap: the user name shown under Profile → Tools → Namecheap API Access.')
      .waitFor();
    await page.getByTestId('field-domain.dns.client_ip').fill('2001:db8::1');
    await page.getByTestId('error-domain.dns.client_ip').getByText('"2001:db8::1" is not an IPv4 address').waitFor();
    assert.ok(!(await draftText(page)).includes('cf-demo-token-value'));
  });

  it('can be skipped, leaving no domain and no certificate', async () => {
    const page = await newPage();
    await toDomain(page);
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('field-domain.name').fill('shop.example.com');
    await page.getByTestId('domain-choice-skip').check();
    assert.equal(await page.getByTestId('field-domain.name').count(), 0);
    await next(page, 'notify');
    await next(page, 'review');
    assert.match(await page.getByTestId('review-summary').innerText(), /None for now/);
    const draft = JSON.parse(JSON.parse(await draftText(page))[`slipway.draft:${SHOP}`] as string) as {
      spec: { domain: unknown; tls: unknown };
    };
    assert.equal(draft.spec.domain, null);
    assert.equal(draft.spec.tls, null);
    // Choosing the domain again brings back what was typed.
    await page.getByTestId('go-domain').click();
    await page.getByTestId('domain-choice-use').check();
    assert.equal(await page.getByTestId('field-domain.name').inputValue(), 'shop.example.com');
  });
});

describe('the Notifications step', () => {
  it('has desktop notifications on by default and checks each added channel', async () => {
    const page = await newPage();
    await toServer(page);
    await page.getByTestId('server-kind-sandbox').check();
    await next(page, 'domain');
    await page.getByTestId('domain-choice-skip').check();
    await next(page, 'notify');

    assert.equal(await page.getByTestId('field-notify.desktop').inputValue(), 'always');
    for (const channel of ['slack', 'email', 'sms', 'webhook']) {
      assert.equal(await page.getByTestId(`toggle-${channel}`).isChecked(), false, channel);
    }
    assert.match(await page.getByTestId('nav-status').innerText(), /Everything on this step looks right/);

    await page.getByTestId('toggle-sms').check();
    await page.getByTestId('error-notify.sms.to').getByText('"" is not a phone number in international form').waitFor();
    assert.equal(await page.getByTestId('field-notify.sms.when').inputValue(), 'failure');
    await page.getByTestId('field-notify.sms.to').fill('+14155550123');
    await page.getByTestId('field-notify.sms.from').fill('+14155550100');
    await page.getByTestId('field-notify.sms.account').fill(`AC${'0123456789abcdef'.repeat(2)}`);
    await page.getByTestId('error-notify.sms.account').waitFor({ state: 'detached' });
    const sms = page.getByTestId('channel-sms');
    const sendTest = sms.getByRole('button', { name: 'Send test' });
    await sendTest.click();
    const said = page.getByTestId('test-sms-result');
    await said.getByText('Not sent').waitFor();
    assert.match(await said.innerText(), /the secret shop\/twilio-token is not set/);
    await page.getByTestId('field-secret-twilio-token').fill('twilio-secret-auth-token');
    await page.getByTestId('store-twilio-token').click();
    await page.getByTestId('secret-twilio-token').waitFor();
    await sendTest.click();
    await said.getByText('Sent: SMS to +14155550123').waitFor();

    await page.getByTestId('toggle-webhook').check();
    await page.getByTestId('field-notify.webhook.url').fill('http://example.com/hook');
    await page
      .getByTestId('error-notify.webhook.url')
      .getByText('messages about your deploys must not cross the internet unencrypted')
      .waitFor();
    await page.getByTestId('toggle-webhook').uncheck();
    await page.getByTestId('toggle-slack').check();
    await next(page, 'review');
    assert.match(await page.getByTestId('review-notify').innerText(), /Desktop: after every deploy\s+Slack: after every deploy\s+Text message: only when a deploy fails/);
    assert.match(await page.getByTestId('missing-secrets').innerText(), /the Slack webhook URL/);
    assert.doesNotMatch(await page.getByTestId('missing-secrets').innerText(), /Twilio/);
    assert.ok(!(await draftText(page)).includes('twilio-secret-auth-token'));
  });
});

describe('the Review step', () => {
  it('sums up the plan with the monthly price, saves, and offers Deploy', async () => {
    const page = await newPage();
    await toServer(page);
    await chooseDigitalOcean(page);
    await next(page, 'domain');
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('field-domain.name').fill('shop.example.com');
    await page.getByTestId('field-domain.www').check();
    await page.getByTestId('field-tls.email').fill('ana@example.com');
    await next(page, 'notify');
    await next(page, 'review');

    const plan = page.getByTestId('review-plan');
    assert.equal(await page.getByTestId('review-price').innerText(), '$6.00 a month');
    assert.match(
      await page.getByTestId('review-server').innerText(),
      /^At DigitalOcean\s+A server named shop in Frankfurt 1, size s-1vcpu-1gb \(1 vCPU · 1 GB memory · 25 GB disk\), running Debian 12\. \$6\.00 a month/,
    );
    assert.match(await plan.innerText(), /SSH key slipway-shop/);
    assert.match(await plan.innerText(), /At your registrar, by you\s+A records pointing shop\.example\.com and www\.shop\.example\.com at the server/);
    assert.match(await plan.innerText(), /At Let's Encrypt\s+A certificate for shop\.example\.com and www\.shop\.example\.com, renewed automatically, after a trial run on the staging service/);
    const summary = await page.getByTestId('review-summary').innerText();
    assert.match(summary, /DigitalOcean · fra1 · s-1vcpu-1gb/);
    assert.match(summary, /Desktop: after every deploy/);
    assert.equal(await page.getByTestId('review-problems').count(), 0);
    assert.equal(await page.getByTestId('next').count(), 0, 'Review is the last step');

    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="deploy"]')?.disabled);
    assert.match(await page.locator('#deploy-note').innerText(), /Deploy saves slipway\.toml, then deploys the last commit/);
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('[data-testid="review-save"]')?.disabled);
    await page.getByTestId('review-save').click();
    assert.match(await page.getByTestId('review-saved').innerText(), /Saved to \/home\/ana\/projects\/shop\/slipway\.toml/);
    assert.deepEqual(pages.errors(page), []);
  });

  it('is reached only once every step before it is clear', async () => {
    const page = await newPage();
    await toServer(page);
    await chooseDigitalOcean(page);
    await next(page, 'domain');
    await page.getByTestId('domain-choice-skip').check();
    await next(page, 'notify');
    await next(page, 'review');
    assert.equal(await page.getByTestId('review-price').innerText(), '$6.00 a month');

    // Back on the Server step, a change that leaves something to fix closes the way on.
    await page.getByTestId('go-server').click();
    await heading(page, 'server');
    await page.getByTestId('server-kind-hetzner').check();
    await page.getByTestId('error-server.size').waitFor();
    assert.equal(await page.getByTestId('go-review').count(), 0);
    assert.equal(await page.getByTestId('go-domain').count(), 0);
    assert.equal(await page.getByTestId('go-app').count(), 1, 'going back is always possible');
    await page.getByTestId('server-kind-digitalocean').check();
    await page.getByTestId('go-review').click();
    await heading(page, 'review');
  });
});

describe('the draft', () => {
  it('survives a reload on the step it was on, with no token or password in it', async () => {
    const page = await newPage();
    await openShop(page);
    await page
      .getByTestId('field-app.repository')
      .fill('https://ana:pa55-w0rd@github.com/ana-ruiz/shop.git');
    await page.getByTestId('error-app.repository').waitFor();
    await page.getByTestId('field-app.repository').fill('git@github.com:ana-ruiz/shop.git');
    await page.getByTestId('error-app.repository').waitFor({ state: 'detached' });
    await page.getByTestId('field-app.repository').fill('https://ana:pa55-w0rd@github.com/ana-ruiz/shop.git');
    await page.getByTestId('error-app.repository').waitFor();
    await page.getByTestId('field-app.repository').fill('git@github.com:ana-ruiz/shop.git');
    await next(page, 'server');
    await chooseDigitalOcean(page, 'dop_v1_s3cr3t-t0ken-value');
    await next(page, 'domain');
    await page.getByTestId('domain-choice-use').check();
    await page.getByTestId('field-domain.name').fill('shop.example.com');
    await page.getByTestId('dns-provider-cloudflare').check();
    // Typed but not stored: still never written anywhere.
    await page.getByTestId('field-secret-cloudflare-token').fill('cf-typed-not-stored');

    const stored = await draftText(page);
    for (const secret of ['s3cr3t-t0ken-value', 'dop_v1_', 'cf-typed-not-stored', 'pa55-w0rd']) {
      assert.ok(!stored.includes(secret), `the draft holds no ${secret}`);
    }
    assert.match(stored, /shop\.example\.com/);
    assert.match(stored, /"region\\":\\"fra1\\"/);

    await page.reload();
    await page.getByTestId('resumed').waitFor();
    await heading(page, 'domain');
    assert.equal(await page.getByTestId('field-domain.name').inputValue(), 'shop.example.com');
    assert.equal(await page.getByTestId('dns-provider-cloudflare').isChecked(), true);
    assert.equal(await page.getByTestId('field-secret-cloudflare-token').inputValue(), '');
    await page.getByTestId('go-server').click();
    await heading(page, 'server');
    assert.equal(await page.getByTestId('server-kind-digitalocean').isChecked(), true);
    assert.equal(await page.getByTestId('field-server.region').inputValue(), 'fra1');
    assert.equal(await page.getByTestId('field-server.size').inputValue(), 's-1vcpu-1gb');
    await page.getByTestId('go-app').click();
    assert.equal(await page.getByTestId('field-app.repository').inputValue(), 'git@github.com:ana-ruiz/shop.git');
    assert.deepEqual(pages.errors(page), []);
  });

  it('strips a password typed into the repository URL, and starts over on request', async () => {
    const page = await newPage();
    await openShop(page);
    await page.getByTestId('field-app.repository').fill('https://ana:pa55-w0rd@github.com/ana-ruiz/shop.git');
    await page.getByTestId('error-app.repository').waitFor();
    const stored = await draftText(page);
    assert.ok(!stored.includes('pa55-w0rd'), 'the password is not kept');
    assert.match(stored, /https:\/\/ana@github\.com\/ana-ruiz\/shop\.git/);

    await page.reload();
    await page.getByTestId('resumed').waitFor();
    assert.equal(
      await page.getByTestId('field-app.repository').inputValue(),
      'https://ana@github.com/ana-ruiz/shop.git',
    );
    await page.getByTestId('start-over').click();
    await page.getByTestId('resumed').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('field-app.repository').inputValue(), '');
  });
});

describe('keyboard and labels', () => {
  it('reaches every control by Tab with a visible focus, each with a name', async () => {
    const page = await newPage();
    await toServer(page);
    await page.getByTestId('server-kind-existing').check();
    await page.getByTestId('server-key-file').check();

    const reached = new Set<string>();
    const unfocusable: string[] = [];
    await page.locator('#step-title').focus();
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const ring = el.closest('.card, .choice') ?? el;
        const style = getComputedStyle(ring);
        const radio = el instanceof HTMLInputElement && el.type === 'radio';
        return {
          key: (radio ? el.name : el.getAttribute('data-testid')) ?? el.textContent ?? el.tagName,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
        };
      });
      if (!focus) continue;
      reached.add(focus.key);
      if (!focus.outline) unfocusable.push(focus.key);
    }
    for (const key of ['server-kind', 'field-server.host', 'field-server.port', 'field-server.user', 'server-key-kind', 'field-server.key', 'back', 'next']) {
      assert.ok(reached.has(key), `${key} is reached by Tab (reached: ${[...reached].join(', ')})`);
    }
    assert.deepEqual(unfocusable, [], 'every focused control shows it');

    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('main input, main select, main textarea, main button'))
        .filter((el) => {
          if (el instanceof HTMLButtonElement) return (el.textContent ?? '').trim() === '' && !el.getAttribute('aria-label');
          const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          return !labelled;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
  });
});

describe('screenshots', () => {
  it('saves each step at 1024×700, light and dark', async () => {
    await mkdir(RESULTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const suffix = scheme === 'dark' ? '-dark' : '';
      const page = await newPage({ colorScheme: scheme, size: { width: 1024, height: 700 } });
      // Whole steps, top to bottom: the parts that stay in view while scrolling are laid
      // out in place, or a full-page capture would draw them over the middle of the form.
      const flat = await page.addStyleTag({
        content: '.wizard-nav, .sidebar-inner { position: static !important; } .sidebar-inner { height: auto !important; min-height: 100vh; }',
      });
      const shot = async (name: string) => {
        await settled(page);
        await page.screenshot({ path: join(RESULTS, `${name}${suffix}.png`), fullPage: true });
      };
      await openShop(page);
      await page.getByTestId('project-path').blur();
      await shot('wizard-1-app');
      await next(page, 'server');
      await chooseDigitalOcean(page);
      await page.getByTestId('field-server.size').blur();
      await shot('wizard-2-server');
      // What the window shows at this size, with Next kept in view.
      await flat.evaluate((el) => (el as HTMLStyleElement).setAttribute('media', 'not all'));
      await settled(page);
      await page.screenshot({ path: join(RESULTS, `wizard-2-server-window${suffix}.png`) });
      await flat.evaluate((el) => (el as HTMLStyleElement).setAttribute('media', 'all'));
      await next(page, 'domain');
      await page.getByTestId('domain-choice-use').check();
      await page.getByTestId('field-domain.name').fill('shop.example.com');
      await page.getByTestId('field-domain.www').check();
      await page.getByTestId('field-tls.email').fill('ana@example.com');
      await page.getByTestId('field-tls.email').blur();
      await shot('wizard-3-domain');
      await next(page, 'notify');
      await page.getByTestId('toggle-slack').check();
      await page.getByTestId('secret-slack-webhook').or(page.getByTestId('field-secret-slack-webhook')).waitFor();
      await shot('wizard-4-notifications');
      await next(page, 'review');
      await page.getByTestId('review-price').waitFor();
      await shot('wizard-5-review');
    }
  });
});
