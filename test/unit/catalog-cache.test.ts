import { afterAll, describe, expect, it } from 'vitest';
import { provider as novaproxy } from '../../src/providers/novaproxy/index.js';
import { provider as proxyjam } from '../../src/providers/proxyjam/index.js';
import { provider as proxyseller } from '../../src/providers/proxyseller/index.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ProxyJamState } from '../../src/sandbox/proxyjam.js';

// The catalog cache against real simulators, counted in their request logs: one fetch for
// concurrent callers, reuse within the TTL, a fresh read on demand, and never an answer
// from another environment (base URL or key).

const sandboxes: Sandbox[] = [];
async function vendor(id: 'proxyjam' | 'proxyseller' | 'novaproxy') {
  const sandbox = await startSandbox([id]);
  sandboxes.push(sandbox);
  const v = sandbox.vendors[id]!;
  v.simulator.state.rateLimitPerMinute = 0;
  return v;
}
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
});

const count = (sim: Simulator, path: RegExp) => sim.log.filter((entry) => entry.method === 'GET' && path.test(entry.path)).length;

describe('catalog cache', () => {
  it('answers 50 concurrent list_offers with one vendor request, and quotes from the same answer', async () => {
    const { baseUrl, apiKey, simulator } = await vendor('proxyjam');
    const client = await proxyjam.connect({ baseUrl, apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    const lists = await Promise.all(Array.from({ length: 50 }, () => client.listOffers({})));
    expect(count(simulator, /^\/catalog$/)).toBe(1);
    expect(new Set(lists.map((l) => l.offers.length)).size).toBe(1);
    await client.prepareOrder({ offer_id: 51, period_days: 30 });
    expect(count(simulator, /^\/catalog$/)).toBe(1);
  });

  it('reads fresh prices when asked, and keeps the fresh answer', async () => {
    const { baseUrl, apiKey, simulator } = await vendor('proxyjam');
    const client = await proxyjam.connect({ baseUrl, apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    expect((await client.prepareOrder({ offer_id: 51, period_days: 30 })).quote.total_usd).toBe(1.2);
    (simulator.state as ProxyJamState).catalog.find((o) => o.id === 51)!.options[1]!.price = 1.5;
    expect((await client.prepareOrder({ offer_id: 51, period_days: 30 })).quote.total_usd).toBe(1.2);
    expect((await client.prepareOrder({ offer_id: 51, period_days: 30 }, { fresh: true })).quote.total_usd).toBe(1.5);
    expect(count(simulator, /^\/catalog$/)).toBe(2);
    expect((await client.prepareOrder({ offer_id: 51, period_days: 30 })).quote.total_usd).toBe(1.5);
    expect(count(simulator, /^\/catalog$/)).toBe(2);
  });

  it('never shares an answer between environments: another base URL or another key fetches its own', async () => {
    const a = await vendor('proxyjam');
    const b = await vendor('proxyjam');
    const clientA = await proxyjam.connect({ baseUrl: a.baseUrl, apiKey: a.apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    const clientB = await proxyjam.connect({ baseUrl: b.baseUrl, apiKey: b.apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    // ProxyJam's catalog is public, so a second key reads it too: it still gets its own entry.
    const otherKey = await proxyjam.connect({ baseUrl: a.baseUrl, apiKey: `${a.apiKey}-other`, timeoutMs: 5000, catalogTtlMs: 60_000 });
    await Promise.all([clientA.listOffers({}), clientB.listOffers({}), otherKey.listOffers({})]);
    expect(count(a.simulator, /^\/catalog$/)).toBe(2);
    expect(count(b.simulator, /^\/catalog$/)).toBe(1);
  });

  it('forgets an answer after its TTL and never keeps a failure', async () => {
    const { baseUrl, apiKey, simulator } = await vendor('proxyjam');
    const client = await proxyjam.connect({ baseUrl, apiKey, timeoutMs: 1000, catalogTtlMs: 100 });
    await client.listOffers({});
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client.listOffers({});
    expect(count(simulator, /^\/catalog$/)).toBe(2);

    const stop = simulator.inject({ path: /^\/catalog$/, action: { kind: 'status', status: 404, json: { detail: 'Not found' } } });
    const fresh = await proxyjam.connect({ baseUrl, apiKey: 'another-key-for-a-cold-entry', timeoutMs: 1000, catalogTtlMs: 60_000 });
    await expect(fresh.listOffers({})).rejects.toThrow();
    stop();
    expect((await fresh.listOffers({})).offers.length).toBeGreaterThan(0);
  });

  it('without a TTL (direct connections) only concurrent reads share a fetch', async () => {
    const { baseUrl, apiKey, simulator } = await vendor('proxyjam');
    const client = await proxyjam.connect({ baseUrl, apiKey, timeoutMs: 5000 });
    await Promise.all([client.listOffers({}), client.listOffers({})]);
    await client.listOffers({});
    expect(count(simulator, /^\/catalog$/)).toBe(2);
  });

  it('caches Proxy-Seller reference data and NovaProxy plans the same way', async () => {
    const ps = await vendor('proxyseller');
    const seller = await proxyseller.connect({ baseUrl: ps.baseUrl, apiKey: ps.apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    await Promise.all(Array.from({ length: 10 }, () => seller.listOffers({ type: 'ipv4' })));
    await seller.prepareOrder({ type: 'ipv4', countryId: 563, periodId: '1m', quantity: 1 });
    expect(count(ps.simulator, /\/reference\/list\/ipv4$/)).toBe(1);
    await seller.prepareOrder({ type: 'ipv4', countryId: 563, periodId: '1m', quantity: 1 }, { fresh: true });
    expect(count(ps.simulator, /\/reference\/list\/ipv4$/)).toBe(2);

    const np = await vendor('novaproxy');
    const nova = await novaproxy.connect({ baseUrl: np.baseUrl, apiKey: np.apiKey, timeoutMs: 5000, catalogTtlMs: 60_000 });
    await Promise.all(Array.from({ length: 10 }, () => nova.listOffers({})));
    expect(count(np.simulator, /^\/plans$/)).toBe(1);
    await nova.prepareOrder({ plan: 'residential', bandwidth: 2 });
    await nova.prepareOrder({ plan: 'residential', bandwidth: 3 });
    expect(count(np.simulator, /^\/plans\/residential$/)).toBe(1);
    await nova.prepareOrder({ plan: 'residential', bandwidth: 3 }, { fresh: true });
    expect(count(np.simulator, /^\/plans\/residential$/)).toBe(2);
  });
});
