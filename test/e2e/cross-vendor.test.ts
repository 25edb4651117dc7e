import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedPlans } from '../../src/sandbox/novaproxy.js';
import { seedCatalog } from '../../src/sandbox/proxyjam.js';
import { SECTIONS, TARIFS } from '../../src/sandbox/proxyseller.js';
import { firstWith, ID, tool } from '../example.js';
import { fixtureOf } from '../fixtures.js';
import { CLI, connect, tempDir, textOf, type Session } from './harness.js';

// The cross-vendor story in sandbox mode, with the simulators inside the server (as a
// person without keys runs it): compare → buy the cheapest → check its proxy → the books;
// then the sandbox survives restarts, an expired order's proxy is refused, and
// `proxycart sandbox --reset` starts over.

const home = tempDir('cross');
const ENV = {
  PROXYCART_SANDBOX: '1',
  PROXYCART_HOME: home,
  PROXYCART_CONFIRM: 'token',
  PROXYCART_CATALOG_TTL_S: '60',
  PROXYCART_TIMEOUT_S: '5',
  PROXYCART_LOG_LEVEL: 'debug',
};

let session: Session | undefined;
async function start(): Promise<Session> {
  await session?.close();
  session = await connect({ env: ENV });
  return session;
}
afterAll(async () => {
  await session?.close();
});

/** What each simulator's own tables say the compared choice costs. */
function expectedTotal(offer: any): number {
  const args = offer.buy.arguments;
  if (offer.provider === 'proxyjam') {
    const item = seedCatalog().find((o) => o.id === args.offer_id)!;
    const option = args.tarification_index !== undefined ? item.options[args.tarification_index]! : item.options.find((o) => o.period_days === args.period_days)!;
    return Math.round(option.price * args.quantity * 100) / 100;
  }
  if (offer.provider === 'novaproxy') {
    const plan = seedPlans().find((p) => p.slug === args.plan)!;
    const tier = [...plan.bandwidths!].sort((a, b) => a.bandwidth - b.bandwidth).filter((t) => t.bandwidth <= args.bandwidth).pop()!;
    return Math.round(args.bandwidth * tier.price_per_gb * 100) / 100;
  }
  if (args.type === 'resident') return TARIFS.find((t) => t.id === args.tarifId)!.price;
  const section = SECTIONS[args.type as keyof typeof SECTIONS];
  const country = section.countries.find((c) => c.id === args.countryId)!;
  const factor = section.periods.find((p) => p.id === args.periodId)!.factor;
  // No quantity discount below 10 IPs.
  return Math.round((country.price as number) * factor * args.quantity * 100) / 100;
}

function checkComparison(result: Record<string, any>): void {
  const totals = result.offers.map((o: any) => o.total_usd);
  expect(totals).toEqual([...totals].sort((a: number, b: number) => a - b));
  for (const offer of result.offers) {
    expect(offer.total_usd).toBeCloseTo(expectedTotal(offer), 2);
    expect(offer.buy.tool).toBe(`${offer.provider}_place_order`);
    expect(offer.description).toEqual(expect.any(String));
    const per = offer.price_per_gb_usd ?? offer.price_per_ip_month_usd;
    expect(per).toBeGreaterThan(0);
  }
  expect(result.not_priced).toEqual(expect.arrayContaining([expect.objectContaining({ provider: 'proxyscrape', reason: expect.any(String) })]));
  expect(result.unavailable).toEqual([]);
}

