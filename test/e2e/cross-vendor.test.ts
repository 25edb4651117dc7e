import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import type { CompareAsk, ProviderSpec } from '../../src/providers/types.js';
import { EXAMPLE, firstWith, ID, tool } from '../example.js';
import { connectParsed, FIXTURES, fixtureOf } from '../fixtures.js';
import { CLI, connect, type Session, tempDir, textOf } from './harness.js';

// The cross-vendor story in sandbox mode, with the simulators inside the server (as a
// person without keys runs it): compare → buy the example vendor's cheapest → check its
// proxy → buy from a second vendor → the books; then the sandbox survives restarts, an
// expired order's proxy is refused, and `proxycart sandbox --reset` starts over. Each
// vendor's own prices and choices are checked in its test file (test/providers/<id>.test.ts).

const home = tempDir('cross');
const ENV = {
  PROXYCART_SANDBOX: '1',
  PROXYCART_HOME: home,
  PROXYCART_CONFIRM: 'token',
  PROXYCART_CATALOG_TTL_S: '60',
  PROXYCART_TIMEOUT_S: '5',
  PROXYCART_LOG_LEVEL: 'debug',
};

// The second vendor of the story: priced, not the example, and showing a new order only
// after a while (its fixture says so), so the books' state at placement differs from a read.
const SECOND: ProviderSpec = (() => {
  const found = FIXTURES.find((f) => f.id !== ID && f.spec.capabilities.quote !== 'unknown' && f.probe.showsOrderAfterMs !== undefined);
  if (!found) throw new Error('No registered priced provider shows new orders late, as this test needs.');
  return found.spec;
})();
// The default per-order cap (PROXYCART_MAX_ORDER_USD is not set here).
const MAX_ORDER_USD = 50;
const PRICED = PROVIDERS.filter((spec) => spec.capabilities.quote !== 'unknown');
const UNPRICED = PROVIDERS.filter((spec) => spec.capabilities.quote === 'unknown');

let session: Session | undefined;
async function start(): Promise<Session> {
  await session?.close();
  session = await connect({ env: ENV });
  return session;
}
afterAll(async () => {
  await session?.close();
});

/** The priced vendors whose compareCandidates give candidates for `ask`, asked of fresh simulators (the seed the server starts from). */
async function vendorsWithCandidates(ask: CompareAsk): Promise<string[]> {
  const ids: string[] = [];
  for (const spec of PRICED) {
    const { createSimulator, sandboxKey } = await spec.simulator();
    const simulator = createSimulator();
    try {
      const client = await connectParsed(spec, { baseUrl: await simulator.listen(), apiKey: sandboxKey, timeoutMs: 5000 });
      if (client.compareCandidates && (await client.compareCandidates(ask)).length > 0) ids.push(spec.id);
    } finally {
      await simulator.close();
    }
  }
  return ids;
}

/**
 * What every comparison promises: ranked within each pricing unit (test/unit/compare-offers.test.ts
 * checks the order); every offer's total is the quote its own `buy` call gives, and its
 * `within_caps` is what that quote's policy says; every priced vendor with candidates is there
 * (offered, or listed with what would buy it); vendors that publish no prices are listed as
 * not priced, never offered.
 */
