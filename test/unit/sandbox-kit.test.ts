import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import {
  apiKeyAuth,
  guardedRoute,
  header,
  idempotency,
  type KeyLocation,
  rateLimit,
  type SimResponse,
  Simulator,
  type StoredReply,
  type VendorState,
} from '../../src/sandbox/kit.js';

// A tiny vendor built only from the kit, over real HTTP on loopback: a key, a per-minute limit,
// an idempotent money route and a seed that reset() goes back to.

const KEY = 'tiny_sandbox_key';

interface TinyState extends VendorState {
  orders: Map<string, { id: string; amount: number }>;
  catalog: string[];
  idempotency: Map<string, StoredReply>;
  rateLimitPerMinute: number;
  priceFactor: number;
}

function seed(): TinyState {
  return { balance: 50, orders: new Map(), catalog: ['small', 'large'], idempotency: new Map(), rateLimitPerMinute: 0, priceFactor: 1 };
}

function tinyVendor(from: KeyLocation = { header: 'x-key' }) {
  const state = seed();
  let serial = 0;
  const envelope = (status: number, json: unknown, headers: Record<string, string> = {}): SimResponse => ({
    status,
    json,
    headers: { 'x-tiny': 'yes', ...headers },
  });
  const auth = apiKeyAuth({
    key: KEY,
    from,
    missing: () => envelope(401, { problem: 'no key' }),
    wrong: () => envelope(403, { problem: 'bad key' }),
  });
  const limit = rateLimit({
    limit: () => state.rateLimitPerMinute,
    caller: (request) => header(request, 'x-key') ?? 'anonymous',
    refuse: (perMinute, wait) => envelope(429, { problem: `over ${perMinute}/min` }, { 'retry-after': String(wait) }),
  });
  const replies = idempotency({
    store: () => state.idempotency,
    key: (request) => header(request, 'idempotency-key'),
    conflict: () => envelope(409, { problem: 'key reused' }),
    replay: (stored) => envelope(stored.status, stored.json),
  });
  const routes = [
    guardedRoute('GET', '/catalog', [limit.check], () => envelope(200, { items: state.catalog })),
    guardedRoute('GET', '/balance', [limit.check, auth.check], () => envelope(200, { balance: state.balance })),
    guardedRoute('POST', '/k/:key/balance', [auth.check], () => envelope(200, { balance: state.balance })),
    guardedRoute(
      'POST',
      '/orders',
      [limit.check, auth.check],
      (request) => {
        const replayed = replies.check(request);
        if (replayed) return replayed;
        const amount = Number((request.body as { amount?: unknown } | undefined)?.amount) * state.priceFactor;
        if (!(amount > 0) || amount > state.balance) return envelope(400, { problem: 'cannot pay' });
        state.balance -= amount;
        serial += 1;
        const order = { id: `o${serial}`, amount };
        state.orders.set(order.id, order);
        const created = envelope(201, order);
        replies.remember(request, created);
        return created;
      },
      true,
    ),
  ];
  return new Simulator<TinyState>('tiny', '/api', routes, state, { seed, onReset: limit.reset });
}