describe('across vendors in a sandbox that remembers', () => {
  let first: { provider: string; id: string; total: number };
  let second: { provider: string; id: string; total: number };

  it('compares the three priced vendors, cheapest first, with the simulators’ own arithmetic', async () => {
    const s = await start();
    const residential = await s.ok('proxycart_compare_offers', { kind: 'residential', bandwidth_gb: 10 });
    checkComparison(residential);
    expect(new Set(residential.offers.map((o: any) => o.provider))).toEqual(new Set(['proxyjam', 'proxyseller', 'novaproxy']));
    // Traffic plans are priced per GB: 10 GB of NovaProxy's budget plan is 10 × 2.75.
    expect(residential.offers).toContainEqual(expect.objectContaining({ provider: 'novaproxy', price_per_gb_usd: 2.75, total_usd: 27.5 }));

    const datacenter = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US', quantity: 2 });
    checkComparison(datacenter);
    expect(datacenter.offers[0]).toMatchObject({ provider: 'proxyjam', price_per_ip_month_usd: 0.6, total_usd: 1.2 });
    expect(datacenter.offers).toContainEqual(expect.objectContaining({ provider: 'proxyseller', total_usd: 3.8, price_source: 'vendor_quote' }));
    // NovaProxy's duration plans (one access each) publish no price: listed as such, with what would buy them.
    const single = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US' });
    expect(single.not_priced).toContainEqual(
      expect.objectContaining({ provider: 'novaproxy', buy: expect.arrayContaining([{ tool: 'novaproxy_place_order', arguments: { plan: 'static-datacenter', duration: '30_days', config: { country: 'us' } } }]) }),
    );
  });

  it('buys the cheapest with its buy arguments and checks its proxy through the sandbox gateway', async () => {
    const s = session!;
    const { offers } = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US', quantity: 2 });
    const cheapest = offers[0];
    const quoted = await s.ok(cheapest.buy.tool, cheapest.buy.arguments);
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.quote.total_usd).toBe(cheapest.total_usd);
    const placed = await s.ok(cheapest.buy.tool, { ...cheapest.buy.arguments, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    first = { provider: cheapest.provider, id: placed.order.id, total: placed.order.total_usd };

    const checked = await s.ok('proxycart_check_proxy', { provider: first.provider, order_id: first.id });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1', sandbox: true });
    expect(checked.latency_ms).toBeGreaterThanOrEqual(0);
    expect(checked.proxy).toEqual({ host: '127.0.0.1', port: expect.any(Number), protocol: 'HTTP' });
    // The credentials were used, never shown.
    const status = await s.ok(`${first.provider}_order_status`, { order_id: first.id, include_credentials: true });
    for (const proxy of status.order.proxies) expect(JSON.stringify(checked)).not.toContain(proxy.password);
  });

  it('buys a second order (Proxy-Seller) and checks it once provisioned', async () => {
    const s = session!;
    const { offers } = await s.ok('proxycart_compare_offers', { kind: 'datacenter', country: 'US', quantity: 2 });
    const choice = offers.find((o: any) => o.provider === 'proxyseller');
    const quoted = await s.ok(choice.buy.tool, choice.buy.arguments);
    const placed = await s.ok(choice.buy.tool, { ...choice.buy.arguments, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    second = { provider: 'proxyseller', id: placed.order.id, total: placed.order.total_usd };
    const active = await s.ok('proxyseller_order_status', { order_id: second.id, wait_seconds: 20 });
    expect(active.order.state).toBe('active');
    const checked = await s.ok('proxycart_check_proxy', { provider: 'proxyseller', order_id: second.id });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1' });
  });

  it('keeps the books: both orders newest first, and the spending of this environment', async () => {
    const books = await session!.ok('proxycart_orders', {});
    expect(books.orders.map((o: any) => [o.provider, o.order_id])).toEqual([
      [second.provider, second.id],
      [first.provider, first.id],
    ]);
    // The state is the one recorded at placement (the ledger, not a vendor read): Proxy-Seller's was still provisioning.
    expect(books.orders.map((o: any) => o.state)).toEqual(['pending', 'active']);
    for (const order of books.orders) expect(order).toMatchObject({ total_usd: expect.any(Number), what: expect.any(String), at: expect.any(String) });
    const spent = Math.round((first.total + second.total) * 100) / 100;
    expect(books.spending).toEqual({ spent_24h_usd: spent, daily_budget_usd: 200, budget_left_usd: Math.round((200 - spent) * 100) / 100, max_order_usd: 50 });
    expect(books.outcome_unknown).toEqual([]);
    const onlySeller = await session!.ok('proxycart_orders', { provider: 'proxyseller', limit: 5 });
    expect(onlySeller.orders).toHaveLength(1);
  });

  it('remembers the vendors across a server restart', async () => {
    const s = await start();
    const order = await s.ok(`${first.provider}_order_status`, { order_id: first.id });
    expect(order.order).toMatchObject({ id: first.id, state: 'active' });
    const balance = await s.ok('proxyjam_wallet_balance', {});
    expect(balance.balance).toBeCloseTo(100 - first.total, 2);
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
    const entry = saved.vendors.proxyjam.state.orders.$map.find(([id]: [string]) => id === first.id);
    entry[1].lifecycle = 'expired';
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
    const missing = await s.call(`${first.provider}_order_status`, { order_id: first.id });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^not_found/);
    expect((await s.ok('proxyjam_wallet_balance', {})).balance).toBe(100);
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
    const books = await connect({ env: sandboxEnv(vendors, { PROXYCART_CONFIRM: 'token', ...unpriced, PROXYCART_TIMEOUT_S: '1', PROXYCART_HOME: tempDir('unknown') }) });
    try {
      const quoted = await books.ok(tool('place_order', spec), fixture.order);
      // The vendor takes the order and never answers, and has no way to look it up.
      vendors.vendors[spec.id]!.simulator.inject({ path: fixture.probe.money, phase: 'after', action: { kind: 'hang' } });
      const sent = await books.ok(tool('place_order', spec), { ...fixture.order, confirmation_token: quoted.confirmation_token });
      expect(sent.status).toBe('outcome_unknown');
      const listed = await books.ok('proxycart_orders', { state: 'outcome_unknown' });
      expect(listed.orders).toHaveLength(1);
      expect(listed.outcome_unknown).toEqual([
        expect.objectContaining({ provider: spec.id, order_id: expect.stringMatching(/^unknown:/), state: 'outcome_unknown', what_to_do: expect.stringContaining(tool('order_status', spec)) }),
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
