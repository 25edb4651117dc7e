import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ErrorKind, ProxycartError } from '../../src/errors.js';
import { recoverLostOrder } from '../../src/guard/reconcile.js';
import type { HttpResponse } from '../../src/http/client.js';
import { interpretVendorError } from '../../src/http/vendor-errors.js';
import { orderBodySchema, orderListSchema, orderSchema, planBodySchema, planListSchema, planSchema } from '../../src/providers/novaproxy/api.js';
import { CLOCK_SKEW_MS, findPlacedOrder } from '../../src/providers/novaproxy/client.js';
import { errorTable } from '../../src/providers/novaproxy/errors.js';
import { fixture } from '../../src/providers/novaproxy/fixture.js';
import { provider } from '../../src/providers/novaproxy/index.js';
import { bytesToGb, classifyStatus, offerNotes, orderFromVendor, planToOffer } from '../../src/providers/novaproxy/map.js';
import type { PreparedOrder, ProviderClient } from '../../src/providers/types.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { createSimulator, type NovaState, sandboxKey, seedPlans } from '../../src/sandbox/novaproxy.js';
import { connectParsed, perUnit, priceCandidates } from '../fixtures.js';
import { rejection } from '../rejection.js';

const BAD_KEY = 'novaproxy_wrong_key_9d8c7b6a5f4e3d2c1b0a';

/** Awaits a rejection, checks its kind, and that no key leaks into anything it says. */
async function failure(promise: Promise<unknown>, kind: ErrorKind): Promise<ProxycartError> {
  const error = await rejection(promise, [sandboxKey, BAD_KEY]);
  expect(error.kind).toBe(kind);
  return error;
}

function response(status: number, body: unknown): HttpResponse {
  return { status, body, text: JSON.stringify(body), headers: {} };
}

const residentialPlan = {
  id: 1,
  name: 'Residential',
  slug: 'residential',
  type: 'bandwidth',
  has_geo_targeting: true,
  has_ip_whitelist: false,
  rotations: [{ code: 'rotating', name: 'Rotating' }],
  protocols: [
    { code: 'http', port: 12321 },
    { code: 'socks5', port: 32325 },
  ],
  bandwidths: [
    { id: 2, bandwidth: 10, bandwidth_unit: 'GB', bandwidth_in_bytes: 10737418240, price_per_gb: '4.50' },
    { id: 1, bandwidth: 1, bandwidth_unit: 'GB', bandwidth_in_bytes: 1073741824, price_per_gb: 5.0 },
  ],
};

const staticPlan = {
  id: 6,
  name: 'Static Datacenter',
  slug: 'static-datacenter',
  type: 'duration',
  protocols: [{ code: 'http', port: 12321 }],
  durations: [
    {
      slug: '30_days',
      options: [{ name: 'country', label: 'Country', type: 'select', options: [{ value: 'ar', label: 'Armenia' }] }],
    },
    { slug: '1_week', options: [{ name: 'speed', label: 'Speed', type: 'range', min: 1, max: 100, step: 1 }] },
  ],
};

function vendorOrder(overrides: Record<string, unknown> = {}) {
  return orderSchema.parse({
    uuid: '9bdfe2d6-2c9a-4f7e-9e8c-1a2b3c4d5e6f',
    username: null,
    password: null,
    initial_bandwidth_in_bytes: 10737418240,
    remaining_bandwidth_in_bytes: 10737418240,
    consumed_bandwidth_in_bytes: 0,
    expires_at: '2026-06-03T12:00:00Z',
    status: 'pending',
    price: { gross: 19.99, discount: 0, net: 19.99 },
    plan: residentialPlan,
    duration_options: [],
    created_at: '2026-01-04T21:19:12.000000Z',
    updated_at: '2026-01-04T21:19:12.000000Z',
    ...overrides,
  });
}

