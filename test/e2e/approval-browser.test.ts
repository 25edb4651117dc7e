import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalDetails, Approvals } from '../../src/approval/approvals.js';
import { type ApprovalPage, startApprovalPage } from '../../src/approval/page.js';
import { openStore, type Store } from '../../src/store.js';
import { DETAILS } from '../approval-details.js';
import { FIXTURE, ID, tool } from '../example.js';
import { connect, sandboxEnv, startVendors } from './harness.js';

// The approval page in a real browser: Debian's Chromium driven by playwright-core (no
// browser download here). A missing Chromium fails this file: it is never skipped.

const CHROMIUM = '/usr/bin/chromium';
// `npm run screenshot` refreshes the README's picture; a plain test run keeps it in a temp folder.
const SCREENSHOT = join(process.env.PROXYCART_SCREENSHOT_DIR ?? tmpdir(), 'approval-page.png');
const PIN = '582046';

let browser: Browser;
let store: Store;
let approvals: Approvals;
let page: ApprovalPage;
let pinned: ApprovalPage;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium); this test must not be skipped.`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  store = await openStore({ kind: 'memory' });
  approvals = new Approvals(store);
  page = await startApprovalPage({ approvals });
  pinned = await startApprovalPage({ approvals, pin: PIN });
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  await pinned?.close();
  await store?.close();
});

function fresh(details: Partial<ApprovalDetails> = {}) {
  return approvals.create(`q-${Math.random()}`, { ...DETAILS, ...details }, Date.now() + 10 * 60 * 1000);
}

/** The text of `selector` once it is on the page (after a form post, on the next page). */
async function textOf(tab: Page, selector: string): Promise<string | null> {
  await tab.locator(selector).waitFor({ timeout: 10_000 });
  return tab.locator(selector).textContent();
}

/** A tab that records what the page itself refuses (CSP violations show up as console errors). */
async function openTab(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ tab: Page; problems: string[]; posts: Request[] }> {
  const context = await browser.newContext(options);
  const tab = await context.newPage();
  const problems: string[] = [];
  const posts: Request[] = [];
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  tab.on('pageerror', (e) => problems.push(String(e)));
  tab.on('request', (r) => {
    if (r.method() === 'POST') posts.push(r);
  });
  return { tab, problems, posts };
}

describe('the approval page in Chromium', () => {
  it('shows the total, approves on a click, and the record is approved', async () => {
    const record = await fresh({ warnings: ['Sandbox quote: the simulator decides the price; no real money moves.'] });
    const { tab, problems, posts } = await openTab({ viewport: { width: 760, height: 720 } });
    const response = await tab.goto(page.urlFor(record.id));
    expect(response?.status()).toBe(200);
    expect(await tab.locator('#total').textContent()).toBe('12.50 USD');
    expect(await tab.locator('#vendor').textContent()).toBe(DETAILS.vendor);
    expect(await tab.locator('#first-warning').isVisible()).toBe(true);
    // The inline countdown runs (its nonce is accepted by the CSP) and counts down.
    const before = await tab.locator('#left').textContent();
    await tab.waitForFunction((initial) => document.getElementById('left')?.textContent !== initial, before, { timeout: 5_000 });
    expect(await tab.locator('#left').textContent()).toMatch(/^\(\d+ min \d+ s left\)$/);
    // The inline style applies: the approve button is green, not the browser's grey.
    expect(await tab.locator('button[value=approve]').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(26, 127, 55)');

    await tab.click('button[value=approve]');
    expect(await textOf(tab, '#outcome')).toBe('Approved — you can go back to the chat');
    expect(await approvals.get(record.id)).toMatchObject({ state: 'approved' });
    // The browser sent the page's own Origin with the form, despite Referrer-Policy: no-referrer.
    expect(posts).toHaveLength(1);
    expect(await posts[0].headerValue('origin')).toBe(page.origin);
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('declines on a click', async () => {
    const record = await fresh();
    const { tab, problems } = await openTab();
    await tab.goto(page.urlFor(record.id));
    await tab.click('button[value=decline]');
    expect(await textOf(tab, '#outcome')).toBe('Declined — you can go back to the chat');
    expect((await approvals.get(record.id))?.state).toBe('declined');
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('with a PIN: a wrong PIN is refused and counted, the right one approves', async () => {
    const record = await fresh();
    const { tab } = await openTab();
    await tab.goto(pinned.urlFor(record.id));
    await tab.fill('#pin', '000000');
    await tab.click('button[value=approve]');
    expect(await textOf(tab, '#error')).toContain('Wrong PIN. 4 attempts left');
    expect(await approvals.get(record.id)).toMatchObject({ state: 'pending', wrongPins: 1 });
    expect(await tab.content()).not.toContain(PIN);
    await tab.fill('#pin', PIN);
    await tab.click('button[value=approve]');
    expect(await textOf(tab, '#outcome')).toBe('Approved — you can go back to the chat');
    expect((await approvals.get(record.id))?.state).toBe('approved');
    expect(await tab.content()).not.toContain(PIN);
    await tab.context().close();
  });

  it('fits a phone screen without horizontal scrolling, even with long unbroken text', async () => {
    const long = 'x'.repeat(120);
    const record = await fresh({
      summary: `Residential rotating proxies, 25 GB, sticky sessions, country US, state California, city San Francisco ${long}`,
      warnings: [
        `An earlier order of these arguments has an unknown outcome: check proxycart_orders first ${long}`,
        'The wallet balance could not be read (vendor_unavailable).',
      ],
    });
    const { tab, problems } = await openTab({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await tab.goto(page.urlFor(record.id));
    const widths = await tab.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth, body: document.body.scrollWidth }));
    expect(widths.view).toBe(360);
    expect(widths.scroll).toBeLessThanOrEqual(widths.view);
    expect(widths.body).toBeLessThanOrEqual(widths.view);
    // Both buttons are on screen and big enough to tap.
    for (const value of ['approve', 'decline']) {
      const box = await tab.locator(`button[value=${value}]`).boundingBox();
      if (!box) throw new Error(`the ${value} button is not laid out`);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      expect(box.height).toBeGreaterThanOrEqual(40);
    }
    expect(problems).toEqual([]);
    await tab.context().close();
  });
});

describe('the whole flow in Chromium', () => {
  it('opens the approval_url of a real quote, shows its total, and one click places the order', async () => {
    const sandbox = await startVendors([ID]);
    const session = await connect({ env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto', PROXYCART_STORE: 'memory' }) });
    try {
      const order = FIXTURE.order;
      const quoted = (await session.ok(tool('place_order'), order)) as { approval_url: string; confirmation_token: string; quote: { total_usd: number } };
      const { tab, problems } = await openTab({ viewport: { width: 760, height: 720 } });
      await tab.goto(quoted.approval_url);
      expect(await tab.locator('#total').textContent()).toBe(`${quoted.quote.total_usd.toFixed(2)} USD`);
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await tab.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(statSync(SCREENSHOT).size).toBeLessThan(150_000);
      await tab.click('button[value=approve]');
      expect(await textOf(tab, '#outcome')).toBe('Approved — you can go back to the chat');
      const placed = await session.ok(tool('place_order'), { ...order, confirmation_token: quoted.confirmation_token });
      expect(placed.status).toBe('placed');
      expect(sandbox.vendors[ID]!.simulator.moneyRequests()).toHaveLength(1);
      expect(problems).toEqual([]);
      await tab.context().close();
    } finally {
      await session.close();
      await sandbox.close();
    }
  });
});