async function checkComparison(s: Session, ask: CompareAsk): Promise<Record<string, any>> {
  const result = await s.ok('proxycart_compare_offers', { ...ask });
  for (const unit of ['gb', 'ip_month']) {
    const ranks = result.offers.filter((o: any) => o.unit === unit).map((o: any) => o.rank);
    expect(ranks).toEqual(ranks.map((_: unknown, i: number) => i + 1));
  }
  for (const offer of result.offers) {
    expect(offer.within_caps).toBe(offer.total_usd <= MAX_ORDER_USD);
    expect(offer.buy.tool).toBe(`${offer.provider}_place_order`);
    expect(offer.description).toEqual(expect.any(String));
    const per = offer.price_per_gb_usd ?? offer.price_per_ip_month_usd;
    expect(per).toBeGreaterThan(0);
    if (offer.total_usd > MAX_ORDER_USD) {
      // Above the per-order cap the quote is refused, saying the price it found.
      const refused = await s.call(offer.buy.tool, offer.buy.arguments);
      expect(refused.isError, JSON.stringify(offer.buy)).toBe(true);
      expect(textOf(refused)).toMatch(new RegExp(`^policy: This order costs ${offer.total_usd.toFixed(2).replace('.', '\\.')} USD, over the per-order cap`));
      continue;
    }
    const quoted = await s.ok(offer.buy.tool, offer.buy.arguments);
    expect(quoted.status, JSON.stringify(offer.buy)).toBe('confirmation_required');
    expect(quoted.quote.total_usd, JSON.stringify(offer.buy)).toBe(offer.total_usd);
    expect(quoted.quote.price_source).toBe(offer.price_source);
  }
  const offered = new Set(result.offers.map((o: any) => o.provider));
  for (const id of await vendorsWithCandidates(ask)) {
    const listed = result.not_priced.some((n: any) => n.provider === id && n.buy?.length > 0);
    expect(offered.has(id) || listed, `${id} has candidates for ${JSON.stringify(ask)}`).toBe(true);
  }
  for (const entry of result.not_priced) {
    for (const buy of entry.buy ?? []) expect(buy).toEqual({ tool: `${entry.provider}_place_order`, arguments: expect.any(Object) });
  }
  for (const spec of UNPRICED) {
    expect(result.not_priced).toContainEqual(expect.objectContaining({ provider: spec.id, reason: expect.any(String) }));
    expect(offered.has(spec.id)).toBe(false);
  }
  expect(result.unavailable).toEqual([]);
  return result;
}