describe('novaproxy mapping', () => {
  it.each([
    ['active', 'active'],
    ['pending', 'pending'],
    ['awaiting_payment', 'pending'],
    ['inactive', 'pending'],
    ['failed', 'failed'],
    ['invoice_expired', 'failed'],
    ['expired', 'expired'],
    ['exhausted', 'expired'],
    ['ACTIVE', 'active'],
    ['something_new', 'pending'],
  ])('classifies status %s as %s', (status, state) => {
    expect(classifyStatus(status)).toBe(state);
  });

  it('maps a bandwidth plan to an offer priced from its cheapest tier, reading decimal strings', () => {
    const offer = planToOffer(planSchema.parse(residentialPlan));
    expect(offer).toMatchObject({
      id: 'residential',
      name: 'Residential',
      kind: 'residential',
      country: null,
      plan_type: 'bandwidth',
      price_from_usd: 4.5,
      price_unit: 'per GB',
      min_bandwidth_gb: 1,
      protocols: [
        { code: 'http', port: 12321 },
        { code: 'socks5', port: 32325 },
      ],
      rotations: ['rotating'],
    });
    expect(offer.options).toEqual([
      { bandwidth: 1, bandwidth_unit: 'GB', price_per_gb: 5 },
      { bandwidth: 10, bandwidth_unit: 'GB', price_per_gb: 4.5 },
    ]);
  });

  it('maps a duration plan to an unpriced offer with its durations and options', () => {
    const offer = planToOffer(planSchema.parse(staticPlan));
    expect(offer.price_from_usd).toBeNull();
    expect(offer.kind).toBe('datacenter');
    expect(offer.options).toEqual([
      { slug: '30_days', options: [{ name: 'country', label: 'Country', type: 'select', options: [{ value: 'ar', label: 'Armenia' }] }] },
      { slug: '1_week', options: [{ name: 'speed', label: 'Speed', type: 'range', min: 1, max: 100, step: 1 }] },
    ]);
    expect(offerNotes([planSchema.parse(staticPlan)])).toEqual([expect.stringContaining('no prices for duration plans')]);
    expect(offerNotes([planSchema.parse(residentialPlan)])).toEqual([expect.stringContaining('whole GB')]);
  });

  it('reads plan lists bare or in a data wrapper, and single plans either way', () => {
    expect(planListSchema.parse([residentialPlan]).map((p) => p.slug)).toEqual(['residential']);
    expect(planListSchema.parse({ data: [residentialPlan, staticPlan] }).map((p) => p.slug)).toEqual(['residential', 'static-datacenter']);
    expect(planBodySchema.parse({ data: staticPlan }).slug).toBe('static-datacenter');
    expect(planBodySchema.safeParse({ name: 'no slug' }).success).toBe(false);
  });

  it('maps a pending order without credentials to no proxies and price.net as total', () => {
    const order = orderFromVendor(vendorOrder());
    expect(order).toMatchObject({
      id: '9bdfe2d6-2c9a-4f7e-9e8c-1a2b3c4d5e6f',
      status: 'pending',
      state: 'pending',
      total_usd: 19.99,
      proxies: [],
      plan: 'residential',
      bandwidth_gb: 10,
      price: { gross: 19.99, discount: 0, net: 19.99 },
      expires_at: '2026-06-03T12:00:00Z',
    });
    expect(order.host_note).toBeUndefined();
  });

  it('maps an active order with credentials to one endpoint per plan port, host left empty', () => {
    const order = orderFromVendor(
      vendorOrder({ status: 'active', username: '99xhbk9uyvzry71', password: 'tmu1rfdkw47i90d', price: { gross: '2.00', discount: '0.11', net: '1.89' } }),
    );
    expect(order.state).toBe('active');
    expect(order.total_usd).toBe(1.89);
    expect(order.proxies).toEqual([
      { host: '', port: 12321, protocol: 'http', username: '99xhbk9uyvzry71', password: 'tmu1rfdkw47i90d' },
      { host: '', port: 32325, protocol: 'socks5', username: '99xhbk9uyvzry71', password: 'tmu1rfdkw47i90d' },
    ]);
    expect(order.host_note).toMatch(/no proxy host name/);
  });

  it('uses the fallback ports when the order plan has none, and port 0 when nothing is known', () => {
    const bare = vendorOrder({ status: 'active', username: 'u', password: 'p', plan: { slug: 'residential' } });
    expect(orderFromVendor(bare, [{ code: 'http', port: 8080 }]).proxies).toEqual([{ host: '', port: 8080, protocol: 'http', username: 'u', password: 'p' }]);
    expect(orderFromVendor(bare).proxies).toEqual([{ host: '', port: 0, protocol: 'unknown', username: 'u', password: 'p' }]);
  });

  it('gives no proxies when only one credential is set, and notes an inactive order', () => {
    expect(orderFromVendor(vendorOrder({ status: 'active', username: 'u' })).proxies).toEqual([]);
    const inactive = orderFromVendor(vendorOrder({ status: 'inactive', username: 'u', password: 'p' }));
    expect(inactive.state).toBe('pending');
    expect(inactive.state_note).toMatch(/inactive/);
  });

  it('keeps an order readable when its embedded plan is malformed, and reads both body shapes', () => {
    const order = orderBodySchema.parse({ data: { uuid: 'abc', status: 'active', plan: 'oops', price: null } });
    expect(order.plan).toBeNull();
    expect(orderFromVendor(order)).toMatchObject({ id: 'abc', state: 'active', total_usd: null, plan: null });
    expect(orderListSchema.parse([{ uuid: 'a', status: 'pending', user: { id: 1 } }])).toHaveLength(1);
    expect(orderBodySchema.safeParse({ id: 249, status: 'pending' }).success).toBe(false);
  });

  it('converts byte counts with 2^30 bytes per GB', () => {
    expect(bytesToGb(1073741824)).toBe(1);
    expect(bytesToGb(null)).toBeNull();
    expect(bytesToGb(1000000000)).toBe(0.931);
  });
});