let sim: Simulator<TinyState> | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(from?: KeyLocation): Promise<string> {
  sim = tinyVendor(from);
  return sim.listen();
}

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('kit auth', () => {
  it('answers the vendor’s missing-key and wrong-key refusals, and lets the right key and public routes through', async () => {
    const base = await start();
    const missing = await call(`${base}/balance`);
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('{"problem":"no key"}');
    expect(missing.headers.get('x-tiny')).toBe('yes');
    const wrong = await call(`${base}/balance`, { headers: { 'x-key': 'nope' } });
    expect(wrong.status).toBe(403);
    expect(wrong.text).toBe('{"problem":"bad key"}');
    const right = await call(`${base}/balance`, { headers: { 'x-key': KEY } });
    expect(right.status).toBe(200);
    expect(right.text).toBe('{"balance":50}');
    const open = await call(`${base}/catalog`);
    expect(open.status).toBe(200);
    expect(open.text).toBe('{"items":["small","large"]}');
  });

  it('reads the key from a Bearer header, a path segment or a body field', async () => {
    const bearer = await start({ bearer: true });
    expect((await call(`${bearer}/balance`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await call(`${bearer}/balance`, { headers: { authorization: 'Bearer other' } })).status).toBe(403);
    expect((await call(`${bearer}/balance`, { headers: { authorization: KEY } })).status).toBe(401);
    await sim!.close();

    const path = await start({ pathParam: 'key' });
    expect((await call(`${path}/k/${KEY}/balance`, { method: 'POST' })).text).toBe('{"balance":50}');
    expect((await call(`${path}/k/other/balance`, { method: 'POST' })).status).toBe(403);
    await sim!.close();

    const body = await start({ bodyField: 'api_key' });
    expect((await call(`${body}/k/x/balance`, { method: 'POST', body: { api_key: KEY } })).status).toBe(200);
    expect((await call(`${body}/k/x/balance`, { method: 'POST', body: { api_key: 'other' } })).status).toBe(403);
    expect((await call(`${body}/k/x/balance`, { method: 'POST', body: {} })).status).toBe(401);
  });
});

describe('kit rate limit', () => {
  it('allows N per minute per caller, then answers the vendor’s 429 with Retry-After', async () => {
    const base = await start();
    sim!.state.rateLimitPerMinute = 2;
    const headers = { 'x-key': KEY };
    expect((await call(`${base}/balance`, { headers })).status).toBe(200);
    expect((await call(`${base}/balance`, { headers })).status).toBe(200);
    const over = await call(`${base}/balance`, { headers });
    expect(over.status).toBe(429);
    expect(over.text).toBe('{"problem":"over 2/min"}');
    const wait = Number(over.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    // Another caller has its own window.
    expect((await call(`${base}/catalog`)).status).toBe(200);
    // 0 switches the limit off.
    sim!.state.rateLimitPerMinute = 0;
    for (let i = 0; i < 5; i += 1) expect((await call(`${base}/balance`, { headers })).status).toBe(200);
  });
});

describe('kit idempotency', () => {
  it('replays the stored reply for the same body and answers the conflict for a different one', async () => {
    const base = await start();
    const headers = { 'x-key': KEY, 'idempotency-key': 'k-1' };
    const first = await call(`${base}/orders`, { method: 'POST', headers, body: { amount: 10, note: 'a' } });
    expect(first.status).toBe(201);
    expect(first.text).toBe('{"id":"o1","amount":10}');
    // Same body, keys in another order: the stored reply, nothing charged twice.
    const again = await call(`${base}/orders`, { method: 'POST', headers, body: { note: 'a', amount: 10 } });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('x-tiny')).toBe('yes');
    expect(sim!.state.balance).toBe(40);
    expect(sim!.state.orders.size).toBe(1);
    const conflict = await call(`${base}/orders`, { method: 'POST', headers, body: { amount: 11, note: 'a' } });
    expect(conflict.status).toBe(409);
    expect(conflict.text).toBe('{"problem":"key reused"}');
    // No key: every request runs.
    const unkeyed = await call(`${base}/orders`, { method: 'POST', headers: { 'x-key': KEY }, body: { amount: 10, note: 'a' } });
    expect(unkeyed.text).toBe('{"id":"o2","amount":10}');
    expect(sim!.state.balance).toBe(30);
  });
});

describe('Simulator.reset()', () => {
  it('puts wallet, catalog, price factor, orders, stored replies, faults, log and rate windows back to the seed', async () => {
    const base = await start();
    const state = sim!.state;
    const headers = { 'x-key': KEY, 'idempotency-key': 'k-1' };
    expect((await call(`${base}/orders`, { method: 'POST', headers, body: { amount: 10 } })).status).toBe(201);
    state.catalog.push('huge');
    state.priceFactor = 2;
    state.rateLimitPerMinute = 1;
    sim!.inject({ path: /^\/catalog$/, action: { kind: 'status', status: 503 } });
    expect((await call(`${base}/catalog`)).status).toBe(503);
    expect(sim!.log.length).toBeGreaterThan(0);

    sim!.reset();
    expect(sim!.state).toBe(state); // the same object: handlers and tests keep holding it
    expect(state.balance).toBe(50);
    expect(state.catalog).toEqual(['small', 'large']);
    expect(state.priceFactor).toBe(1);
    expect(state.orders.size).toBe(0);
    expect(state.idempotency.size).toBe(0);
    expect(state.rateLimitPerMinute).toBe(0);
    expect(sim!.log).toEqual([]);

    const catalog = await call(`${base}/catalog`);
    expect(catalog.status).toBe(200);
    expect(catalog.text).toBe('{"items":["small","large"]}');
    // The old key is gone: the same key with another body is a new order, not a conflict.
    const fresh = await call(`${base}/orders`, { method: 'POST', headers, body: { amount: 5 } });
    expect(fresh.status).toBe(201);
    expect(state.balance).toBe(45);
    // The rate windows are forgotten too: a caller at its limit may call again after reset().
    state.rateLimitPerMinute = 1;
    expect((await call(`${base}/balance`, { headers: { 'x-key': KEY } })).status).toBe(200);
    expect((await call(`${base}/balance`, { headers: { 'x-key': KEY } })).status).toBe(429);
    sim!.reset();
    state.rateLimitPerMinute = 1;
    expect((await call(`${base}/balance`, { headers: { 'x-key': KEY } })).status).toBe(200);
    expect((await call(`${base}/balance`, { headers: { 'x-key': KEY } })).status).toBe(429);
  });

  it('without a seed, goes back to the state the simulator was built with', async () => {
    const state = { balance: 7, orders: new Map([['a', { id: 'a' }]]), now: () => 1 };
    const bare = new Simulator('bare', '/', [], state);
    state.balance = 1;
    state.orders.clear();
    bare.reset();
    expect(state.balance).toBe(7);
    expect([...state.orders.keys()]).toEqual(['a']);
    expect(state.now()).toBe(1);
  });
});

describe('reset() of every registered vendor simulator', () => {
  it('brings wallet, orders and data back to a fresh simulator’s, whatever the vendor’s fields', async () => {
    const modules = await Promise.all(PROVIDERS.map((spec) => spec.simulator()));
    for (const module of modules) {
      const vendor = module.createSimulator() as Simulator;
      const fresh = module.createSimulator() as Simulator;
      const state = vendor.state as VendorState & Record<string, unknown>;
      const freshState = fresh.state as unknown as Record<string, unknown>;
      const ordersBefore = [...state.orders.keys()];
      state.balance = 0.5;
      state.orders.set('extra', {});
      if ('priceFactor' in state) state.priceFactor = 3;
      if (Array.isArray(state.catalog)) state.catalog.length = 0;
      if (Array.isArray(state.plans)) state.plans.length = 0;
      vendor.inject({ action: { kind: 'status', status: 500 } });
      vendor.reset();
      expect(state.balance, vendor.name).toBe(fresh.state.balance);
      expect([...state.orders.keys()], vendor.name).toEqual(ordersBefore);
      expect(Object.keys(state).sort(), vendor.name).toEqual(Object.keys(fresh.state).sort());
      if ('priceFactor' in state) expect(state.priceFactor).toBe(1);
      if (Array.isArray(state.catalog)) expect(state.catalog).toEqual(freshState.catalog);
      if (Array.isArray(state.plans)) expect(state.plans).toEqual(freshState.plans);
      // The fault is gone: the simulator answers again.
      const base = await vendor.listen();
      const response = await fetch(`${base}/nowhere`);
      expect(response.status, vendor.name).toBe(404);
      await vendor.close();
    }
  });
});
