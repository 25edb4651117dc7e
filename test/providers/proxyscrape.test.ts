import { afterEach, describe, expect, it } from 'vitest';
import { ProxycartError } from '../../src/errors.js';
import { recoverLostOrder } from '../../src/guard/reconcile.js';
import type { HttpResponse } from '../../src/http/client.js';
import { interpretVendorError } from '../../src/http/vendor-errors.js';
import { resolveCountry } from '../../src/providers/countries.js';
import { statusDataSchema } from '../../src/providers/proxyscrape/api.js';
import { errorTable } from '../../src/providers/proxyscrape/errors.js';
import { provider } from '../../src/providers/proxyscrape/index.js';
import { classifyStatus, createdOrder, parseAmount, toBalance, toOrder } from '../../src/providers/proxyscrape/map.js';
import { buildOrder, familyOf, subscriptionOf } from '../../src/providers/proxyscrape/rules.js';
import { placeOrderInput } from '../../src/providers/proxyscrape/schemas.js';
import type { Order, ProviderClient } from '../../src/providers/types.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { createSimulator, FOREIGN_ORDER_ID, type ProxyScrapeSimOptions, sandboxKey } from '../../src/sandbox/proxyscrape.js';
import { ERRORS } from '../../src/sandbox/seeds/proxyscrape.js';
import { jsonSchema } from '../../src/tools/define.js';
import { connectParsed } from '../fixtures.js';
import { rejection } from '../rejection.js';

// The vendor's documented sentences, as its simulator answers them.
const MSG = ERRORS;

const SEED_BODY = { type: 'new_datacenter_shared', country: 'Belgium', is_subscription: true, days: 30, proxies: { mixed: 1000 }, bandwidth: 0 };
const WRONG_KEY = 'ps_WRONGwrongWRONGwrongWRONGwrong9999';

const failure = (promise: Promise<unknown>) => rejection(promise);

/** Every text an error carries must be free of both keys. */
function expectNoKey(error: ProxycartError): void {
  const text = `${error.message} ${error.advice} ${JSON.stringify(error.details)} ${error.stack ?? ''}`;
  expect(text).not.toContain(sandboxKey);
  expect(text).not.toContain(WRONG_KEY);
}

/** The error the shared interpreter makes of an answer with ProxyScrape's table. */
const toVendorError = (answer: HttpResponse) => interpretVendorError(errorTable, answer);

function response(status: number, body: unknown): HttpResponse {
  return { status, body, text: JSON.stringify(body), headers: {} };
}