describe('novaproxy error mapping', () => {
  const errorOf = (res: HttpResponse) => interpretVendorError(errorTable, res);

  it.each([
    ['Insufficient balance.', 'insufficient_funds'],
    ["Plan 'gold' not found.", 'invalid_input'],
    ["Invalid duration format '7days'. Expected e.g. '30_days', '1_day', '20_minutes'.", 'invalid_input'],
    ["Duration '1_day' is not available for plan 'datacenter'.", 'invalid_input'],
    ['The config field is required for this plan duration.', 'invalid_input'],
    ["Missing config value for option 'speed'.", 'invalid_input'],
    ["Option 'color' does not exist for the selected plan duration.", 'invalid_input'],
    ["Invalid value for option 'country'.", 'invalid_input'],
    ["Value for option 'speed' must be numeric.", 'invalid_input'],
    ["Value for option 'speed' must be at least 1.", 'invalid_input'],
    ["Value for option 'speed' must be at most 100.", 'invalid_input'],
    ["Value for option 'threads' must be a multiple of 100.", 'invalid_input'],
    ['The selected plan is not active.', 'vendor_error'],
    ['The entered bandwidth is not valid.', 'invalid_input'],
    ['You have reached the maximum number of orders for this plan.', 'vendor_error'],
    ['Not enough funds on your account.', 'insufficient_funds'],
    ['The discount code is invalid.', 'invalid_input'],
    ['Something else went wrong.', 'vendor_error'],
  ])('classifies "%s" as %s', (message, kind) => {
    expect(interpretVendorError(errorTable, response(422, { error: message }))?.kind).toBe(kind);
  });

  it('turns the envelopes into errors that keep the vendor words', () => {
    const unauthenticated = errorOf(response(401, { message: 'Unauthenticated.' }));
    expect(unauthenticated?.kind).toBe('auth');
    expect(unauthenticated?.details.vendorMessage).toBe('Unauthenticated.');
    const broke = errorOf(response(422, { error: 'Insufficient balance.' }));
    expect(broke?.kind).toBe('insufficient_funds');
    expect(broke?.details).toMatchObject({ vendorMessage: 'Insufficient balance.', httpStatus: 422 });
    expect(errorOf(response(404, { message: 'Not Found' }))?.kind).toBe('not_found');
    // Order wording counts only in a 422: a 404 stays a missing resource.
    expect(errorOf(response(404, { message: "Plan 'gold' not found." }))?.kind).toBe('not_found');
    expect(errorOf(response(403, { message: 'This action is unauthorized.' }))?.kind).toBe('auth');
    expect(errorOf(response(422, { message: 'The plan field is required.', errors: {} }))?.kind).toBe('invalid_input');
    expect(errorOf(response(201, { uuid: 'x', status: 'pending' }))).toBeUndefined();
    // Any other refusal keeps the HTTP client's wording, now with the vendor's words.
    const other = errorOf(response(400, { error: 'Bad request' }));
    expect(other).toMatchObject({ kind: 'vendor_error', message: 'NovaProxy rejected the request (HTTP 400).' });
    expect(other?.details.vendorMessage).toBe('Bad request');
  });
});

