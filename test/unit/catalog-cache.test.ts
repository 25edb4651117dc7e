import { afterAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { EXAMPLE, FIXTURE, ID } from '../example.js';
import { connectParsed, FIXTURES } from '../fixtures.js';

// The catalog cache against real simulators, counted in their request logs: one fetch for
// concurrent callers, reuse within the TTL, a fresh read on demand, and never an answer
// from another environment (base URL or key). The example vendor (test/example.ts) stands
// for every vendor with a live catalog; the others are checked the same way at the end.

const sandboxes: Sandbox[] = [];
async function vendor(id: string = ID) {
  const sandbox = await startSandbox([id]);
  sandboxes.push(sandbox);
  const v = sandbox.vendors[id]!;
  v.simulator.state.rateLimitPerMinute = 0;
  return v;
}
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
});

/** Reads of the routes in `routes` (default: the route the first listing read, the example vendor's catalog). */
const count = (sim: Simulator, routes: ReadonlySet<string> = new Set(sim.log.slice(0, 1).map((entry) => entry.path))) =>
  sim.log.filter((entry) => entry.method === 'GET' && routes.has(entry.path)).length;
const routesRead = (sim: Simulator) => new Set(sim.log.filter((entry) => entry.method === 'GET' && !entry.money).map((entry) => entry.path));
const connect = (spec: typeof EXAMPLE, baseUrl: string, apiKey: string, timeoutMs: number, catalogTtlMs?: number) =>
  connectParsed(spec, { baseUrl, apiKey, timeoutMs, ...(catalogTtlMs === undefined ? {} : { catalogTtlMs }) });
// The unfiltered listing (empty input): the answer quotes read as well.
const list = {};

describe('catalog cache', () => {
  it('answers 50 concurrent list_offers with one vendor request, and quotes from the same answer', async () => {
    const { baseUrl, apiKey, simulator } = await vendor();
    const client = await connect(EXAMPLE, baseUrl, apiKey, 5000, 60_000);
    const lists = await Promise.all(Array.from({ length: 50 }, () => client.listOffers(list)));
    expect(count(simulator)).toBe(1);
    expect(new Set(lists.map((l) => l.offers.length)).size).toBe(1);
    await client.prepareOrder(FIXTURE.order);
    expect(count(simulator)).toBe(1);
  });

  it('reads fresh prices when asked, and keeps the fresh answer', async () => {
    const { baseUrl, apiKey, simulator } = await vendor();
    const client = await connect(EXAMPLE, baseUrl, apiKey, 5000, 60_000);
    const first = (await client.prepareOrder(FIXTURE.order)).quote.total_usd!;
    expect(first).toBeGreaterThan(0);
    // Doubling a price in cents is exact: the fresh total is exactly twice the first.
    const doubled = Math.round(first * 2 * 100) / 100;
    FIXTURE.price!.scale(simulator, 2);
    expect((await client.prepareOrder(FIXTURE.order)).quote.total_usd).toBe(first);
    expect((await client.prepareOrder(FIXTURE.order, { fresh: true })).quote.total_usd).toBe(doubled);
    expect(count(simulator)).toBe(2);
    expect((await client.prepareOrder(FIXTURE.order)).quote.total_usd).toBe(doubled);
    expect(count(simulator)).toBe(2);
  });

  it('never shares an answer between environments: another base URL or another key fetches its own', async () => {
    const a = await vendor();
    const b = await vendor();
    const clientA = await connect(EXAMPLE, a.baseUrl, a.apiKey, 5000, 60_000);
    const clientB = await connect(EXAMPLE, b.baseUrl, b.apiKey, 5000, 60_000);
    // The example vendor's catalog is public, so a second key reads it too: it still gets its own entry.
    const otherKey = await connect(EXAMPLE, a.baseUrl, `${a.apiKey}-other`, 5000, 60_000);
    await Promise.all([clientA.listOffers(list), clientB.listOffers(list), otherKey.listOffers(list)]);
    expect(count(a.simulator)).toBe(2);
    expect(count(b.simulator)).toBe(1);
  });

  it('forgets an answer after its TTL and never keeps a failure', async () => {
    const { baseUrl, apiKey, simulator } = await vendor();
    const client = await connect(EXAMPLE, baseUrl, apiKey, 1000, 100);
    await client.listOffers(list);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client.listOffers(list);
    expect(count(simulator)).toBe(2);

    // The read route of list_offers answers 404 once: that failure is not kept.
    const route = simulator.log.at(-1)!.path;
    const stop = simulator.inject({
      path: new RegExp(`^${route.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
      action: { kind: 'status', status: 404, json: { detail: 'Not found' } },
    });
    const fresh = await connect(EXAMPLE, baseUrl, 'another-key-for-a-cold-entry', 1000, 60_000);
    await expect(fresh.listOffers(list)).rejects.toThrow();
    stop();
    expect((await fresh.listOffers(list)).offers.length).toBeGreaterThan(0);
  });

  it('without a TTL (direct connections) only concurrent reads share a fetch', async () => {
    const { baseUrl, apiKey, simulator } = await vendor();
    const client = await connect(EXAMPLE, baseUrl, apiKey, 5000);
    await Promise.all([client.listOffers(list), client.listOffers(list)]);
    await client.listOffers(list);
    expect(count(simulator)).toBe(2);
  });

  // Every other vendor with a live catalog: its listing is read once for concurrent callers
  // and reused by quotes; a second quote reads nothing new; a fresh quote reads again.
  it.each(FIXTURES.filter((f) => f.id !== ID && f.spec.capabilities.catalog === 'live').map((f) => [f.id, f] as const))(
    'caches the catalog and reference data of %s the same way',
    async (id, fixture) => {
      const v = await vendor(id);
      const client = await connect(fixture.spec, v.baseUrl, v.apiKey, 5000, 60_000);
      await Promise.all(Array.from({ length: 10 }, () => client.listOffers(fixture.listInput)));
      const listing = routesRead(v.simulator);
      expect(count(v.simulator, listing)).toBe(1);
      await client.prepareOrder(fixture.order);
      const read = routesRead(v.simulator);
      const afterQuote = count(v.simulator, read);
      const perRoute = () => new Map([...read].map((route) => [route, count(v.simulator, new Set([route]))]));
      const once = perRoute();
      await client.prepareOrder(fixture.order);
      expect(count(v.simulator, listing)).toBe(1);
      const twice = perRoute();
      await client.prepareOrder(fixture.order, { fresh: true });
      expect(count(v.simulator, read)).toBeGreaterThan(afterQuote);
      // Some route the quote reads came from the cache the second time and was read again when fresh.
      const fresh = perRoute();
      expect([...read].some((route) => twice.get(route) === once.get(route) && fresh.get(route)! > twice.get(route)!)).toBe(true);
    },
  );
});