// ---------------------------------------------------------------------------------------
describe('proxyscrape map', () => {
  it('classifies every documented status word', () => {
    expect(classifyStatus('paid')).toBe('pending');
    expect(classifyStatus('processed')).toBe('active');
    expect(classifyStatus('blocked')).toBe('failed');
    expect(classifyStatus('failed')).toBe('failed');
    expect(classifyStatus('refunded')).toBe('refunded');
    expect(classifyStatus('PROCESSED')).toBe('active');
  });

  it('keeps polling on an undocumented status word and says so', () => {
    expect(classifyStatus('queued')).toBe('pending');
    expect(classifyStatus('constructor')).toBe('pending');
    const order = toOrder({ status: 'queued', order_id: 'a' }, 'a');
    expect(order.state).toBe('pending');
    expect(order.note).toMatch(/undocumented status "queued"/);
  });

  it('maps the documented "while processing" shape', () => {
    const data = statusDataSchema.parse({
      order_id: '0bc1a40f-2a17-4c84-9b2b-f4b9d3e0b3a1',
      status: 'paid',
      type: 'new_datacenter_shared',
      created_at: 1717000000,
      updated_at: 1717000000,
      price: '26.10',
      currency: 'USD',
      paid_with_credit: true,
      subaccount: null,
    });
    const order = toOrder(data, 'ignored');
    expect(order).toMatchObject({
      id: '0bc1a40f-2a17-4c84-9b2b-f4b9d3e0b3a1',
      status: 'paid',
      state: 'pending',
      total_usd: 26.1,
      proxies: [],
      type: 'new_datacenter_shared',
      price: '26.10',
      currency: 'USD',
      paid_with_credit: true,
      created_at: '2024-05-29T16:26:40.000Z',
    });
    expect(order.subaccount).toBeUndefined();
    expect(order.proxy_list_path).toBeUndefined();
  });

  it('maps the documented "processed" shape with the subaccount and the proxy-list path', () => {
    const data = statusDataSchema.parse({
      order_id: '0bc1a40f-2a17-4c84-9b2b-f4b9d3e0b3a1',
      status: 'processed',
      type: 'new_datacenter_shared',
      created_at: 1717000000,
      updated_at: 1717000010,
      price: '26.10',
      currency: 'USD',
      paid_with_credit: true,
      subaccount: { AccountID: '9e4d49b0-c999-46f6-aa98-47476a6aef0b', AccountType: 'datacenter_shared', label: 'Account 8 (Premium)', time_added: 1717000010 },
    });
    const order = toOrder(data, 'x');
    expect(order.state).toBe('active');
    expect(order.subaccount).toEqual({
      AccountID: '9e4d49b0-c999-46f6-aa98-47476a6aef0b',
      AccountType: 'datacenter_shared',
      label: 'Account 8 (Premium)',
      time_added: '2024-05-29T16:26:50.000Z',
    });
    expect(order.proxy_list_path).toBe('/v4/account/9e4d49b0-c999-46f6-aa98-47476a6aef0b/datacenter_shared/proxy-list');
    // The proxy-list answer is undocumented: no proxies are made up.
    expect(order.proxies).toEqual([]);
    expect(order.updated_at).toBe('2024-05-29T16:26:50.000Z');
  });

  it('maps blocked with its reason, failed, and refunded', () => {
    const blocked = toOrder({ status: 'blocked', order_id: 'b', price: '5.00', block_reason: 'fraud check' }, 'b');
    expect(blocked).toMatchObject({ state: 'failed', status: 'blocked', block_reason: 'fraud check', total_usd: 5 });
    expect(toOrder({ status: 'failed', order_id: 'f' }, 'f').state).toBe('failed');
    const refunded = toOrder({ status: 'refunded', order_id: 'r', price: 9 }, 'r');
    expect(refunded.state).toBe('refunded');
    expect(refunded.note).toMatch(/no longer valid/);
  });

  it('takes the price from a string or number, and only counts USD', () => {
    expect(parseAmount('26.10')).toBe(26.1);
    expect(parseAmount(42.5)).toBe(42.5);
    expect(parseAmount('')).toBeNull();
    expect(parseAmount('n/a')).toBeNull();
    expect(parseAmount(null)).toBeNull();
    expect(toOrder({ status: 'paid', order_id: 'e', price: '20.00', currency: 'EUR' }, 'e')).toMatchObject({
      total_usd: null,
      price: '20.00',
      currency: 'EUR',
    });
    expect(toOrder({ status: 'paid', price: 'abc' }, 'fallback-id')).toMatchObject({ id: 'fallback-id', total_usd: null });
  });

  it('describes a just-created order from its bare id', () => {
    expect(createdOrder('abc')).toMatchObject({ id: 'abc', status: 'paid', state: 'pending', total_usd: null, proxies: [] });
  });

  it('maps the balance shape', () => {
    expect(toBalance({ balance: 42.5, currency: 'USD' })).toEqual({ balance: 42.5, currency: 'USD' });
    expect(toBalance({ balance: '42.50', currency: 'usd' })).toEqual({ balance: 42.5, currency: 'USD' });
    expect(toBalance({ balance: 'lots' })).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape vendor errors', () => {
  const cases: Array<[number, string, string]> = [
    [400, MSG.pricing, 'invalid_input'],
    [400, MSG.funds, 'insufficient_funds'],
    [401, MSG.identity, 'auth'],
    [403, MSG.writeDenied, 'auth'],
    [403, MSG.readDenied, 'auth'],
    [404, MSG.notFound, 'not_found'],
  ];
  it.each(cases)('HTTP %i "%s" → %s with the vendor message', (status, message, kind) => {
    const error = toVendorError(response(status, { success: false, error: message }))!;
    expect(error.kind).toBe(kind);
    expect(error.details.vendorMessage).toBe(message);
    expect(error.details.httpStatus).toBe(status);
  });

  it('tells which permission to ask for', () => {
    expect(toVendorError(response(403, { success: false, error: MSG.writeDenied }))!.advice).toMatch(/account:api_ordering:write/);
    expect(toVendorError(response(403, { success: false, error: MSG.readDenied }))!.advice).toMatch(/account:api_ordering:read/);
  });

  it('falls back to patterns and then to the HTTP code', () => {
    expect(toVendorError(response(400, { success: false, error: 'Insufficient balance for this order' }))!.kind).toBe('insufficient_funds');
    expect(toVendorError(response(403, { success: false, error: 'Forbidden' }))!.kind).toBe('auth');
    expect(toVendorError(response(401, { success: false, error: 'Token expired' }))!.kind).toBe('auth');
    expect(toVendorError(response(404, { success: false, error: 'Nope' }))!.kind).toBe('not_found');
    expect(toVendorError(response(400, { success: false, error: 'Invalid pricing for type x' }))!.kind).toBe('invalid_input');
    const other = toVendorError(response(400, { success: false, error: 'Something odd happened' }))!;
    expect(other.kind).toBe('vendor_error');
    expect(other.details.vendorMessage).toBe('Something odd happened');
    // An error envelope inside HTTP 200 is still an error.
    expect(toVendorError(response(200, { success: false, error: 'Weird' }))!.kind).toBe('vendor_error');
    // Prototype names are not documented messages.
    expect(toVendorError(response(400, { success: false, error: 'constructor' }))!.kind).toBe('vendor_error');
    // The HTTP code outranks the later patterns, as before the table: 403 is permission, 401 the key.
    const unauthorized403 = toVendorError(response(403, { success: false, error: 'Unauthorized' }))!;
    expect(unauthorized403.message).toBe('ProxyScrape refused the request for lack of permission (HTTP 403).');
    expect(unauthorized403.advice).toMatch(/account:api_ordering:write \(orders\)/);
    expect(toVendorError(response(403, { success: false, error: 'No reading allowed' }))!.advice).toMatch(/permission \(it is off by default\) to read/);
    expect(toVendorError(response(200, { success: false, error: 'Permission to read the balance missing' }))!.advice).toMatch(/to read order status/);
    expect(toVendorError(response(401, { success: false, error: 'Not found' }))!.message).toBe('ProxyScrape refused the credentials (HTTP 401).');
    expect(toVendorError(response(404, { success: false, error: 'Bad pricing' }))!.kind).toBe('not_found');
    // No sentence at all: the HTTP code alone.
    expect(toVendorError(response(403, { success: false }))!.kind).toBe('auth');
    expect(toVendorError(response(404, { success: false }))!.message).toBe('ProxyScrape found no such resource (HTTP 404).');
    expect(toVendorError(response(400, { success: false }))!.message).toBe('ProxyScrape rejected the request (HTTP 400).');
  });

  it('lets successes and non-JSON failures through to the HTTP client', () => {
    expect(toVendorError(response(200, { success: true, data: 'id' }))).toBeUndefined();
    expect(toVendorError({ status: 502, body: undefined, text: '<html>', headers: {} })).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape country names', () => {
  it('translates ISO codes to the full English name', () => {
    expect(resolveCountry('BE')).toEqual({ name: 'Belgium', code: 'BE', translated: true });
    expect(resolveCountry('us')?.name).toBe('United States');
    expect(resolveCountry('UK')).toMatchObject({ name: 'United Kingdom', code: 'GB' });
  });

  it('accepts full names, fixing only the case', () => {
    expect(resolveCountry('belgium')).toEqual({ name: 'Belgium', code: 'BE', translated: false });
    expect(resolveCountry('  United   States ')?.name).toBe('United States');
    expect(resolveCountry('Bosnia and Herzegovina')).toMatchObject({ name: 'Bosnia and Herzegovina', code: 'BA' });
    expect(resolveCountry('Saint Lucia')).toMatchObject({ code: 'LC' });
    expect(resolveCountry('Turkey')).toMatchObject({ name: 'Turkey', code: 'TR' });
    expect(resolveCountry('Hong Kong')).toMatchObject({ name: 'Hong Kong', code: 'HK' });
  });

  it('refuses unknown codes, non-countries and made-up names', () => {
    for (const input of ['XX', 'EU', 'ZZ', 'UN', 'Atlantis', 'European Union', '']) expect(resolveCountry(input), input).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape order rules', () => {
  it('builds the documented example body with literal proxies[<location>] keys', () => {
    const built = buildOrder(placeOrderInput.parse(SEED_BODY));
    expect(built.request).toEqual({ type: 'new_datacenter_shared', country: 'Belgium', is_subscription: true, days: 30, 'proxies[mixed]': 1000, bandwidth: 0 });
    expect(Object.keys(built.request)).toEqual(['type', 'country', 'is_subscription', 'days', 'proxies[mixed]', 'bandwidth']);
    expect(built.summary).toBe('new_datacenter_shared: 1,000 IPs (mixed), 30 days, unlimited bandwidth, subscription, Belgium');
    // The subscription is a recurring charge the guard refuses unless allowed (PROXYCART_ALLOW_RECURRING), said in plain words.
    expect(subscriptionOf(placeOrderInput.parse(SEED_BODY))).toMatchObject({ field: 'is_subscription', every: null, price_usd: null });
    expect(subscriptionOf(placeOrderInput.parse(SEED_BODY))?.note).toMatch(/does not say how often .* \(this order is for 30 days\)/);
    expect(subscriptionOf(placeOrderInput.parse({ ...SEED_BODY, is_subscription: false }))).toBeUndefined();
  });

  it('translates a code, sends several pools, and trims text fields', () => {
    const built = buildOrder(
      placeOrderInput.parse({ type: ' new_datacenter_shared ', country: 'de', duration: '60d', proxies: { us: 250, mixed: 100 }, coupon_code: ' SAVE ' }),
    );
    expect(built.request).toEqual({
      type: 'new_datacenter_shared',
      country: 'Germany',
      'proxies[mixed]': 100,
      'proxies[us]': 250,
      duration: '60d',
      coupon_code: 'SAVE',
    });
    expect(built.summary).toBe('new_datacenter_shared: 100 IPs (mixed) + 250 IPs (us), 60 days, Germany, coupon SAVE');
    expect(built.warnings).toContain('country de is sent as "Germany".');
  });

  it('reads the product family from the type words', () => {
    expect(familyOf('new_datacenter_shared')).toBe('datacenter');
    expect(familyOf('new_residential')).toBe('residential');
    expect(familyOf('residential_unlimited')).toBe('residential_unlimited');
    expect(familyOf('serp_package')).toBe('serp');
    expect(familyOf('new_isp')).toBe('unknown');
  });

  it('passes residential, residential unlimited and SERP bodies by their rules', () => {
    expect(buildOrder(placeOrderInput.parse({ type: 'new_residential', country: 'US', bandwidth: 5 })).summary).toBe(
      'new_residential: no expiry, 5 GB, United States',
    );
    expect(buildOrder(placeOrderInput.parse({ type: 'res_unlimited_residential', country: 'US', location: 'loc-7', duration: '30d' })).request).toEqual({
      type: 'res_unlimited_residential',
      country: 'United States',
      duration: '30d',
      location: 'loc-7',
    });
    expect(buildOrder(placeOrderInput.parse({ type: 'serp', country: 'FR', is_subscription: false })).summary).toBe('serp: no expiry, one-off, France');
  });

  it('lets an unknown product family through with a warning', () => {
    const built = buildOrder(placeOrderInput.parse({ type: 'new_isp', country: 'US', proxies: { us: 10 }, days: 30 }));
    expect(built.request['proxies[us]']).toBe(10);
    expect(built.warnings.join(' ')).toMatch(/not published, so they were not checked/);
  });

  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ type: 'new_datacenter_shared', country: 'BE', days: 30 }, /needs proxies/],
    [{ type: 'new_datacenter_shared', country: 'BE', proxies: { mixed: 100 } }, /needs days/],
    [{ type: 'new_datacenter_shared', country: 'BE', days: 30, duration: '30d', proxies: { mixed: 100 } }, /either days or duration/],
    [{ type: 'new_datacenter_shared', country: 'BE', days: 30, proxies: { mixed: 100 }, location: 'x' }, /location applies to residential unlimited/],
    [{ type: 'new_residential', country: 'BE', bandwidth: 5, proxies: { mixed: 100 } }, /datacenter types only/],
    [{ type: 'new_residential', country: 'BE', bandwidth: 0 }, /needs bandwidth/],
    [{ type: 'new_residential', country: 'BE', bandwidth: 5, days: 30 }, /days applies to datacenter/],
    [{ type: 'serp', country: 'BE', location: 'x' }, /location applies to residential unlimited/],
    [{ type: 'residential_unlimited', country: 'BE' }, /needs location/],
    [{ type: 'residential_unlimited', country: 'BE', location: '  ' }, /location is empty/],
    [{ type: 'new_datacenter_shared', country: 'BE', days: 30, proxies: { mixed: 1 }, coupon_code: ' ' }, /coupon_code is empty/],
    [{ type: 'unpublished:residential', country: 'BE' }, /placeholder/],
    [{ type: 'new datacenter', country: 'BE' }, /letters, digits and underscores/],
    [{ type: 'new_datacenter_shared', country: 'Narnia', days: 30, proxies: { mixed: 100 } }, /country "Narnia" is not a country proxycart knows/],
  ];
  it.each(refusals)('refuses %j', (input, message) => {
    let thrown: unknown;
    try {
      buildOrder(placeOrderInput.parse(input));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProxycartError);
    expect((thrown as ProxycartError).kind).toBe('invalid_input');
    expect((thrown as ProxycartError).message).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape tool schemas', () => {
  // As tools/list shows it.
  const json = JSON.stringify(jsonSchema(placeOrderInput, 'input'));

  it('are portable: plain object, no unions or refs, short descriptions, no confirmation_token', () => {
    expect(json).not.toMatch(/anyOf|oneOf|allOf|\$ref|\$defs|"pattern"/);
    for (const [, text] of json.matchAll(/"description":"([^"]*)"/g)) expect(text.length).toBeLessThanOrEqual(60);
    expect(Object.keys(provider.placeOrderInput.shape)).toEqual([
      'type',
      'country',
      'is_subscription',
      'days',
      'proxies',
      'bandwidth',
      'duration',
      'location',
      'coupon_code',
    ]);
    expect(Object.keys(provider.listOffersInput.shape)).toEqual([]);
    expect(json.length).toBeLessThan(1500);
  });

  it('refuse hostile and unknown values', () => {
    expect(placeOrderInput.safeParse({ type: 'x'.repeat(1_000_000), country: 'BE' }).success).toBe(false);
    expect(placeOrderInput.safeParse({ type: 'a', country: 'BE', proxies: { nl: 5 } }).success).toBe(false);
    expect(placeOrderInput.safeParse({ type: 'a', country: 'BE', proxies: { us: 0 } }).success).toBe(false);
    expect(placeOrderInput.safeParse({ type: 'a', country: 'BE', duration: '45d' }).success).toBe(false);
    expect(placeOrderInput.safeParse({ type: 'a', country: 'BE', days: 1.5 }).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape client against its simulator', () => {
  let sim: Simulator<ReturnType<typeof createSimulator>['state']>;
  let client: ProviderClient;

  async function start(options: ProxyScrapeSimOptions = {}, apiKey = sandboxKey, timeoutMs = 2000) {
    sim = createSimulator(options);
    const baseUrl = await sim.listen();
    client = await connectParsed(provider, { baseUrl, apiKey, timeoutMs });
    return baseUrl;
  }

  async function until(id: string, done: (order: Order) => boolean): Promise<Order> {
    for (let i = 0; i < 50; i++) {
      const order = await client.orderStatus(id);
      if (done(order)) return order;
      await new Promise((r) => setTimeout(r, 40));
    }
    throw new Error('order did not settle');
  }

  afterEach(async () => {
    await sim?.close();
  });

  it('lists the documented order types without a network call', async () => {
    await start();
    const list = await client.listOffers({});
    expect(sim.log).toHaveLength(0);
    expect(list.offers.map((o) => o.id)).toEqual(['new_datacenter_shared', 'unpublished:residential', 'unpublished:residential_unlimited', 'unpublished:serp']);
    expect(list.offers.every((o) => o.price_from_usd === null)).toBe(true);
    const notes = list.notes!.join(' ');
    expect(notes).toMatch(/no catalog or price endpoint/);
    expect(notes).toMatch(/known only after ordering/);
    expect(notes).toMatch(/PROXYCART_ALLOW_UNPRICED=1/);
    // A caller changing its copy does not change the next answer.
    list.offers.pop();
    expect((await client.listOffers({})).offers).toHaveLength(4);
  });

  it('prepares an order with the exact body, no price, the balance, and no money request', async () => {
    await start();
    const prepared = await client.prepareOrder({ ...SEED_BODY, country: 'be' });
    expect(prepared.request).toEqual({
      type: 'new_datacenter_shared',
      country: 'Belgium',
      is_subscription: true,
      days: 30,
      'proxies[mixed]': 1000,
      bandwidth: 0,
    });
    expect(prepared.quote).toMatchObject({ total_usd: null, price_source: 'unknown', balance_usd: 100 });
    expect(prepared.quote.summary).toContain('1,000 IPs (mixed)');
    expect(sim.moneyRequests()).toHaveLength(0);
    expect(sim.log.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /orders/balance']);
  });

  it('refuses schema violations before any request with invalid_input', async () => {
    await start();
    // connectParsed parses before it calls the client, and throws at once (not a rejection).
    const error = await failure((async () => client.prepareOrder({ type: 'new_datacenter_shared', country: 'BE', days: 30, proxies: { mixed: -1 } }))());
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toMatch(/^Invalid arguments: proxies\.mixed: /);
    expect(sim.log).toHaveLength(0);
  });

  it('still quotes when the read permission is missing, without a balance', async () => {
    await start({ readEnabled: false });
    const prepared = await client.prepareOrder(SEED_BODY);
    expect(prepared.quote.balance_usd).toBeNull();
    expect(prepared.quote.warnings!.join(' ')).toMatch(/account:api_ordering:read/);
  });

  it('places the order once, debits the wallet by its price, and follows it to active', async () => {
    await start({ processingMs: 150 });
    const prepared = await client.prepareOrder(SEED_BODY);
    const placed = await client.placeOrder(prepared, crypto.randomUUID());
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(sim.state.balance).toBeCloseTo(73.9, 2);
    const stored = sim.state.orders.get(placed.id)!;
    expect(stored.request).toEqual(prepared.request);
    expect(placed).toMatchObject({ status: 'paid', state: 'pending', total_usd: 26.1, price: '26.10', paid_with_credit: true, proxies: [] });

    const active = await until(placed.id, (o) => o.state !== 'pending');
    expect(active.state).toBe('active');
    expect(active.status).toBe('processed');
    expect(active.total_usd).toBe(26.1);
    const sub = active.subaccount as { AccountID: string; AccountType: string; label: string };
    expect(sub.AccountType).toBe('datacenter_shared');
    expect(sub.AccountID).toMatch(/^[0-9a-f-]{36}$/);
    expect(sub.label).toBeTruthy();
    expect(active.proxy_list_path).toBe(`/v4/account/${sub.AccountID}/datacenter_shared/proxy-list`);
    expect(active.proxies).toEqual([]);

    expect(await client.walletBalance!()).toEqual({ balance: 73.9, currency: 'USD' });
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  it('keeps the order pending while the processor has not run', async () => {
    await start();
    const placed = await client.placeOrder(await client.prepareOrder(SEED_BODY), 'k');
    const order = await client.orderStatus(placed.id);
    expect(order).toMatchObject({ status: 'paid', state: 'pending', total_usd: 26.1 });
    expect(order.subaccount).toBeUndefined();
    expect(order.proxy_list_path).toBeUndefined();
  });

  it('orders the sandbox residential pack and applies coupon then account discount', async () => {
    await start({ processingMs: 0, apiOrderingDiscountPct: 10 });
    const prepared = await client.prepareOrder({ type: 'new_residential', country: 'US', bandwidth: 10, duration: '30d', coupon_code: 'SANDBOX10' });
    const placed = await client.placeOrder(prepared, 'k');
    // 10 GB × $3 = $30, coupon −10% = $27, account −10% = $24.30.
    expect(placed.total_usd).toBe(24.3);
    expect(sim.state.balance).toBeCloseTo(75.7, 2);
    const order = await client.orderStatus(placed.id);
    expect((order.subaccount as { AccountType: string }).AccountType).toBe('residential');
  });

  it('maps the pricing refusal to invalid_input and charges nothing', async () => {
    await start();
    const prepared = await client.prepareOrder({ ...SEED_BODY, proxies: { mixed: 123 } });
    const error = await failure(client.placeOrder(prepared, 'k'));
    expect(error.kind).toBe('invalid_input');
    expect(error.details.vendorMessage).toBe(MSG.pricing);
    expect(error.advice).toMatch(/Nothing was charged/);
    expect(sim.state.balance).toBe(100);
    expect(sim.state.orders.size).toBe(1); // only the seeded foreign order
    expect(sim.moneyRequests()).toHaveLength(1);
    expectNoKey(error);
  });

  it('refuses an unknown coupon through the pricing error (sandbox choice)', async () => {
    await start();
    const error = await failure(client.placeOrder(await client.prepareOrder({ ...SEED_BODY, coupon_code: 'NOPE' }), 'k'));
    expect(error.details.vendorMessage).toBe(MSG.pricing);
  });

  it('maps a short wallet to insufficient_funds with the vendor message', async () => {
    await start({ balance: 1 });
    const prepared = await client.prepareOrder(SEED_BODY);
    expect(prepared.quote.balance_usd).toBe(1);
    const error = await failure(client.placeOrder(prepared, 'k'));
    expect(error.kind).toBe('insufficient_funds');
    expect(error.details.vendorMessage).toBe(MSG.funds);
    expect(sim.state.balance).toBe(1);
    expectNoKey(error);
  });

  it('maps the missing write permission to auth with the grant to ask for', async () => {
    await start({ writeEnabled: false });
    const error = await failure(client.placeOrder(await client.prepareOrder(SEED_BODY), 'k'));
    expect(error.kind).toBe('auth');
    expect(error.details.vendorMessage).toBe(MSG.writeDenied);
    expect(error.advice).toMatch(/account:api_ordering:write/);
    expect(sim.state.balance).toBe(100);
    expectNoKey(error);
  });

  it('maps the missing read permission on status and balance to auth', async () => {
    await start();
    const placed = await client.placeOrder(await client.prepareOrder(SEED_BODY), 'k');
    sim.state.readEnabled = false;
    for (const call of [() => client.orderStatus(placed.id), () => client.walletBalance!()]) {
      const error = await failure(call());
      expect(error.kind).toBe('auth');
      expect(error.details.vendorMessage).toBe(MSG.readDenied);
      expect(error.advice).toMatch(/account:api_ordering:read/);
      expectNoKey(error);
    }
  });

  it("maps an unknown id and another account's order alike to not_found", async () => {
    await start();
    expect(sim.state.orders.has(FOREIGN_ORDER_ID)).toBe(true);
    for (const id of ['00000000-0000-4000-8000-000000000000', FOREIGN_ORDER_ID]) {
      const error = await failure(client.orderStatus(id));
      expect(error.kind).toBe('not_found');
      expect(error.details.vendorMessage).toBe(MSG.notFound);
    }
  });

  it('refuses an order id that is not an id before any request', async () => {
    await start();
    for (const id of ['../balance', 'a/b', '', 'x'.repeat(65)]) {
      expect((await failure(client.orderStatus(id))).kind).toBe('invalid_input');
    }
    expect(sim.log).toHaveLength(0);
  });

  it('maps a wrong key to auth on every endpoint, without the key in any message', async () => {
    const baseUrl = await start();
    const wrong = await connectParsed(provider, { baseUrl, apiKey: WRONG_KEY, timeoutMs: 2000 });
    const prepared = await client.prepareOrder(SEED_BODY);
    const calls = [
      () => wrong.walletBalance!(),
      () => wrong.orderStatus('00000000-0000-4000-8000-000000000000'),
      () => wrong.placeOrder(prepared, 'k'),
      () => wrong.prepareOrder(SEED_BODY),
    ];
    for (const call of calls) {
      const error = await failure(call());
      expect(error.kind).toBe('auth');
      expect(error.details.vendorMessage).toBe(MSG.identity);
      expect(error.advice).toMatch(/PROXYSCRAPE_API_KEY/);
      expectNoKey(error);
    }
    expect(sim.state.balance).toBe(100);
  });

  it('reports blocked and failed processing as failed, and a refund as refunded', async () => {
    await start({ processingMs: 0, processingOutcome: 'blocked' });
    const blocked = await client.placeOrder(await client.prepareOrder(SEED_BODY), 'k');
    expect(blocked).toMatchObject({ status: 'blocked', state: 'failed' });
    expect(blocked.block_reason).toMatch(/guard/);

    sim.state.processingOutcome = 'failed';
    const failed = await client.placeOrder(await client.prepareOrder(SEED_BODY), 'k');
    expect(failed).toMatchObject({ status: 'failed', state: 'failed' });

    sim.state.processingOutcome = 'processed';
    const done = await client.placeOrder(await client.prepareOrder(SEED_BODY), 'k');
    expect(done.state).toBe('active');
    sim.state.orders.get(done.id)!.status = 'refunded';
    expect(await client.orderStatus(done.id)).toMatchObject({ status: 'refunded', state: 'refunded' });
  });

  it('never retries the order call: a 500 is outcome_unknown, and reconcile cannot tell', async () => {
    await start();
    const prepared = await client.prepareOrder(SEED_BODY);
    sim.inject({ method: 'POST', path: /^\/orders\/create$/, action: { kind: 'status', status: 500 }, times: 1 });
    const error = await failure(client.placeOrder(prepared, 'k'));
    expect(error.kind).toBe('outcome_unknown');
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt: Date.now() })).toBeUndefined();
    expectNoKey(error);
  });

  it('treats a lost answer after the order was taken as outcome_unknown, not a failure', async () => {
    await start();
    const prepared = await client.prepareOrder(SEED_BODY);
    sim.inject({ method: 'POST', path: /^\/orders\/create$/, phase: 'after', action: { kind: 'malformed' }, times: 1 });
    const error = await failure(client.placeOrder(prepared, 'k'));
    expect(error.kind).toBe('outcome_unknown');
    // The vendor did take the money: exactly why the call is never repeated blindly.
    expect(sim.state.balance).toBeCloseTo(73.9, 2);
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  it('gives up on a hanging order call as outcome_unknown within twice the read limit', async () => {
    await start({}, sandboxKey, 300);
    const prepared = await client.prepareOrder(SEED_BODY);
    sim.inject({ method: 'POST', path: /^\/orders\/create$/, action: { kind: 'hang' } });
    const started = Date.now();
    const error = await failure(client.placeOrder(prepared, 'k'));
    expect(error.kind).toBe('outcome_unknown');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  it('returns the placed order even when the follow-up status read fails', async () => {
    await start();
    const prepared = await client.prepareOrder(SEED_BODY);
    sim.inject({ method: 'GET', path: /\/status$/, action: { kind: 'status', status: 503 } });
    const placed = await client.placeOrder(prepared, 'k');
    expect(placed).toMatchObject({ status: 'paid', state: 'pending', total_usd: null });
    expect(sim.state.orders.has(placed.id)).toBe(true);
    expect(sim.state.balance).toBeCloseTo(73.9, 2);
  });

  it('retries reads on a 429 and answers', async () => {
    await start();
    sim.inject({ method: 'GET', path: /^\/orders\/balance$/, action: { kind: 'status', status: 429, retryAfter: '0' }, times: 1 });
    expect(await client.walletBalance!()).toEqual({ balance: 100, currency: 'USD' });
    expect(sim.log.filter((e) => e.path === '/orders/balance')).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------
describe('proxyscrape simulator', () => {
  let sim: ReturnType<typeof createSimulator> | undefined;
  let baseUrl = '';
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function startSim(options: ProxyScrapeSimOptions = {}) {
    await sim?.close();
    sim = createSimulator(options);
    baseUrl = await sim.listen();
    return sim;
  }

  /** `key` empty: no api-token header at all. */
  async function call(method: string, path: string, body?: unknown, key = sandboxKey) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers['api-token'] = key;
    const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('follows the documented envelope and prices the seed example at its documented 26.10', async () => {
    const s = await startSim({ processingMs: 0 });
    const body = { type: 'new_datacenter_shared', country: 'Belgium', is_subscription: true, days: 30, 'proxies[mixed]': 1000, bandwidth: 0 };
    const created = await call('POST', '/orders/create', body);
    expect(created.status).toBe(200);
    expect(created.json.success).toBe(true);
    expect(typeof created.json.data).toBe('string');
    expect(s.state.orders.get(created.json.data as string)!.price).toBe(26.1);
    expect(s.moneyRequests().map((e) => e.path)).toEqual(['/orders/create']);
  });

  it('refuses an ISO code as country, a nested proxies object, and a missing token', async () => {
    const s = await startSim();
    const refused = { status: 400, json: { success: false, error: MSG.pricing } };
    expect(await call('POST', '/orders/create', { type: 'new_datacenter_shared', days: 30, 'proxies[mixed]': 100, country: 'BE' })).toEqual(refused);
    expect(await call('POST', '/orders/create', { type: 'new_datacenter_shared', country: 'Belgium', days: 30, proxies: { mixed: 100 } })).toEqual(refused);
    expect(await call('POST', '/orders/create', { type: 'new_datacenter_shared', country: 'Belgium', days: 30, 'proxies[mixed]': 100 }, '')).toEqual({
      status: 401,
      json: { success: false, error: MSG.identity },
    });
    expect(await call('GET', '/orders/balance', undefined, 'Bearer-less-garbage-token-000')).toEqual({
      status: 401,
      json: { success: false, error: MSG.identity },
    });
    expect(s.state.balance).toBe(100);
    expect(s.state.orders.size).toBe(1);
  });

  it('answers status with unix times, a two-decimal price string and paid_with_credit', async () => {
    await startSim({ processingMs: 60_000 });
    const created = await call('POST', '/orders/create', { type: 'new_datacenter_shared', country: 'Belgium', days: 60, 'proxies[us]': 100 });
    const status = await call('GET', `/orders/${created.json.data}/status`);
    const data = status.json.data as Record<string, unknown>;
    // 100 US IPs: 3.50 × 1.2 (single country) × 1.9 (60 days) = 7.98.
    expect(data).toMatchObject({ status: 'paid', price: '7.98', currency: 'USD', paid_with_credit: true, subaccount: null });
    expect(Number.isInteger(data.created_at)).toBe(true);
    expect(Math.abs((data.created_at as number) - Date.now() / 1000)).toBeLessThan(5);
    expect('block_reason' in data).toBe(false);
  });
});