describe('novaproxy order matching (reconciliation)', () => {
  const sentAt = Date.parse('2026-03-01T10:00:00Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const order = (uuid: string, slug: string, created: number, bytes: number | null = 2 * 1024 ** 3) =>
    orderSchema.parse({ uuid, status: 'pending', plan: { slug }, initial_bandwidth_in_bytes: bytes, created_at: at(created) });

  it('finds the one order of the same plan and bandwidth created since sending', () => {
    const list = [order('new', 'residential', sentAt + 500), order('other-plan', 'datacenter', sentAt + 400), order('old', 'residential', sentAt - 3_600_000)];
    const result = findPlacedOrder(list, { plan: 'residential', bandwidth: 2 }, sentAt);
    expect(result).toMatchObject({ kind: 'found', order: { uuid: 'new' } });
  });

  it('allows for the vendor clock running a little behind, not more', () => {
    expect(findPlacedOrder([order('a', 'residential', sentAt - CLOCK_SKEW_MS + 1000)], { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('found');
    expect(findPlacedOrder([order('a', 'residential', sentAt - CLOCK_SKEW_MS - 1000)], { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('none');
  });

  it('ignores orders of another bandwidth, accepting decimal gigabytes', () => {
    expect(findPlacedOrder([order('a', 'residential', sentAt + 1, 5 * 1024 ** 3)], { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('none');
    expect(findPlacedOrder([order('a', 'residential', sentAt + 1, 2_000_000_000)], { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('found');
  });

  it('cannot tell when two orders match or an order is unreadable', () => {
    const two = [order('a', 'residential', sentAt + 1), order('b', 'residential', sentAt + 2)];
    expect(findPlacedOrder(two, { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('ambiguous');
    // An order the ledger already records for another approval is never the answer.
    const excluded = findPlacedOrder(two, { plan: 'residential', bandwidth: 2 }, sentAt, ['a']);
    expect(excluded.kind === 'found' && excluded.order.uuid).toBe('b');
    const undated = [orderSchema.parse({ uuid: 'x', status: 'active', plan: { slug: 'residential' } })];
    expect(findPlacedOrder(undated, { plan: 'residential', bandwidth: 2 }, sentAt).kind).toBe('ambiguous');
  });
});

describe('novaproxy tool schemas', () => {
  it('mirror the vendor fields and stay portable', () => {
    const place = z.toJSONSchema(provider.placeOrderInput) as { properties: Record<string, unknown>; required?: string[] };
    const list = z.toJSONSchema(provider.listOffersInput) as { properties: Record<string, unknown> };
    expect(Object.keys(place.properties).sort()).toEqual(['bandwidth', 'config', 'discount_code', 'duration', 'plan']);
    expect(place.required).toEqual(['plan']);
    expect(Object.keys(list.properties)).toEqual(['plan']);
    for (const schema of [place, list]) {
      const text = JSON.stringify(schema);
      expect(text).not.toMatch(/anyOf|oneOf|allOf|\$ref|\$defs|confirmation_token|pattern/);
      for (const match of text.matchAll(/"description":"([^"]*)"/g)) expect(match[1].length).toBeLessThanOrEqual(60);
    }
    expect(provider.placeOrderInput.safeParse({ plan: 'x'.repeat(1_000_000) }).success).toBe(false);
    expect(provider.placeOrderInput.safeParse({ plan: 'datacenter', config: { speed: 10, country: 'us' } }).success).toBe(true);
    expect(provider.placeOrderInput.safeParse({ plan: 'datacenter', config: { speed: true } }).success).toBe(false);
  });

  it('declares no balance and no default base URL', () => {
    expect(provider.defaultBaseUrl).toBeUndefined();
    expect(provider.capabilities.balance).toBe(false);
    expect(provider.unsupported?.wallet_balance).toMatch(/no balance endpoint/);
    expect(provider.setupHint).toMatch(/NOVAPROXY_BASE_URL/);
    expect(provider.setupHint).toMatch(/dashboard/);
  });
});

describe('novaproxy client against its simulator', () => {
  let sim: Simulator<NovaState>;
  let baseUrl: string;
  let client: ProviderClient;

  beforeEach(async () => {
    sim = createSimulator({ activationMs: 200 });
    baseUrl = await sim.listen();
    client = await connectParsed(provider, { baseUrl, apiKey: sandboxKey, timeoutMs: 2000 });
  });

  afterEach(async () => {
    await sim.close();
  });

  const raw = (request: Record<string, unknown>): PreparedOrder => ({
    request,
    quote: { total_usd: null, price_source: 'unknown', summary: 'raw' },
    lookup: { plan: String(request.plan) },
  });

  it('lists the purchasable plans with tier prices and notes', async () => {
    const list = await client.listOffers({});
    const ids = list.offers.map((o) => o.id);
    expect(ids).toContain('residential');
    expect(ids).toContain('datacenter');
    expect(ids).not.toContain('ipv6-datacenter');
    expect(list.offers.find((o) => o.id === 'residential')?.price_from_usd).toBe(3.5);
    expect(list.offers.find((o) => o.id === 'static-isp')?.price_from_usd).toBeNull();
    expect(list.notes?.length).toBe(2);
    // The private duration price table never shows.
    expect(JSON.stringify(list)).not.toMatch(/unitPrice|"price":/);
  });

  it('lists one plan by slug, and says not_found for an unknown one', async () => {
    const list = await client.listOffers({ plan: 'datacenter' });
    expect(list.offers).toHaveLength(1);
    expect(list.offers[0]).toMatchObject({ id: 'datacenter', plan_type: 'duration', price_from_usd: null });
    await failure(client.listOffers({ plan: 'gold' }), 'not_found');
  });

  it('prices a bandwidth order at the largest tier not above it, without any money call', async () => {
    const twelve = await client.prepareOrder({ plan: 'residential', bandwidth: 12 });
    expect(twelve.request).toEqual({ plan: 'residential', bandwidth: 12 });
    expect(twelve.quote).toMatchObject({ total_usd: 54, price_source: 'catalog_estimate' });
    expect(twelve.quote.summary).toBe('12 GB Residential (plan residential) at 4.5 USD/GB');
    expect((await client.prepareOrder({ plan: 'residential', bandwidth: 9 })).quote.total_usd).toBe(45);
    expect((await client.prepareOrder({ plan: 'residential', bandwidth: 10 })).quote.total_usd).toBe(45);
    const coded = await client.prepareOrder({ plan: 'residential-budget', bandwidth: 1, discount_code: 'SANDBOX10' });
    expect(coded.request).toEqual({ plan: 'residential-budget', bandwidth: 1, discount_code: 'SANDBOX10' });
    expect(coded.quote.warnings?.[0]).toMatch(/discount/);
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('prepares a duration order unpriced, with the vendor values normalised', async () => {
    const prepared = await client.prepareOrder({ plan: 'datacenter', duration: '1_week', config: { speed: 10 } });
    expect(prepared.request).toEqual({ plan: 'datacenter', duration: '1_week', config: { speed: 10 } });
    expect(prepared.quote).toMatchObject({ total_usd: null, price_source: 'unknown' });
    expect(prepared.quote.summary).toBe('Datacenter (plan datacenter), 1 week, Speed (Mbps) 10');
    const isp = await client.prepareOrder({ plan: 'static-isp', duration: '30_days', config: { country: '2' } });
    expect(isp.request.config).toEqual({ country: 2 });
    expect(isp.quote.summary).toContain('Country United Kingdom');
    const trial = await client.prepareOrder({ plan: 'unlimited-residential-budget', duration: '20_minutes' });
    expect(trial.request).toEqual({ plan: 'unlimited-residential-budget', duration: '20_minutes' });
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it.each(fixture.invalidOrders)('refuses $input locally with the vendor wording', async ({ input, message }) => {
    const error = await failure(client.prepareOrder(input), 'invalid_input');
    expect(error.message).toMatch(message);
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('refuses cross-field mistakes and bad input before the vendor sees them', async () => {
    expect((await failure(client.prepareOrder({ plan: 'residential', bandwidth: 2, duration: '1_day' }), 'invalid_input')).message).toMatch(
      /sold by bandwidth/,
    );
    expect((await failure(client.prepareOrder({ plan: 'datacenter', bandwidth: 2 }), 'invalid_input')).message).toMatch(/sold by duration/);
    expect((await failure(client.prepareOrder({ plan: 'datacenter' }), 'invalid_input')).advice).toMatch(/1_week, 30_days/);
    // connectParsed parses synchronously, so a bad argument throws before a promise exists.
    const parsed = (input: Record<string, unknown>) => Promise.resolve().then(() => client.prepareOrder(input));
    expect((await failure(parsed({ plan: 'residential', bandwidth: -1 }), 'invalid_input')).message).toMatch(/^Invalid arguments: bandwidth: /);
    await failure(client.prepareOrder({ plan: 'datacenter', duration: '1_week', config: { speed: 'x'.repeat(500) } }), 'invalid_input');
    await failure(client.prepareOrder({ plan: 'static-datacenter', duration: '30_days', config: { country: '' } }), 'invalid_input');
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('places a bandwidth order once, debits the wallet by its total and sends exactly the approved body', async () => {
    const prepared = await client.prepareOrder(fixture.order);
    const order = await client.placeOrder(prepared, 'key-1');
    expect(order).toMatchObject({ status: 'pending', state: 'pending', total_usd: 10, proxies: [], plan: 'residential', bandwidth_gb: 2 });
    expect(sim.state.balance).toBe(90);
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(sim.state.orderBodies).toEqual([{ plan: 'residential', bandwidth: 2 }]);
    expect(sim.state.orders.has(order.id)).toBe(true);
  });

  it('follows an order from pending to active with credentials and the plan ports', async () => {
    const placed = await client.placeOrder(await client.prepareOrder({ plan: 'residential', bandwidth: 1 }), 'key-2');
    let status = await client.orderStatus(placed.id);
    const deadline = Date.now() + 3000;
    while (status.state === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await client.orderStatus(placed.id);
    }
    expect(status.state).toBe('active');
    expect(status.status).toBe('active');
    const stored = sim.state.orders.get(placed.id)!;
    expect(status.proxies).toEqual([
      { host: '', port: 12321, protocol: 'http', username: stored.username, password: stored.password },
      { host: '', port: 32325, protocol: 'socks5', username: stored.username, password: stored.password },
    ]);
    expect(stored.username).toMatch(/^[a-z0-9]{15}$/);
  });

  it('charges a duration order its vendor price and reports it as total', async () => {
    const order = await client.placeOrder(await client.prepareOrder({ plan: 'datacenter', duration: '1_week', config: { speed: 10 } }), 'key-3');
    expect(order.total_usd).toBe(3);
    expect(sim.state.balance).toBe(97);
    expect(order.duration_options).toEqual([{ name: 'speed', label: 'Speed (Mbps)', value: 10, value_label: '10', price: 0.5 }]);
    expect(order.expires_at).toEqual(expect.any(String));
    expect(order.bandwidth_gb).toBeNull();
  });

  it('applies a discount code at the vendor: total is price.net', async () => {
    const order = await client.placeOrder(await client.prepareOrder({ plan: 'residential', bandwidth: 2, discount_code: 'SANDBOX10' }), 'key-4');
    expect(order.price).toEqual({ gross: 10, discount: 1, net: 9 });
    expect(order.total_usd).toBe(9);
    expect(sim.state.balance).toBe(91);
  });

  it('maps "Insufficient balance." to insufficient_funds and charges nothing', async () => {
    const prepared = await client.prepareOrder(fixture.unaffordableOrder!);
    expect(prepared.quote.total_usd).toBe(112.5);
    const error = await failure(client.placeOrder(prepared, 'key-5'), 'insufficient_funds');
    expect(error.details.vendorMessage).toBe('Insufficient balance.');
    expect(sim.state.balance).toBe(100);
    expect(sim.state.orders.size).toBe(0);
  });

  it('maps an inactive plan to vendor_error (the docs expose no flag, so prepare lets it through)', async () => {
    const prepared = await client.prepareOrder({ plan: 'ipv6-datacenter', duration: '30_days' });
    const error = await failure(client.placeOrder(prepared, 'key-6'), 'vendor_error');
    expect(error.details.vendorMessage).toBe('The selected plan is not active.');
    expect(sim.state.balance).toBe(100);
  });

  it('maps the order limit to vendor_error', async () => {
    const prepared = await client.prepareOrder({ plan: 'unlimited-residential-budget', duration: '20_minutes' });
    await client.placeOrder(prepared, 'key-7');
    const error = await failure(client.placeOrder(prepared, 'key-8'), 'vendor_error');
    expect(error.details.vendorMessage).toBe('You have reached the maximum number of orders for this plan.');
    expect(sim.state.balance).toBe(99.5);
  });

  it.each(fixture.invalidOrders)('the simulator refuses $input with the same words, mapped to invalid_input', async ({ input, message }) => {
    const error = await failure(client.placeOrder(raw(input), 'key-raw'), 'invalid_input');
    expect(error.details.vendorMessage).toMatch(message);
    expect(sim.state.balance).toBe(100);
  });

  it('a non-numeric speed: the tool schema refuses it, and the simulator, sent it raw, in the vendor words', async () => {
    const input = { plan: 'datacenter', duration: '1_week', config: { speed: 'fast' } };
    expect((await failure(client.prepareOrder(input), 'invalid_input')).message).toMatch(/^Invalid arguments: config\.speed: /);
    const error = await failure(client.placeOrder(raw(input), 'key-fast'), 'invalid_input');
    expect(error.details.vendorMessage).toBe("Value for option 'speed' must be numeric.");
    expect(sim.state.balance).toBe(100);
  });

  it('refuses a bad key with auth, never echoing the key', async () => {
    const wrong = await connectParsed(provider, { baseUrl, apiKey: BAD_KEY, timeoutMs: 2000 });
    const error = await failure(wrong.listOffers({}), 'auth');
    expect(error.details.vendorMessage).toBe('Unauthenticated.');
    await failure(wrong.placeOrder(raw({ plan: 'residential', bandwidth: 1 }), 'key-9'), 'auth');
    await failure(wrong.orderStatus('9bdfe2d6-2c9a-4f7e-9e8c-1a2b3c4d5e6f'), 'auth');
    expect(sim.state.orders.size).toBe(0);
  });

  it('says not_found for unknown orders and explains numeric ids', async () => {
    await failure(client.orderStatus('00000000-0000-4000-8000-000000000000'), 'not_found');
    const numeric = await failure(client.orderStatus('249'), 'not_found');
    expect(numeric.advice).toMatch(/uuid/);
    await failure(client.orderStatus('../plans'), 'not_found');
  });

  it('has no wallet balance method', () => {
    expect(client.walletBalance).toBeUndefined();
  });

  it('retries reads through a passing vendor failure', async () => {
    sim.inject({ method: 'GET', path: /^\/plans$/, action: { kind: 'status', status: 503 }, times: 1 });
    expect((await client.listOffers({})).offers.length).toBeGreaterThan(0);
  });

  it('never retries the money call and reconciles an order whose answer was lost', async () => {
    const prepared = await client.prepareOrder({ plan: 'residential', bandwidth: 3 });
    sim.inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'status', status: 502 }, times: 1 });
    const sentAt = Date.now();
    await failure(client.placeOrder(prepared, 'key-10'), 'outcome_unknown');
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(sim.state.balance).toBe(85);
    const found = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'key-10', prepared, sentAt });
    expect(found?.id).toBe([...sim.state.orders.keys()][0]);
    expect(found?.total_usd).toBe(15);
  });

  it('reconciles a lost answer after a dropped connection too', async () => {
    const prepared = await client.prepareOrder({ plan: 'datacenter', duration: '30_days', config: { speed: 5 } });
    sim.inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'reset' }, times: 1 });
    const sentAt = Date.now();
    await failure(client.placeOrder(prepared, 'key-11'), 'outcome_unknown');
    const found = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'key-11', prepared, sentAt });
    expect(found).toMatchObject({ plan: 'datacenter', total_usd: 8.25 });
  });

  it('says "not placed" only once the request has had time to land, and "cannot tell" before', async () => {
    const prepared = await client.prepareOrder({ plan: 'residential', bandwidth: 4 });
    sim.inject({ method: 'POST', path: /^\/orders$/, action: { kind: 'status', status: 500 }, times: 1 });
    await failure(client.placeOrder(prepared, 'key-12'), 'outcome_unknown');
    expect(sim.state.orders.size).toBe(0);
    expect(
      await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'key-12', prepared, sentAt: Date.now() }),
    ).toBeUndefined();
    expect(
      await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'key-12', prepared, sentAt: Date.now() - 10 * 60_000 }),
    ).toBeNull();
  });

  it('cannot tell when two matching orders appeared since sending', async () => {
    const prepared = await client.prepareOrder({ plan: 'residential', bandwidth: 1 });
    // Sent long enough ago that "none" would read as "not placed": two matches must still say "cannot tell".
    const sentAt = Date.now() - 10 * 60_000;
    await client.placeOrder(prepared, 'key-13');
    await client.placeOrder(prepared, 'key-14');
    expect(await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'key-13', prepared, sentAt })).toBeUndefined();
  });
});

describe('novaproxy simulator', () => {
  let sim: Simulator<NovaState>;
  let baseUrl: string;

  beforeEach(async () => {
    sim = createSimulator({ activationMs: 0 });
    baseUrl = await sim.listen();
  });

  afterEach(async () => {
    await sim.close();
  });

  const auth = { authorization: `Bearer ${sandboxKey}`, accept: 'application/json' };

  it('answers 401 Unauthenticated without the bearer token', async () => {
    const res = await fetch(`${baseUrl}/plans`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthenticated.' });
  });

  it('takes form fields with config[name] keys as well as JSON', async () => {
    const res = await fetch(`${baseUrl}/orders`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'plan=datacenter&duration=1_week&config%5Bspeed%5D=20',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'pending', username: null, password: null, price: { gross: 3.5, discount: 0, net: 3.5 } });
    expect(body).not.toHaveProperty('data');
  });

  it('lists orders newest first with the user, and hides the numeric id form', async () => {
    for (const bandwidth of [1, 2]) {
      const res = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ plan: 'residential', bandwidth }),
      });
      expect(res.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const list = (await (await fetch(`${baseUrl}/orders`, { headers: auth })).json()) as Array<Record<string, unknown>>;
    expect(list.map((o) => o.initial_bandwidth_in_bytes)).toEqual([2 * 1024 ** 3, 1024 ** 3]);
    expect(list[0]).toHaveProperty('user');
    expect(list[0].status).toBe('active');
    expect(list[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const stored = [...sim.state.orders.values()][0];
    expect((await fetch(`${baseUrl}/orders/${stored.id}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${baseUrl}/orders/${stored.uuid}`, { headers: auth })).status).toBe(200);
  });
});

describe('novaproxy compare candidates (what proxycart_compare_offers offers)', () => {
  let sim: Simulator<NovaState>;
  let client: ProviderClient;
  beforeEach(async () => {
    sim = createSimulator();
    client = await connectParsed(provider, { baseUrl: await sim.listen(), apiKey: sandboxKey, timeoutMs: 2000 });
  });
  afterEach(async () => {
    await sim.close();
  });

  /** What the seeded plans say a bandwidth candidate costs: its bandwidth at the GB price of the largest tier it reaches. */
  function seedTotal(args: Record<string, any>): number {
    const plan = seedPlans().find((p) => p.slug === args.plan)!;
    const tier = [...plan.bandwidths!]
      .sort((a, b) => a.bandwidth - b.bandwidth)
      .filter((t) => t.bandwidth <= args.bandwidth)
      .pop()!;
    return Math.round(args.bandwidth * tier.price_per_gb * 100) / 100;
  }

  it('prices bandwidth candidates with the seeded tiers: 10 GB of the budget plan is 10 × 2.75 USD', async () => {
    const { priced } = await priceCandidates(client, { kind: 'residential', bandwidth_gb: 10 });
    const known = priced.filter(({ quote }) => quote.total_usd !== null);
    expect(known.length).toBeGreaterThan(0);
    for (const { candidate, quote } of known) expect(quote.total_usd, JSON.stringify(candidate.args)).toBeCloseTo(seedTotal(candidate.args), 2);
    expect(
      known.map(({ candidate, quote }) => ({ unit: candidate.unit, per: perUnit(quote.total_usd!, candidate.units), total: quote.total_usd })),
    ).toContainEqual({ unit: 'gb', per: 2.75, total: 27.5 });
  });

  it('offers a US static datacenter duration plan with no published price (one access)', async () => {
    const { candidates, priced } = await priceCandidates(client, { kind: 'datacenter', country: 'US' });
    const args = { plan: 'static-datacenter', duration: '30_days', config: { country: 'us' } };
    expect(candidates.map((c) => c.args)).toContainEqual(args);
    const found = priced.find(({ candidate }) => JSON.stringify(candidate.args) === JSON.stringify(args))!;
    expect(found.quote).toMatchObject({ total_usd: null, price_source: 'unknown' });
  });
});
