import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleCase } from '../../src/providers/types.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { restore, snapshot } from '../../src/sandbox/state-file.js';
import { FIXTURES, fixtureOf } from '../fixtures.js';
import { connect, type Session, type SessionOptions, sandboxEnv, textOf } from './harness.js';

// Orders live on, through the built server over stdio against the simulators: no recurring
// charge is silent (refused by default, said first when allowed, on the quote, the form and
// the page in Chromium), renewal switched off is free and immediate, an expired order is
// extended and its proxy works again, and proxycart_orders lists what is about to expire with
// the call that renews it.

const CHROMIUM = '/usr/bin/chromium';
const PJ = fixtureOf('proxyjam');
const SCRAPE = fixtureOf('proxyscrape');
/** Vendors with an extend_order, and the order and call their fixture extends. */
const EXTENDING = FIXTURES.filter((f) => f.lifecycle?.operations.extend_order).map((f) => [f.id, f, f.lifecycle!.operations.extend_order!] as const);
const RENEWING = { offer_id: 42, quantity: 1, period_days: 30, auto_renew: true };

describe('orders live on', () => {
  let sandbox: Sandbox;
  let browser: Browser | undefined;
  const sessions: Session[] = [];
  const open = async (options: SessionOptions) => {
    const session = await connect(options);
    sessions.push(session);
    return session;
  };
  const sim = (id: string) => sandbox.vendors[id]!.simulator as Simulator<any>;
  const env = (extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_STORE: 'memory', ...extra });
  const money = (id: string) => sim(id).moneyRequests().length;
  /** Quote, then confirm with the token (token mode). */
  const buy = async (s: Session, id: string, args: Record<string, unknown>) => {
    const quoted = await s.ok(`${id}_place_order`, args);
    const placed = await s.ok(`${id}_place_order`, { ...args, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    return placed.order as { id: string };
  };

  beforeAll(async () => {
    sandbox = await startSandbox(FIXTURES.map((f) => f.id));
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
    for (const { id } of FIXTURES) {
      sim(id).reset();
      sim(id).state.balance = 100;
      if ('rateLimitPerMinute' in sim(id).state) sim(id).state.rateLimitPerMinute = 0;
    }
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  describe('no recurring charge is silent', () => {
    it('refuses auto_renew, set_auto_renew on and is_subscription by default, naming the field and the setting, with no money request', async () => {
      const s = await open({ env: env() });
      const order = await buy(s, PJ.id, { offer_id: 42, quantity: 1, period_days: 30 });
      const refusals = [
        [await s.call(`${PJ.id}_place_order`, RENEWING), 'auto_renew'],
        [await s.call(`${PJ.id}_set_auto_renew`, { order_id: order.id, enabled: true }), 'enabled'],
        [await s.call(`${SCRAPE.id}_place_order`, { ...SCRAPE.order, is_subscription: true }), 'is_subscription'],
      ] as const;
      for (const [result, field] of refusals) {
        expect(textOf(result)).toMatch(new RegExp(`^policy: ${field}: true arms a recurring charge .* Nothing was sent\\. .*PROXYCART_ALLOW_RECURRING=1`));
      }
      expect(money(PJ.id)).toBe(1);
      expect(money(SCRAPE.id)).toBe(0);
      expect(sim(PJ.id).log.filter((r) => r.path.endsWith('/auto-renew'))).toHaveLength(0);
    });

    it('when allowed, the quote and the form say first, before the total, that it renews without asking, how often, and what is known of the price', async () => {
      const s = await open({ env: env({ PROXYCART_ALLOW_RECURRING: '1' }) });
      const quoted = await s.call(`${PJ.id}_place_order`, RENEWING);
      const quote = (quoted.structuredContent as any).quote;
      expect(quote.renews).toMatch(
        /^RENEWS AUTOMATICALLY: this charges the wallet again without asking, every 30 days, until it is turned off\. ProxyJam does not say what a renewal costs; this period costs 3\.50 USD/,
      );
      expect(quote.warnings[0]).toBe(quote.renews);
      const text = textOf(quoted);
      expect(text.indexOf('RENEWS AUTOMATICALLY')).toBeLessThan(text.indexOf('"total_usd"'));
      const subscription = (await s.ok(`${SCRAPE.id}_place_order`, { ...SCRAPE.order, is_subscription: true }).catch(() => undefined)) as any;
      // ProxyScrape is unpriced (refused unless PROXYCART_ALLOW_UNPRICED), so its text is checked with both allowed.
      expect(subscription).toBeUndefined();
      const both = await open({ env: env({ PROXYCART_ALLOW_RECURRING: '1', PROXYCART_ALLOW_UNPRICED: '1' }) });
      const scrape = (await both.ok(`${SCRAPE.id}_place_order`, { ...SCRAPE.order, is_subscription: true })).quote;
      expect(scrape.renews).toMatch(
        /^RENEWS AUTOMATICALLY: .*ProxyScrape does not say how often a subscription renews or what it charges \(this order is for 30 days\)/,
      );

      let form = '';
      const withForm = await open({
        env: env({ PROXYCART_ALLOW_RECURRING: '1', PROXYCART_CONFIRM: 'auto' }),
        elicit: (message) => {
          form = message;
          return { action: 'decline' };
        },
      });
      expect((await withForm.ok(`${PJ.id}_place_order`, RENEWING)).status).toBe('declined');
      expect(form.split('\n')[0]).toMatch(/^RENEWS AUTOMATICALLY: this charges the wallet again without asking, every 30 days/);
      expect(form.indexOf('RENEWS AUTOMATICALLY')).toBeLessThan(form.indexOf('Total:'));
      expect(money(PJ.id)).toBe(0);
    });

    it('when allowed, the approval page in Chromium says it renews before the total; once placed, proxycart_orders lists the commitment and how to turn it off', async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: this test must not be skipped.`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu'] });
      const s = await open({ env: env({ PROXYCART_ALLOW_RECURRING: '1', PROXYCART_CONFIRM: 'page' }) });
      const asked = await s.ok(`${PJ.id}_place_order`, RENEWING);
      expect(asked.status).toBe('approval_required');
      const tab = await (await browser.newContext()).newPage();
      await tab.goto(asked.approval_url);
      const first = tab.locator('#first-warning');
      expect(await first.textContent()).toMatch(/^RENEWS AUTOMATICALLY: this charges the wallet again without asking, every 30 days/);
      // Before the total on the page, in reading order and on screen.
      expect(await first.evaluate((el) => Boolean(el.compareDocumentPosition(document.getElementById('total')!) & Node.DOCUMENT_POSITION_FOLLOWING))).toBe(
        true,
      );
      expect((await first.boundingBox())!.y).toBeLessThan((await tab.locator('#total').boundingBox())!.y);
      await tab.locator('button[value=approve]').click();
      await tab.locator('#outcome').waitFor();
      const placed = await s.ok(`${PJ.id}_place_order`, { ...RENEWING, confirmation_token: asked.confirmation_token });
      expect(placed.status).toBe('placed');
      const books = await s.ok('proxycart_orders', {});
      expect(books.recurring).toEqual([
        expect.objectContaining({
          provider: PJ.id,
          order_id: placed.order.id,
          renews: expect.stringMatching(/^RENEWS AUTOMATICALLY/),
          turn_off: { tool: `${PJ.id}_set_auto_renew`, arguments: { order_id: placed.order.id, enabled: false } },
        }),
      ]);
      // Turning it off is free, needs no approval even here (page mode), and is one request.
      const off = await s.ok(books.recurring[0].turn_off.tool, books.recurring[0].turn_off.arguments);
      expect(off.status).toBe('placed');
      expect(sim(PJ.id).log.filter((r) => r.method === 'POST' && r.path === `/orders/${placed.order.id}/auto-renew`)).toHaveLength(1);
      expect(sim(PJ.id).state.orders.get(placed.order.id).auto_renew).toBe(false);
      expect((await s.ok('proxycart_orders', {})).recurring).toEqual([]);
      expect(money(PJ.id)).toBe(1);
    });
  });

  it.each(EXTENDING)('%s: an expired order is extended and its proxy works again through the sandbox gateway', async (id, fixture, change) => {
    const s = await open({ env: env() });
    const order = await buy(s, id, change.order);
    expect((await s.ok(`${id}_order_status`, { order_id: order.id, wait_seconds: 20 })).order.state).toBe('active');
    expect((await s.ok('proxycart_check_proxy', { provider: id, order_id: order.id })).ok).toBe(true);
    // Time passes: the order runs out, as in the vendor's saved state.
    const saved = snapshot(sim(id).state) as Record<string, unknown>;
    fixture.expireSaved!(saved, order.id);
    restore(sim(id).state, saved);
    const lapsed = await s.ok('proxycart_check_proxy', { provider: id, order_id: order.id });
    expect(lapsed).toMatchObject({ ok: false, order_state: 'expired' });
    const args = { order_id: order.id, ...change.args };
    const quoted = await s.ok(`${id}_extend_order`, args);
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.quote.total_usd).toBeGreaterThan(0);
    const extended = await s.ok(`${id}_extend_order`, { ...args, confirmation_token: quoted.confirmation_token });
    expect(extended.status).toBe('placed');
    expect(Date.parse(extended.order.expires_at)).toBeGreaterThan(Date.now());
    const works = await s.ok('proxycart_check_proxy', { provider: id, order_id: order.id });
    expect(works).toMatchObject({ ok: true, status_code: 200, order_state: 'active' });
    expect(money(id)).toBe(2);
  });

  it('proxycart_orders lists an order 5 days from expiry with the renew call that quotes it exactly, and not one 10 days away', async () => {
    const catalog = sim(PJ.id).state.catalog as Array<{ id: number; options: Array<Record<string, unknown>> }>;
    const offer = catalog.find((o) => o.id === 42)!;
    offer.options.push(
      { price: 0.9, period_days: 5, period_name: '5 days', period_months: null },
      { price: 1.5, period_days: 10, period_name: '10 days', period_months: null },
    );
    const s = await open({ env: env() });
    const soon = await buy(s, PJ.id, { offer_id: 42, quantity: 1, period_days: 5 });
    const later = await buy(s, PJ.id, { offer_id: 42, quantity: 1, period_days: 10 });
    const books = await s.ok('proxycart_orders', {});
    expect(books.expiring.map((e: { order_id: string }) => e.order_id)).toEqual([soon.id]);
    expect(books.expiring.map((e: { order_id: string }) => e.order_id)).not.toContain(later.id);
    const [entry] = books.expiring;
    expect(entry.expires_in_days).toBeCloseTo(5, 0);
    expect(entry.renew).toEqual({ tool: `${PJ.id}_extend_order`, arguments: { order_id: soon.id, months: 1 } });
    expect(books.orders.find((o: { order_id: string }) => o.order_id === later.id).expires_at).toEqual(expect.any(String));
    const quoted = await s.ok(entry.renew.tool, entry.renew.arguments);
    expect(quoted).toMatchObject({ status: 'confirmation_required', quote: { total_usd: 3.5, price_source: 'catalog_estimate' } });
    expect(quoted.quote.summary).toMatch(new RegExp(`^Extend ProxyJam order ${soon.id} .* by 1 month: expires `));
    expect(money(PJ.id)).toBe(2);
  });

  it('the approval page of an extension shows which order and its expiry before and after', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: this test must not be skipped.`);
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu'] });
    const [id, , change] = EXTENDING[0]!;
    const s = await open({ env: env({ PROXYCART_CONFIRM: 'token' }) });
    const order = await buy(s, id, (change as LifecycleCase).order);
    const page = await open({ env: env({ PROXYCART_CONFIRM: 'page' }) });
    const asked = await page.ok(`${id}_extend_order`, { order_id: order.id, ...(change as LifecycleCase).args });
    const tab = await (await browser.newContext()).newPage();
    await tab.goto(asked.approval_url);
    expect(await tab.locator('h1').textContent()).toMatch(/^Approve this change to a .* order\?$/);
    expect(await tab.locator('#order-id').textContent()).toBe(order.id);
    const now = Date.parse(String(await tab.locator('#expires-now').textContent()));
    const after = Date.parse(String(await tab.locator('#expires-after').textContent()).replace(' (estimate)', ''));
    expect(after - now).toBeGreaterThan(25 * 24 * 60 * 60 * 1000);
    expect(money(id)).toBe(1);
  });
});
