import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxycartError } from '../../src/errors.js';
import { LIFECYCLE_OPERATIONS, type Order, type ProviderClient } from '../../src/providers/types.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { connectParsed, FIXTURES, type VendorFixture } from '../fixtures.js';
import { rejection } from '../rejection.js';

// One contract for every provider, run against its simulator over real HTTP: list,
// quote, place, status, balance, and the documented errors. Each provider's own edge
// cases live in test/providers/<id>.test.ts.

const failure = (promise: Promise<unknown>) => rejection(promise);

/** What a provider's fixture misses of the fields ContractFixture requires (price: required when its quotes are priced). */
function missingFields(fixture: VendorFixture): string[] {
  const required: Array<[string, unknown]> = [
    ['listInput', fixture.listInput],
    ['order', fixture.order],
    ['invalidOrders', fixture.invalidOrders],
    ['unaffordableOrder', fixture.unaffordableOrder],
    ['wrongKey', fixture.wrongKey],
    ['probe', fixture.probe],
    ['probe.read', fixture.probe?.read],
    ['probe.read.operation', fixture.probe?.read?.operation],
    ['probe.read.path', fixture.probe?.read?.path],
    ['probe.money', fixture.probe?.money],
    ['probe.fundsError', fixture.probe?.fundsError],
    ['probe.authError', fixture.probe?.authError],
  ];
  if (fixture.spec.capabilities.quote !== 'unknown') required.push(['price', fixture.price]);
  if (fixture.price) {
    required.push(
      ['price.field', fixture.price.field],
      ['price.scale', fixture.price.scale],
      ['price.poison', fixture.price.poison],
      ['price.overflow', fixture.price.overflow],
    );
  }
  return required.filter(([, value]) => value === undefined || value === null || value === '').map(([name]) => name);
}

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s provider contract', (id, fixture) => {
  const { spec } = fixture;
  let sandbox: Sandbox;
  let client: ProviderClient;
  const vendor = () => sandbox.vendors[id]!;

  beforeAll(async () => {
    sandbox = await startSandbox([id]);
    client = await connectParsed(spec, { baseUrl: vendor().baseUrl, apiKey: vendor().apiKey, timeoutMs: 2000 });
  });
  afterAll(() => sandbox?.close());

  it('declares every field of its contract fixture', () => {
    expect(missingFields(fixture), `${id}: src/providers/${id}/fixture.ts misses fields`).toEqual([]);
    expect(fixture.invalidOrders.length, `${id}: no invalidOrders`).toBeGreaterThan(0);
    for (const invalid of fixture.invalidOrders) expect(invalid.message, `${id}: ${JSON.stringify(invalid.input)}`).toBeInstanceOf(RegExp);
    expect(fixture.probe.read.path, id).toBeInstanceOf(RegExp);
    expect(fixture.probe.money, id).toBeInstanceOf(RegExp);
    expect(['wallet_balance', 'list_offers'], id).toContain(fixture.probe.read.operation);
    if (fixture.probe.read.operation === 'wallet_balance') expect(spec.capabilities.balance, `${id}: probes wallet_balance without a balance`).toBe(true);
    expect(fixture.wrongKey, id).not.toBe(vendor().apiKey);
    if (fixture.price) expect(['invalid_input', 'unpriced'], id).toContain(fixture.price.overflow.expected);
  });

  it('declares its tool inputs as plain objects and its capabilities', () => {
    expect(spec.listOffersInput.def.type).toBe('object');
    expect(spec.placeOrderInput.def.type).toBe('object');
    expect('confirmation_token' in spec.placeOrderInput.shape).toBe(false);
    expect(typeof client.walletBalance === 'function').toBe(spec.capabilities.balance);
    if (!spec.capabilities.balance) expect(spec.unsupported?.wallet_balance).toMatch(/\w/);
  });

  it('lists offers', async () => {
    const list = await client.listOffers(fixture.listInput);
    expect(list.offers.length).toBeGreaterThan(0);
    for (const offer of list.offers) {
      expect(offer.name).toBeTruthy();
      expect(offer.price_from_usd === null || offer.price_from_usd > 0).toBe(true);
    }
    if (list.offers.every((o) => o.price_from_usd === null)) expect(list.notes?.length).toBeGreaterThan(0);
  });

  it('prepares and prices an order without any money request', async () => {
    const prepared = await client.prepareOrder(fixture.order);
    expect(prepared.quote.summary).toBeTruthy();
    expect(prepared.quote.price_source).toBe(spec.capabilities.quote);
    if (prepared.quote.price_source === 'unknown') expect(prepared.quote.total_usd).toBeNull();
    else expect(prepared.quote.total_usd).toBeGreaterThan(0);
    expect(vendor().simulator.moneyRequests()).toHaveLength(0);
  });

  it('refuses orders that break the vendor rules locally, before any money request', async () => {
    expect(fixture.invalidOrders.length).toBeGreaterThan(0);
    for (const invalid of fixture.invalidOrders) {
      const error = await failure(client.prepareOrder(invalid.input));
      expect(error.kind, JSON.stringify(invalid.input)).toBe('invalid_input');
      expect(error.message + (error.details.vendorMessage ?? '')).toMatch(invalid.message);
    }
    expect(vendor().simulator.moneyRequests()).toHaveLength(0);
  });

  it('places one order, debits the wallet, and follows it to active', async () => {
    const before = vendor().simulator.state.balance;
    const prepared = await client.prepareOrder(fixture.order);
    const placed = await client.placeOrder(prepared, crypto.randomUUID());
    expect(placed.id).toBeTruthy();
    expect(vendor().simulator.moneyRequests()).toHaveLength(1);
    let order: Order = placed;
    for (let i = 0; i < 40 && order.state === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      order = await client.orderStatus(placed.id, { lookup: prepared.lookup, references: placed.references as string[] | undefined });
    }
    expect(order.state).toBe('active');
    const total = order.total_usd ?? placed.total_usd ?? prepared.quote.total_usd!;
    expect(vendor().simulator.state.balance).toBeCloseTo(before - total, 2);
    if (prepared.quote.total_usd !== null) expect(total).toBeCloseTo(prepared.quote.total_usd, 2);
    if (client.walletBalance) expect((await client.walletBalance()).balance).toBeCloseTo(before - total, 2);
  });

  it('reports an unaffordable order as insufficient funds and charges nothing', async () => {
    expect(fixture.unaffordableOrder, id).toBeDefined();
    const before = vendor().simulator.state.balance;
    const orders = vendor().simulator.state.orders.size;
    const error = await failure(
      (async () => {
        const prepared = await client.prepareOrder(fixture.unaffordableOrder);
        if (prepared.quote.blocking) throw new ProxycartError('insufficient_funds', prepared.quote.blocking);
        return client.placeOrder(prepared, crypto.randomUUID());
      })(),
    );
    expect(error.kind).toBe('insufficient_funds');
    expect(vendor().simulator.state.balance).toBe(before);
    expect(vendor().simulator.state.orders.size).toBe(orders);
  });

  it('declares a tool for each lifecycle operation the vendor documents, with its fixture, and none for the others', () => {
    for (const operation of LIFECYCLE_OPERATIONS) {
      const declared = spec.operations?.[operation];
      if (declared) {
        expect(declared.input.shape, `${id} ${operation}`).toHaveProperty('order_id');
        expect(fixture.lifecycle?.operations[operation], `${id}: fixture.lifecycle misses ${operation}`).toBeDefined();
        expect(typeof client.prepareChange).toBe('function');
      } else {
        // No tool and no fixture; the README's capability table says why where the spec does (else "not documented").
        expect(fixture.lifecycle?.operations[operation], `${id}: a fixture for ${operation}, which it does not declare`).toBeUndefined();
        if (spec.unsupported?.[operation] !== undefined) expect(spec.unsupported[operation]).toMatch(/\w/);
      }
    }
  });

  const changes = Object.entries(fixture.lifecycle?.operations ?? {});
  it.skipIf(changes.length === 0).each(changes)(
    '%s: checks the order, prices the change without money, then changes it with one call',
    async (operation, change) => {
      const sim = vendor().simulator;
      sim.state.balance = 100;
      const placement = await client.prepareOrder(change.order);
      const placed = await client.placeOrder(placement, crypto.randomUUID());
      // What the ledger would hand back as the hint of an order placed through proxycart.
      const hint = { lookup: placement.lookup, references: placed.references as string[] | undefined };
      let order: Order = placed;
      for (let i = 0; i < 40 && order.state === 'pending'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        order = await client.orderStatus(placed.id, hint);
      }
      expect(order.state).toBe('active');
      const moneyBefore = sim.moneyRequests().length;
      const op = operation as keyof typeof spec.operations & string;
      const prepared = await client.prepareChange!(op as never, { order_id: placed.id, ...change.args }, undefined, hint);
      expect(sim.moneyRequests()).toHaveLength(moneyBefore);
      expect(prepared.change?.order_id).toBe(placed.id);
      expect(prepared.quote.summary).toContain(placed.id);
      if (change.scale) expect(prepared.quote.total_usd).toBeGreaterThan(0);
      const before = sim.state.balance;
      const changed = await client.applyChange!(prepared, crypto.randomUUID());
      expect(changed.id).toBe(placed.id);
      if (change.scale) {
        expect(sim.moneyRequests()).toHaveLength(moneyBefore + 1);
        expect(before - sim.state.balance).toBeCloseTo(prepared.quote.total_usd!, 2);
      } else {
        expect(sim.state.balance).toBe(before);
      }
      if (operation === 'extend_order') {
        expect(Date.parse(String(changed.expires_at))).toBeGreaterThan(Date.parse(String(order.expires_at)));
        const after = await client.orderStatus(placed.id, hint);
        expect(after.expires_at).toBe(changed.expires_at);
      }
      // Another account's order is not found, and nothing is spent finding out.
      const foreign = await failure(client.prepareChange!(op as never, { order_id: fixture.lifecycle!.foreignOrderId, ...change.args }));
      expect(foreign.kind).toBe('not_found');
      expect(sim.moneyRequests()).toHaveLength(moneyBefore + (change.scale ? 1 : 0));
    },
  );

  it('reports an unknown order as not found', async () => {
    expect((await failure(client.orderStatus('00000000-0000-4000-8000-000000000000'))).kind).toBe('not_found');
  });

  it('reports a wrong key as an auth error without the key in it', async () => {
    const { wrongKey } = fixture;
    const wrong = await connectParsed(spec, { baseUrl: vendor().baseUrl, apiKey: wrongKey, timeoutMs: 2000 });
    const call = wrong.walletBalance ? wrong.walletBalance() : wrong.orderStatus('00000000-0000-4000-8000-000000000000');
    const error = await failure(call);
    expect(error.kind).toBe('auth');
    expect(`${error.message} ${error.details.vendorMessage ?? ''} ${error.advice}`).not.toContain(wrongKey);
  });
});