describe('across vendors in a sandbox that remembers', () => {
  let first: { provider: string; id: string; total: number; state: string };
  let second: { provider: string; id: string; total: number; state: string };
  let initialBalance: number;

  it('compares the priced vendors, ranked per unit, each total the quote its buy call gives', async () => {
    const s = await start();
    initialBalance = (await s.ok(tool('wallet_balance'), {})).balance;
    const residential = await checkComparison(s, { kind: 'residential', bandwidth_gb: 10 });
    // Every priced vendor with residential candidates prices 10 GB.
    expect(new Set(residential.offers.map((o: any) => o.provider))).toEqual(new Set(await vendorsWithCandidates({ kind: 'residential', bandwidth_gb: 10 })));
    expect(residential.offers.length).toBeGreaterThan(0);

    const datacenter = await checkComparison(s, { kind: 'datacenter', country: 'US', quantity: 2 });
    for (const spec of [EXAMPLE, SECOND]) expect(datacenter.offers.map((o: any) => o.provider)).toContain(spec.id);
    // Candidates a priced vendor gives no price for are listed as such, with what would buy them.
    const single = await checkComparison(s, { kind: 'datacenter', country: 'US' });
    expect(single.not_priced.filter((n: any) => n.buy?.length > 0).length).toBeGreaterThan(0);
  });

  it('buys the example vendor’s cheapest with its buy arguments and checks its proxy through the sandbox gateway', async () => {
    const s = session!;
    const { offers } = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US', quantity: 2 });
    const cheapest = offers.find((o: any) => o.provider === ID);
    expect(cheapest.total_usd).toBe(Math.min(...offers.filter((o: any) => o.provider === ID).map((o: any) => o.total_usd)));
    const quoted = await s.ok(cheapest.buy.tool, cheapest.buy.arguments);
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.quote.total_usd).toBe(cheapest.total_usd);
    const placed = await s.ok(cheapest.buy.tool, { ...cheapest.buy.arguments, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    first = { provider: ID, id: placed.order.id, total: placed.order.total_usd, state: placed.order.state };
    expect(first.state).toBe('active');

    const checked = await s.ok('proxycart_check_proxy', { provider: first.provider, order_id: first.id });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1', sandbox: true });
    expect(checked.latency_ms).toBeGreaterThanOrEqual(0);
    // The credentials were used, never shown.
    const status = await s.ok(tool('order_status'), { order_id: first.id, include_credentials: true });
    expect(checked.proxy).toEqual({ host: '127.0.0.1', port: expect.any(Number), protocol: status.order.proxies[0].protocol });
    expect(checked.proxy.protocol).toMatch(/^http$/i);
    for (const proxy of status.order.proxies) expect(JSON.stringify(checked)).not.toContain(proxy.password);
  });

  it('buys a second order from another vendor and checks it once provisioned', async () => {
    const s = session!;
    const { offers } = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US', quantity: 2 });
    const choice = offers.find((o: any) => o.provider === SECOND.id);
    const quoted = await s.ok(choice.buy.tool, choice.buy.arguments);
    const placed = await s.ok(choice.buy.tool, { ...choice.buy.arguments, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    second = { provider: SECOND.id, id: placed.order.id, total: placed.order.total_usd, state: placed.order.state };
    // It shows its proxies only after a while.
    expect(second.state).toBe('pending');
    const active = await s.ok(tool('order_status', SECOND), { order_id: second.id, wait_seconds: 20 });
    expect(active.order.state).toBe('active');
    const checked = await s.ok('proxycart_check_proxy', { provider: SECOND.id, order_id: second.id });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1' });
  });

  it('keeps the books: both orders newest first, and the spending of this environment', async () => {
    const books = await session!.ok('proxycart_orders', {});
    expect(books.orders.map((o: any) => [o.provider, o.order_id])).toEqual([
      [second.provider, second.id],
      [first.provider, first.id],
    ]);
    // The state is the one recorded at placement (the ledger, not a vendor read): the second was still provisioning.
    expect(books.orders.map((o: any) => o.state)).toEqual([second.state, first.state]);
    expect(books.orders.map((o: any) => o.state)).toEqual(['pending', 'active']);
    for (const order of books.orders) expect(order).toMatchObject({ total_usd: expect.any(Number), what: expect.any(String), at: expect.any(String) });
    const spent = Math.round((first.total + second.total) * 100) / 100;
    expect(books.spending).toEqual({
      spent_24h_usd: spent,
      daily_budget_usd: 200,
      budget_left_usd: Math.round((200 - spent) * 100) / 100,
      max_order_usd: MAX_ORDER_USD,
    });
    expect(books.outcome_unknown).toEqual([]);
    const onlySecond = await session!.ok('proxycart_orders', { provider: SECOND.id, limit: 5 });
    expect(onlySecond.orders).toHaveLength(1);
  });

  it('remembers the vendors across a server restart', async () => {
    const s = await start();
    const order = await s.ok(tool('order_status'), { order_id: first.id });
    expect(order.order).toMatchObject({ id: first.id, state: 'active' });
    const balance = await s.ok(tool('wallet_balance'), {});
    expect(balance.balance).toBeCloseTo(initialBalance - first.total, 2);
    const checked = await s.ok('proxycart_check_proxy', { provider: first.provider, order_id: first.id });
    expect(checked.ok).toBe(true);
  });

  it('keeps the books across the restart too (they live in the store)', async () => {
    expect((await session!.ok('proxycart_orders', {})).orders).toHaveLength(2);
  });

  it('refuses the proxy of an expired order with a clear reason', async () => {
    await session!.close();
    session = undefined;
    const file = join(home, 'sandbox.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const expire = fixtureOf(ID).expireSaved;
    expect(expire, `${ID}'s fixture says how an order expires in its saved sandbox state`).toBeDefined();
    expire!(saved.vendors[ID].state, first.id);
    writeFileSync(file, JSON.stringify(saved));

    const s = await start();
    const checked = await s.ok('proxycart_check_proxy', { provider: first.provider, order_id: first.id });
    expect(checked).toMatchObject({ ok: false, order_state: 'expired' });
    expect(checked.reason).toMatch(/auth refused/);
  });

  it('starts over after `proxycart sandbox --reset`', async () => {
    await session!.close();
    session = undefined;
    const reset = spawnSync(process.execPath, [CLI, 'sandbox', '--reset'], { env: { PATH: process.env.PATH ?? '', PROXYCART_HOME: home }, encoding: 'utf8' });
    expect(reset.status).toBe(0);
    expect(reset.stdout).toMatch(/forgot/);
    expect(existsSync(join(home, 'sandbox.json'))).toBe(false);

    const s = await start();
    const missing = await s.call(tool('order_status'), { order_id: first.id });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^not_found/);
    expect((await s.ok(tool('wallet_balance'), {})).balance).toBe(initialBalance);
  });
});

describe('the books with an order of unknown outcome', () => {
  it('lists it apart, with what to do about it', async () => {
    const { startVendors, sandboxEnv } = await import('./harness.js');
    // A vendor that offers no way to learn what became of an order that got no answer.
    const spec = firstWith((c) => c.recover === false);
    const fixture = fixtureOf(spec.id);
    const unpriced: Record<string, string> = spec.capabilities.quote === 'unknown' ? { PROXYCART_ALLOW_UNPRICED: '1' } : {};
    const vendors = await startVendors([spec.id]);
    const books = await connect({
      env: sandboxEnv(vendors, { PROXYCART_CONFIRM: 'token', ...unpriced, PROXYCART_TIMEOUT_S: '1', PROXYCART_HOME: tempDir('unknown') }),
    });
    try {
      const quoted = await books.ok(tool('place_order', spec), fixture.order);
      // The vendor takes the order and never answers, and has no way to look it up.
      vendors.vendors[spec.id]!.simulator.inject({ path: fixture.probe.money, phase: 'after', action: { kind: 'hang' } });
      const sent = await books.ok(tool('place_order', spec), { ...fixture.order, confirmation_token: quoted.confirmation_token });
      expect(sent.status).toBe('outcome_unknown');
      const listed = await books.ok('proxycart_orders', { state: 'outcome_unknown' });
      expect(listed.orders).toHaveLength(1);
      expect(listed.outcome_unknown).toEqual([
        expect.objectContaining({
          provider: spec.id,
          order_id: expect.stringMatching(/^unknown:/),
          state: 'outcome_unknown',
          what_to_do: expect.stringContaining(tool('order_status', spec)),
        }),
      ]);
      expect(listed.orders[0].order_id).toBe(listed.outcome_unknown[0].order_id);
    } finally {
      await books.close();
      await vendors.close();
    }
  });
});

describe('one catalog fetch for everyone', () => {
  it('50 concurrent list_offers, a comparison and a quote: one vendor catalog request', async () => {
    const { startVendors, sandboxEnv } = await import('./harness.js');
    const vendors = await startVendors([ID]);
    const simulator = vendors.vendors[ID]!.simulator;
    simulator.state.rateLimitPerMinute = 0;
    const s = await connect({ env: sandboxEnv(vendors, { PROXYCART_CATALOG_TTL_S: '60', PROXYCART_CONFIRM: 'token' }) });
    try {
      // The catalog route: the one the first listing reads.
      const catalogReads = () => simulator.log.filter((entry) => entry.method === 'GET' && entry.path === simulator.log[0]!.path).length;
      const results = await Promise.all(Array.from({ length: 50 }, () => s.call(tool('list_offers'), {})));
      expect(results.every((r) => !r.isError)).toBe(true);
      expect(catalogReads()).toBe(1);
      const { offers } = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US' });
      await s.ok(tool('place_order'), offers[0].buy.arguments);
      expect(catalogReads()).toBe(1);
    } finally {
      await s.close();
      await vendors.close();
    }
  });
});
