import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverLostOrder } from '../../src/guard/reconcile.js';
import type { HttpResponse } from '../../src/http/client.js';
import { interpretVendorError } from '../../src/http/vendor-errors.js';
import { orderSchema, type VendorOffer } from '../../src/providers/proxyjam/api.js';
import { errorTable, vendorMessageOf } from '../../src/providers/proxyjam/errors.js';
import { fixture } from '../../src/providers/proxyjam/fixture.js';
import { provider } from '../../src/providers/proxyjam/index.js';
import { classifyStatus, mapOffer, mapOrder, offersFromCatalog, orderFromResponse, ordersFromResponse } from '../../src/providers/proxyjam/map.js';
import { BANDWIDTH_WARNING, ESTIMATE_WARNING, prepareFromOffer } from '../../src/providers/proxyjam/rules.js';
import type { CompareAsk, Order, OrderState, PreparedOrder, ProviderClient } from '../../src/providers/types.js';
import { createSimulator, FOREIGN_ORDER_ID, type ProxyJamSimulatorOptions, sandboxKey, seedCatalog } from '../../src/sandbox/proxyjam.js';
import { connectParsed, perUnit, priceCandidates } from '../fixtures.js';
import { rejection } from '../rejection.js';

// ---------------------------------------------------------------- helpers

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function start(options: ProxyJamSimulatorOptions = {}, connection: { apiKey?: string; timeoutMs?: number } = {}) {
  const sim = createSimulator(options);
  const baseUrl = await sim.listen();
  open.push(sim);
  const client = await connectParsed(provider, { baseUrl, apiKey: connection.apiKey ?? sandboxKey, timeoutMs: connection.timeoutMs ?? 2000 });
  return { sim, baseUrl, client };
}

/** The error a promise rejects with, checked to be ours and to never carry the key. */
const failure = (promise: Promise<unknown>, secrets: string[] = [sandboxKey]) => rejection(promise, secrets);

function response(status: number, body: unknown): HttpResponse {
  return { status, body, text: JSON.stringify(body), headers: {} };
}

async function placeFresh(client: ProviderClient, input: Record<string, unknown>): Promise<{ prepared: PreparedOrder; order: Order; key: string }> {
  const prepared = await client.prepareOrder(input);
  const key = crypto.randomUUID();
  const order = await client.placeOrder(prepared, key);
  return { prepared, order, key };
}

// The documented catalog example (offer 42), used by the pure tests.
const DOC_CATALOG = {
  kinds: [
    {
      kind: 'residential',
      offers: [
        {
          id: 42,
          kind: 'residential',
          mode: 'rotating',
          ip_version: 'IPv4',
          name: 'US Residential Rotating',
          description: 'High-quality US residential proxies',
          country_code: 'US',
          is_available: true,
          price_from_usd: 3.5,
          currency: 'USD',
          options: [{ price: 3.5, period_days: 30, period_name: '30 days', period_months: 1 }],
        },
      ],
    },
  ],
  total: 1,
};

const ACCESS = {
  id: '1836367',
  host: 'proxy.example.test',
  port: 10001,
  username: 'usr_abc',
  password: 'pw-secret',
  protocol: 'HTTP',
  status: 'active',
  expires_at: '2024-02-14T10:00:00Z',
  whitelisted_ips: [],
  bandwidth_total_gb: 1,
  bandwidth_used_gb: 0,
};

const STANDARD_ORDER = {
  id: 'order-uuid-here',
  user_id: 'user-uuid',
  offer_id: 42,
  status: 'active',
  total_usd: 7.0,
  proxy_type: 'residential',
  country: 'US',
  quantity: 2,
  period_days: 30,
  payment_info: { payment_method: 'wallet', payment_intent_id: null, payment_url: null },
  proxy_access: [ACCESS],
};

const MOBILE_ORDER = {
  type: 'mobile',
  id: 'mobile-order',
  status: 'active',
  auto_renew: true,
  expires_at: '2026-12-31T23:59:59Z',
  host: 'gw.example.test',
  port: 24534,
  username: 'pj_abc',
  password: 'mobile-secret',
  current_ip: '203.0.113.10',
  order_status: 'provisioned',
  protocol: 'HTTP',
  country: 'US',
  period_days: 1,
  total_usd: null,
  total_amount: '1.50',
};

// ---------------------------------------------------------------- pure mapping

describe('ProxyJam status classification', () => {
  const table: Array<[string, boolean, OrderState]> = [
    ['active', false, 'active'],
    ['provisioned', false, 'active'],
    ['paid', true, 'active'],
    ['paid', false, 'pending'],
    ['pending', false, 'pending'],
    ['pending_payment', false, 'pending'],
    ['new', false, 'pending'],
    ['waiting_payment', false, 'pending'],
    ['failed', false, 'failed'],
    ['provisioning_failed', false, 'failed'],
    ['cancelled', false, 'cancelled'],
    ['refunded', false, 'refunded'],
    ['expired', true, 'expired'],
  ];
  it.each(table)('%s (credentials: %s) is %s', (word, hasAccess, state) => {
    expect(classifyStatus(word, hasAccess)).toBe(state);
    expect(classifyStatus(word.toUpperCase(), hasAccess)).toBe(state);
  });

  it('keeps polling on a word it does not know, unless credentials are there', () => {
    expect(classifyStatus('reviewing', false)).toBe('pending');
    expect(classifyStatus('reviewing', true)).toBe('active');
    expect(classifyStatus(undefined, false)).toBe('pending');
  });
});

describe('ProxyJam order shapes', () => {
  it('reads a single object, an array and {orders: [...]} the same way', () => {
    const fromObject = orderFromResponse(STANDARD_ORDER);
    expect(fromObject).toMatchObject({ id: 'order-uuid-here', status: 'active', state: 'active', total_usd: 7 });
    expect(fromObject?.proxies).toEqual([{ host: 'proxy.example.test', port: 10001, protocol: 'HTTP', username: 'usr_abc', password: 'pw-secret' }]);
    expect(orderFromResponse([STANDARD_ORDER])).toEqual(fromObject);
    expect(orderFromResponse({ orders: [STANDARD_ORDER] })).toEqual(fromObject);
  });

  it('reads the MCP example: upper-case PAID with credentials is active', () => {
    const order = orderFromResponse({ orders: [{ ...STANDARD_ORDER, status: 'PAID' }] });
    expect(order).toMatchObject({ status: 'PAID', state: 'active' });
    expect(orderFromResponse({ ...STANDARD_ORDER, status: 'PAID', proxy_access: [] })?.state).toBe('pending');
  });

  it('finds no order in an empty list, an error body or a non-object', () => {
    expect(orderFromResponse({ orders: [] })).toBeUndefined();
    expect(orderFromResponse([])).toBeUndefined();
    expect(orderFromResponse({ detail: 'Insufficient wallet balance' })).toBeUndefined();
    expect(orderFromResponse('ok')).toBeUndefined();
    expect(ordersFromResponse([STANDARD_ORDER, { nope: true }])).toBeUndefined();
  });

  it('merges several orders of one create answer: first id, all proxies, summed total', () => {
    const second = { ...STANDARD_ORDER, id: 'second', total_usd: 3.5, proxy_access: [{ ...ACCESS, port: 10002 }] };
    const order = orderFromResponse([STANDARD_ORDER, second]);
    expect(order).toMatchObject({ id: 'order-uuid-here', total_usd: 10.5, state: 'active', order_ids: ['order-uuid-here', 'second'] });
    expect(order?.proxies.map((proxy) => proxy.port)).toEqual([10001, 10002]);
    const pendingSecond = { ...second, status: 'pending', proxy_access: [] };
    expect(orderFromResponse([STANDARD_ORDER, pendingSecond])?.state).toBe('pending');
  });

  it('reads credentials given as top-level proxy_* fields', () => {
    const order = orderFromResponse({
      id: 'order-uuid',
      status: 'active',
      proxy_host: 'proxy.example.test',
      proxy_port: 10001,
      proxy_username: 'user_abc',
      proxy_password: 'flat-secret',
      proxy_protocol: 'SOCKS5',
      proxy_status: 'active',
      proxy_expires_at: '2024-02-01T00:00:00Z',
    });
    expect(order?.proxies).toEqual([{ host: 'proxy.example.test', port: 10001, protocol: 'SOCKS5', username: 'user_abc', password: 'flat-secret' }]);
    expect(order).toMatchObject({ state: 'active', expires_at: '2024-02-01T00:00:00Z', proxy_status: 'active' });
    expect(orderFromResponse({ id: 'x', status: 'pending', proxy_host: null, proxy_port: null })?.proxies).toEqual([]);
  });

  it('reads the flat mobile shape: order_status is the lifecycle, status the live state', () => {
    const order = mapOrder(orderSchema.parse(MOBILE_ORDER));
    expect(order).toMatchObject({
      id: 'mobile-order',
      status: 'provisioned',
      state: 'active',
      proxy_status: 'active',
      total_usd: 1.5,
      current_ip: '203.0.113.10',
    });
    expect(order.proxies).toEqual([{ host: 'gw.example.test', port: 24534, protocol: 'HTTP', username: 'pj_abc', password: 'mobile-secret' }]);

    const waiting = mapOrder(orderSchema.parse({ ...MOBILE_ORDER, order_status: 'paid', status: 'inactive', host: null, port: null }));
    expect(waiting).toMatchObject({ status: 'paid', state: 'pending', proxies: [] });
    const paidWithHost = mapOrder(orderSchema.parse({ ...MOBILE_ORDER, order_status: 'PAID' }));
    expect(paidWithHost.state).toBe('active');
    const lifecycleMissing = mapOrder(orderSchema.parse({ ...MOBILE_ORDER, order_status: undefined, status: 'expired' }));
    expect(lifecycleMissing).toMatchObject({ status: 'expired', state: 'expired' });
  });
});

describe('ProxyJam catalog mapping', () => {
  it('normalises the documented catalog example', () => {
    const offers = offersFromCatalog(DOC_CATALOG)!;
    expect(offers).toHaveLength(1);
    expect(mapOffer(offers[0])).toEqual({
      id: 42,
      name: 'US Residential Rotating',
      kind: 'residential',
      country: 'US',
      price_from_usd: 3.5,
      options: DOC_CATALOG.kinds[0].offers[0].options,
      mode: 'rotating',
      ip_version: 'IPv4',
      is_available: true,
      description: 'High-quality US residential proxies',
      requires_tarification_index: false,
    });
  });

  it('fills kind from the group and price from the cheapest option', () => {
    const offers = offersFromCatalog({
      kinds: [
        {
          kind: 'mobile',
          offers: [
            {
              id: '7',
              mode: 'rotating',
              options: [
                { price: '12', period_days: 30, tarification_index: 1 },
                { price: 1.5, period_days: 1, tarification_index: 0 },
              ],
            },
          ],
        },
      ],
    })!;
    const offer = mapOffer(offers[0]);
    expect(offer).toMatchObject({ id: 7, kind: 'mobile', country: null, price_from_usd: 1.5, requires_tarification_index: true });
  });

  it('refuses a body that is not a catalog', () => {
    expect(offersFromCatalog({ kinds: 'nope' })).toBeUndefined();
    expect(offersFromCatalog({ kinds: [{ kind: 'x', offers: [{ name: 'no id' }] }] })).toBeUndefined();
  });
});

describe('ProxyJam order rules (pure)', () => {
  const residential = offersFromCatalog(DOC_CATALOG)![0];
  const mobile: VendorOffer = {
    id: 77,
    kind: 'mobile',
    mode: 'rotating',
    ip_version: 'IPv4',
    name: 'US Mobile Rotating',
    country_code: 'US',
    is_available: true,
    options: [
      { price: 1.5, period_days: 1, period_name: '1 day', traffic_name: '1 GB', tarification_index: 0 },
      { price: 12, period_days: 30, period_name: '30 days', traffic_name: '5 GB', tarification_index: 1 },
    ],
  };

  it('picks 30 days among several periods when period_days is left out, and asks otherwise', () => {
    const weekly: VendorOffer = {
      ...residential,
      options: [
        { price: 0.4, period_days: 7 },
        { price: 1.2, period_days: 30 },
      ],
    };
    expect(prepareFromOffer(weekly, { offer_id: 42 }).request.period_days).toBe(30);
    const noMonth: VendorOffer = {
      ...residential,
      options: [
        { price: 0.4, period_days: 7 },
        { price: 3, period_days: 90 },
      ],
    };
    expect(() => prepareFromOffer(noMonth, { offer_id: 42 })).toThrow(/sells several periods: set period_days to one of 7, 90/);
    expect(prepareFromOffer(noMonth, { offer_id: 42, period_days: 90, quantity: 3 }).quote.total_usd).toBe(9);
  });

  it('sends the offer kind, IP version and country instead of the vendor defaults', () => {
    const prepared = prepareFromOffer(residential, { offer_id: 42, quantity: 2 });
    expect(prepared.request).toEqual({
      offer_id: 42,
      payment_method: 'wallet',
      proxy_type: 'residential',
      ip_version: 'IPv4',
      country: 'US',
      quantity: 2,
      period_days: 30,
      // Renewal is a recurring charge: never left to the vendor's default.
      auto_renew: false,
    });
    expect(prepared.quote).toEqual({
      total_usd: 7,
      price_source: 'catalog_estimate',
      summary: '2 × US Residential Rotating (offer 42), 30 days',
      warnings: [ESTIMATE_WARNING],
    });
  });

  it('takes the period of the chosen tariff and warns about an unpriced bandwidth cap', () => {
    const prepared = prepareFromOffer(mobile, { offer_id: 77, tarification_index: 0, bandwidth_gb: 2 });
    expect(prepared.request).toMatchObject({ tarification_index: 0, period_days: 1, proxy_type: 'mobile', bandwidth_gb: 2 });
    expect(prepared.quote.total_usd).toBe(1.5);
    expect(prepared.quote.summary).toBe('1 × US Mobile Rotating (offer 77), tariff 0: 1 GB, 1 day, 2 GB cap');
    expect(prepared.quote.warnings).toEqual([ESTIMATE_WARNING, BANDWIDTH_WARNING]);
  });

  it('names the tariffs to choose from when tarification_index is missing', () => {
    expect(() => prepareFromOffer(mobile, { offer_id: 77 })).toThrow(
      /tarification_index is required\. Pick one of: 0 \(1 GB, 1 day, \$1\.50\); 1 \(5 GB, 30 days, \$12\.00\)/,
    );
  });

  it('refuses mismatched offer fields and unknown periods', () => {
    expect(() => prepareFromOffer(residential, { offer_id: 42, proxy_type: 'datacenter' })).toThrow(/residential offer; proxy_type datacenter/);
    expect(() => prepareFromOffer(residential, { offer_id: 42, ip_version: 'IPv6' })).toThrow(/sells IPv4; ip_version IPv6/);
    expect(() => prepareFromOffer(residential, { offer_id: 42, country: 'de' })).toThrow(/located in US; country DE/);
    expect(() => prepareFromOffer(residential, { offer_id: 42, period_days: 7 })).toThrow(/no 7-day option; set period_days to one of 30/);
    expect(() => prepareFromOffer(undefined, { offer_id: 9 })).toThrow(/no offer 9/);
  });
});

describe('ProxyJam error envelope', () => {
  const cases: Array<[string, number, unknown, string, RegExp]> = [
    ['missing key', 401, { detail: 'Missing API key' }, 'auth', /no API key/],
    ['invalid key', 401, { detail: 'Invalid API key' }, 'auth', /refused the API key/],
    ['insufficient funds', 400, { detail: 'Insufficient wallet balance: have 5.00 USD, need 12.50' }, 'insufficient_funds', /does not hold enough/],
    ['other 400', 400, { detail: 'Offer is not available' }, 'invalid_input', /invalid/],
    ['forbidden', 403, { detail: 'Not allowed' }, 'auth', /does not allow/],
    ['not found', 404, { detail: 'Order not found' }, 'not_found', /no such resource/],
    ['idempotency conflict', 409, { detail: 'Idempotency key reused' }, 'vendor_error', /idempotency key was already used for a different order/],
    [
      'newer envelope, funds',
      409,
      { error: { code: 'INSUFFICIENT_FUNDS', message: 'Insufficient funds', details: { required: 1 } } },
      'insufficient_funds',
      /does not hold enough/,
    ],
    ['unlisted 4xx', 402, { detail: 'Payment required' }, 'vendor_error', /rejected the request \(HTTP 402\)/],
  ];
  it.each(cases)('%s → %s', (_name, status, body, kind, message) => {
    const error = interpretVendorError(errorTable, response(status, body))!;
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.details.vendorMessage).toBe(vendorMessageOf(body));
    expect(error.details.httpStatus).toBe(status);
  });

  it('joins a FastAPI validation list into invalid_input', () => {
    const body = {
      detail: [
        { loc: ['body', 'offer_id'], msg: 'Field required', type: 'missing' },
        { loc: ['query', 'kind'], msg: "Input should be 'datacenter', 'residential' or 'mobile'", type: 'enum' },
      ],
    };
    const error = interpretVendorError(errorTable, response(422, body))!;
    expect(error.kind).toBe('invalid_input');
    expect(error.details.vendorMessage).toBe("offer_id: Field required; kind: Input should be 'datacenter', 'residential' or 'mobile'");
    expect(error.message).toContain('offer_id: Field required');
  });

  it('reads the newer {error: {message, details[]}} validation form', () => {
    const body = { error: { code: 'VALIDATION_ERROR', message: 'Validation failed', details: [{ field: 'body.quantity', message: 'must be positive' }] } };
    expect(vendorMessageOf(body)).toBe('Validation failed: quantity: must be positive');
    expect(interpretVendorError(errorTable, response(422, body))?.kind).toBe('invalid_input');
  });

  it('leaves successes alone', () => {
    expect(interpretVendorError(errorTable, response(200, STANDARD_ORDER))).toBeUndefined();
    expect(interpretVendorError(errorTable, response(201, [STANDARD_ORDER]))).toBeUndefined();
  });
});

describe('ProxyJam tool schemas', () => {
  it('mirror the vendor field names and refuse hostile input', () => {
    expect(Object.keys(provider.listOffersInput.shape).sort()).toEqual(['country', 'is_available', 'kind']);
    expect(Object.keys(provider.placeOrderInput.shape).sort()).toEqual(
      ['auto_renew', 'bandwidth_gb', 'city', 'country', 'ip_version', 'isp', 'notes', 'offer_id', 'period_days', 'protocol', 'quantity', 'tarification_index']
        .concat('proxy_type')
        .sort(),
    );
    expect(provider.placeOrderInput.safeParse({ offer_id: 42, notes: 'x'.repeat(1_000_000) }).success).toBe(false);
    expect(provider.placeOrderInput.safeParse({ offer_id: 42, quantity: 0 }).success).toBe(false);
    expect(provider.listOffersInput.safeParse({ kind: 'mobile_rotating' }).success).toBe(false);
  });
});

// ---------------------------------------------------------------- against the simulator

describe('ProxyJam client against its simulator', () => {
  it('lists the catalog with the vendor filters', async () => {
    const { client, sim } = await start();
    const all = await client.listOffers({});
    expect(all.offers.length).toBe(sim.state.catalog.length);
    expect(all.notes?.join(' ')).toMatch(/price × quantity.*tarification_index/);

    const mobileUs = await client.listOffers({ kind: 'mobile', country: 'us', is_available: true });
    expect(mobileUs.offers.map((offer) => offer.id)).toEqual([77]);
    expect(mobileUs.offers[0]).toMatchObject({ kind: 'mobile', country: 'US', mode: 'rotating', requires_tarification_index: true, price_from_usd: 1.5 });

    const inStock = await client.listOffers({ is_available: true });
    expect(inStock.offers.every((offer) => offer.is_available === true)).toBe(true);
    expect(inStock.offers.length).toBeLessThan(all.offers.length);

    const refused = await failure(client.listOffers({ kind: 'static' }));
    expect(refused.kind).toBe('invalid_input');
    expect(sim.log).toHaveLength(3);
  });

  it('the simulator refuses a bad kind with a 422 validation list', async () => {
    const { baseUrl } = await start();
    const res = await fetch(`${baseUrl}/catalog?kind=mobile_rotating`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: Array<{ loc: string[] }> };
    expect(body.detail[0].loc).toEqual(['query', 'kind']);
  });

  it('prepares without any money request and quotes option price × quantity', async () => {
    const { client, sim } = await start();
    const prepared = await client.prepareOrder({ offer_id: 42, quantity: 2, period_days: 30, protocol: 'SOCKS5' });
    expect(prepared.request).toEqual({
      offer_id: 42,
      payment_method: 'wallet',
      proxy_type: 'residential',
      ip_version: 'IPv4',
      country: 'US',
      protocol: 'SOCKS5',
      quantity: 2,
      period_days: 30,
      auto_renew: false,
    });
    expect(prepared.quote).toMatchObject({
      total_usd: 7,
      price_source: 'catalog_estimate',
      summary: '2 × US Residential Rotating (offer 42), 30 days, SOCKS5',
    });
    expect(prepared.quote.warnings?.[0]).toMatch(/estimate/i);
    expect(sim.moneyRequests()).toHaveLength(0);
    expect(sim.state.balance).toBe(100);
  });

  it.each([
    [{ offer_id: 42, tarification_index: 0 }, /does not take tarification_index/],
    [{ offer_id: 77 }, /tarification_index is required/],
    [{ offer_id: 77, tarification_index: 1, period_days: 7 }, /period_days 7 does not match tarification_index 1, which is 30 days/],
    [{ offer_id: 77, tarification_index: 5 }, /no option at tarification_index 5/],
    [{ offer_id: 999999 }, /no offer 999999/],
    [{ offer_id: 44 }, /out of stock/],
    [{ offer_id: 51, period_days: 14 }, /no 14-day option; set period_days to one of 7, 30/],
    [{ offer_id: 52, ip_version: 'IPv4' }, /sells IPv6/],
    [{ offer_id: 'forty-two' }, /offer_id/],
  ])('refuses %j before any money call', async (input, message) => {
    const { client, sim } = await start();
    const error = await failure(client.prepareOrder(input));
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toMatch(message);
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('places a wallet order: one money request, wallet debited by the total, active with credentials', async () => {
    const { client, sim } = await start();
    const { prepared, order, key } = await placeFresh(client, { offer_id: 42, quantity: 2 });
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(sim.state.balance).toBe(100 - prepared.quote.total_usd!);
    expect(order).toMatchObject({ status: 'active', state: 'active', total_usd: 7, offer_id: 42, quantity: 2, payment_method: 'wallet' });
    expect(order.proxies).toHaveLength(2);
    expect(order.proxies[0].password).toMatch(/^[0-9a-f]{20}$/);
    // The simulator stored the exact approved body under the idempotency key.
    const stored = sim.state.orders.get(order.id)!;
    expect(stored).toMatchObject({ offer_id: 42, quantity: 2, period_days: 30, proxy_type: 'residential', country: 'US', payment_method: 'wallet' });
    expect(sim.state.idempotency.has(key)).toBe(true);

    const status = await client.orderStatus(order.id);
    expect(status).toMatchObject({ id: order.id, state: 'active', total_usd: 7 });
    expect(status.proxies).toEqual(order.proxies);
  });

  it('sends the idempotency key in both the body and the Idempotency-Key header', async () => {
    const seen: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }> = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(STANDARD_ORDER));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const client = await provider.connect({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/public/v1`,
      apiKey: sandboxKey,
      timeoutMs: 2000,
    });
    const key = crypto.randomUUID();
    const request = { offer_id: 42, payment_method: 'wallet', quantity: 2, period_days: 30 };
    await client.placeOrder({ request, quote: { total_usd: 7, price_source: 'catalog_estimate', summary: 'x' } }, key);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['idempotency-key']).toBe(key);
    expect(seen[0].headers['x-api-key']).toBe(sandboxKey);
    expect(seen[0].body).toEqual({ ...request, idempotency_key: key });
  });

  it('places a mobile rotating tariff and reads its flat mobile status shape', async () => {
    const { client, sim } = await start();
    const { order } = await placeFresh(client, { offer_id: 77, tarification_index: 0 });
    expect(sim.state.balance).toBe(98.5);
    expect(order.state).toBe('active');
    const status = await client.orderStatus(order.id);
    expect(status).toMatchObject({ status: 'provisioned', state: 'active', proxy_status: 'active', total_usd: 1.5, period_days: 1 });
    expect(status.proxies).toHaveLength(1);
    expect(typeof status.current_ip).toBe('string');
  });

  it.each(['object', 'array', 'wrapped'] as const)('copes with the %s create-response shape', async (responseShape) => {
    const { client, sim } = await start({ responseShape });
    const { order } = await placeFresh(client, { offer_id: 43 });
    expect(order).toMatchObject({ state: 'active', total_usd: 4 });
    expect(sim.state.orders.has(order.id)).toBe(true);
    expect(order.proxies).toHaveLength(1);
  });

  it('polls a provisioning order until it is active (REST vocabulary)', async () => {
    const { client } = await start({ provisioningDelayMs: 150 });
    const { order } = await placeFresh(client, { offer_id: 43 });
    expect(order).toMatchObject({ status: 'pending', state: 'pending', proxies: [] });
    let current = await client.orderStatus(order.id);
    for (let i = 0; i < 40 && current.state !== 'active'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      current = await client.orderStatus(order.id);
    }
    expect(current).toMatchObject({ status: 'active', state: 'active' });
    expect(current.proxies).toHaveLength(1);
  });

  it('understands the MCP vocabulary: PAID without credentials is pending, then PROVISIONED', async () => {
    const { client } = await start({ provisioningDelayMs: 150, statusVocabulary: 'mcp' });
    const { order } = await placeFresh(client, { offer_id: 43 });
    expect(order).toMatchObject({ status: 'PAID', state: 'pending' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await client.orderStatus(order.id)).toMatchObject({ status: 'PROVISIONED', state: 'active' });
  });

  it('answers PAID with credentials at once in the MCP vocabulary, which is active', async () => {
    const { client } = await start({ statusVocabulary: 'mcp', responseShape: 'wrapped' });
    const { order } = await placeFresh(client, { offer_id: 43 });
    expect(order).toMatchObject({ status: 'PAID', state: 'active' });
  });

  it.each([
    ['rest', 'expired', 'expired', 'expired'],
    ['rest', 'failed', 'failed', 'failed'],
    ['rest', 'cancelled', 'cancelled', 'cancelled'],
    ['mcp', 'refunded', 'REFUNDED', 'refunded'],
    ['mcp', 'failed', 'PROVISIONING_FAILED', 'failed'],
    ['mcp', 'awaiting_payment', 'WAITING_PAYMENT', 'pending'],
  ] as const)('reports a %s %s order as %s → %s', async (statusVocabulary, lifecycle, word, state) => {
    const { client, sim } = await start({ statusVocabulary });
    const { order } = await placeFresh(client, { offer_id: 43 });
    sim.state.orders.get(order.id)!.lifecycle = lifecycle;
    expect(await client.orderStatus(order.id)).toMatchObject({ status: word, state });
  });

  it('reads the wallet balance', async () => {
    const { client, sim } = await start({ balance: 42.5 });
    expect(await client.walletBalance!()).toEqual({ balance: 42.5, currency: 'USD' });
    sim.state.balance = 3;
    expect((await client.walletBalance!()).balance).toBe(3);
  });
});

describe('ProxyJam documented errors over HTTP', () => {
  it('a wrong key is auth with the vendor message, and the key is in no message', async () => {
    const wrongKey = 'pj_live_wrong_0123456789abcdef';
    const { client } = await start({}, { apiKey: wrongKey });
    for (const call of [
      client.walletBalance!(),
      client.orderStatus('abc'),
      client.placeOrder(
        { request: { offer_id: 42, payment_method: 'wallet' }, quote: { total_usd: 3.5, price_source: 'catalog_estimate', summary: 'x' } },
        crypto.randomUUID(),
      ),
    ]) {
      const error = await failure(call, [wrongKey, sandboxKey]);
      expect(error.kind).toBe('auth');
      expect(error.details.vendorMessage).toBe('Invalid API key');
      expect(error.details.nothingCharged).toBe(true);
    }
  });

  it('no key is auth with "Missing API key"', async () => {
    const { client } = await start({}, { apiKey: '' });
    const error = await failure(client.walletBalance!());
    expect(error.kind).toBe('auth');
    expect(error.details.vendorMessage).toBe('Missing API key');
  });

  it('insufficient funds keeps the vendor message and charges nothing', async () => {
    const { client, sim } = await start({ balance: 5 });
    const prepared = await client.prepareOrder({ offer_id: 77, tarification_index: 1 });
    const error = await failure(client.placeOrder(prepared, crypto.randomUUID()));
    expect(error.kind).toBe('insufficient_funds');
    expect(error.details.vendorMessage).toBe('Insufficient wallet balance: have 5.00 USD, need 12.00');
    expect(error.details.nothingCharged).toBe(true);
    expect(sim.state.balance).toBe(5);
    expect(sim.state.orders.size).toBe(0);
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  it("another account's order (403) is not_found for this account", async () => {
    const { client } = await start();
    const error = await failure(client.orderStatus(FOREIGN_ORDER_ID));
    expect(error.kind).toBe('not_found');
    expect(error.details.httpStatus).toBe(403);
    expect(error.message).toMatch(/another account/);
    expect(error.details.vendorMessage).toBe('This order belongs to another account');
  });

  it('an unknown order is not_found', async () => {
    const { client } = await start();
    const error = await failure(client.orderStatus(crypto.randomUUID()));
    expect(error.kind).toBe('not_found');
    expect(error.details.vendorMessage).toBe('Order not found');
    expect((await failure(client.orderStatus('  '))).kind).toBe('invalid_input');
  });

  it('the same key with a different body is a 409 vendor_error, with one charge only', async () => {
    const { client, sim } = await start();
    const { key } = await placeFresh(client, { offer_id: 43 });
    const other = await client.prepareOrder({ offer_id: 43, quantity: 2 });
    const error = await failure(client.placeOrder(other, key));
    expect(error.kind).toBe('vendor_error');
    expect(error.details.httpStatus).toBe(409);
    expect(error.message).toMatch(/idempotency key was already used/);
    expect(error.details.vendorMessage).toMatch(/different request body/);
    expect(sim.state.balance).toBe(96);
    expect(sim.state.orders.size).toBe(1);
  });

  it('a vendor 422 becomes invalid_input with the joined field messages', async () => {
    const { client, sim } = await start();
    const sneaky: PreparedOrder = {
      request: { offer_id: 42, payment_method: 'wallet', quantity: 1, period_days: 30, tarification_index: 0 },
      quote: { total_usd: 3.5, price_source: 'catalog_estimate', summary: 'x' },
    };
    const error = await failure(client.placeOrder(sneaky, crypto.randomUUID()));
    expect(error.kind).toBe('invalid_input');
    expect(error.details.vendorMessage).toBe('tarification_index: tarification_index is only accepted for mobile rotating offers');
    const mismatch = await failure(
      client.placeOrder({ ...sneaky, request: { offer_id: 77, payment_method: 'wallet', tarification_index: 1, period_days: 1 } }, crypto.randomUUID()),
    );
    expect(mismatch.kind).toBe('invalid_input');
    expect(mismatch.details.vendorMessage).toMatch(/^period_days: period_days must equal 30/);
    const missing = await failure(client.placeOrder({ ...sneaky, request: { payment_method: 'wallet' } }, crypto.randomUUID()));
    expect(missing.details.vendorMessage).toBe('offer_id: Field required');
    expect(sim.state.balance).toBe(100);
  });

  it('the rate limit is rate_limited with the wait', async () => {
    const { client } = await start({ rateLimitPerMinute: 2 });
    await client.walletBalance!();
    await client.walletBalance!();
    const error = await failure(client.walletBalance!());
    expect(error.kind).toBe('rate_limited');
    expect(error.details.retryAfterSeconds).toBeGreaterThan(10);
    expect(error.details.vendorMessage).toMatch(/Rate limit exceeded/);
  });

  it('a failing read is retried, then vendor_unavailable', async () => {
    const { client, sim } = await start();
    sim.inject({ method: 'GET', path: /^\/wallet\/balance$/, action: { kind: 'status', status: 502 }, times: 1 });
    expect((await client.walletBalance!()).balance).toBe(100);
    sim.inject({ method: 'GET', path: /^\/wallet\/balance$/, action: { kind: 'html', status: 503 } });
    expect((await failure(client.walletBalance!())).kind).toBe('vendor_unavailable');
  });
});

describe('ProxyJam money call retries and reconciliation', () => {
  it('retries a 500 after the vendor committed, with the same key: one order, one charge', async () => {
    const { client, sim } = await start();
    sim.inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'status', status: 500 }, times: 1 });
    const { order } = await placeFresh(client, { offer_id: 43 });
    expect(sim.moneyRequests()).toHaveLength(2);
    expect(sim.state.orders.size).toBe(1);
    expect(sim.state.orders.has(order.id)).toBe(true);
    expect(sim.state.balance).toBe(96);
  });

  it('retries a 503 before the vendor acted: one charge', async () => {
    const { client, sim } = await start();
    sim.inject({ method: 'POST', path: /^\/orders$/, action: { kind: 'status', status: 503 }, times: 2 });
    await placeFresh(client, { offer_id: 43 });
    expect(sim.moneyRequests()).toHaveLength(3);
    expect(sim.state.balance).toBe(96);
  });

  it('silence after commit is outcome_unknown; reconcile replays and finds the same order', async () => {
    const { client, sim } = await start({}, { timeoutMs: 150 });
    sim.inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'hang' } });
    const prepared = await client.prepareOrder({ offer_id: 43 });
    const key = crypto.randomUUID();
    const sentAt = Date.now();
    const error = await failure(client.placeOrder(prepared, key));
    expect(error.kind).toBe('outcome_unknown');
    expect(error.details.nothingCharged).toBeUndefined();
    // A hang used up the money-call time limit: no second attempt, reconciliation decides.
    expect(sim.moneyRequests()).toHaveLength(1);
    expect(sim.state.orders.size).toBe(1);
    expect(sim.state.balance).toBe(96);

    sim.clearFaults();
    const found = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: key, prepared, sentAt });
    expect(found?.id).toBe([...sim.state.orders.keys()][0]);
    expect(found?.state).toBe('active');
    expect(sim.state.orders.size).toBe(1);
    expect(sim.state.balance).toBe(96);
  });

  it('an order that never arrived is placed by the replay (the approved order, once)', async () => {
    const { client, sim } = await start({}, { timeoutMs: 150 });
    sim.inject({ method: 'POST', path: /^\/orders$/, action: { kind: 'hang' } });
    const prepared = await client.prepareOrder({ offer_id: 43 });
    const key = crypto.randomUUID();
    expect((await failure(client.placeOrder(prepared, key))).kind).toBe('outcome_unknown');
    expect(sim.state.orders.size).toBe(0);
    sim.clearFaults();
    const placed = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: key, prepared, sentAt: Date.now() });
    expect(placed).toMatchObject({ state: 'active', total_usd: 4 });
    expect(sim.state.balance).toBe(96);
    const again = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: key, prepared, sentAt: Date.now() });
    expect(again?.id).toBe(placed?.id);
    expect(sim.state.balance).toBe(96);
  });

  it('reconcile cannot tell when the replay gets no answer either', async () => {
    const { client, sim } = await start({}, { timeoutMs: 150 });
    const prepared = await client.prepareOrder({ offer_id: 43 });
    sim.inject({ method: 'POST', path: /^\/orders$/, action: { kind: 'hang' } });
    expect(
      await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: crypto.randomUUID(), prepared, sentAt: Date.now() }),
    ).toBeUndefined();
    expect(sim.state.orders.size).toBe(0);
  });

  it('reconcile says no order when the replay is refused', async () => {
    const { client, sim } = await start();
    const prepared = await client.prepareOrder({ offer_id: 43 });
    sim.state.balance = 1;
    expect(
      await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: crypto.randomUUID(), prepared, sentAt: Date.now() }),
    ).toBeNull();
    expect(sim.state.orders.size).toBe(0);
  });

  it('reconcile does not replay a key older than a day (a late replay could charge again)', async () => {
    const { client, sim } = await start();
    const prepared = await client.prepareOrder({ offer_id: 43 });
    expect(
      await recoverLostOrder(client, provider.capabilities, {
        knownOrderIds: [],
        idempotencyKey: crypto.randomUUID(),
        prepared,
        sentAt: Date.now() - 2 * 24 * 3600 * 1000,
      }),
    ).toBeUndefined();
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('a vendor that cannot be reached at all charged nothing', async () => {
    const { client, sim } = await start();
    const prepared = await client.prepareOrder({ offer_id: 43 });
    await sim.close();
    const error = await failure(client.placeOrder(prepared, crypto.randomUUID()));
    expect(error.kind).toBe('vendor_unavailable');
    expect(error.details.nothingCharged).toBe(true);
  });

  it('an unreadable 2xx answer to the money call is outcome_unknown', async () => {
    const { client, sim } = await start();
    sim.inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'status', status: 201, json: { ok: true } } });
    const prepared = await client.prepareOrder({ offer_id: 43 });
    const error = await failure(client.placeOrder(prepared, crypto.randomUUID()));
    expect(error.kind).toBe('outcome_unknown');
    expect(sim.state.balance).toBe(96);
  });
});

describe('ProxyJam contract fixture', () => {
  it('holds against the simulator', async () => {
    const { client, sim } = await start();
    expect((await client.listOffers(fixture.listInput)).offers.length).toBeGreaterThan(0);
    for (const { input, message } of fixture.invalidOrders) {
      const error = await failure(client.prepareOrder(input));
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toMatch(message);
    }
    const { prepared } = await placeFresh(client, fixture.order);
    expect(sim.state.balance).toBe(100 - prepared.quote.total_usd!);
    const dear = await client.prepareOrder(fixture.unaffordableOrder!);
    expect(dear.quote.total_usd).toBeGreaterThan(sim.state.balance);
    expect((await failure(client.placeOrder(dear, crypto.randomUUID()))).kind).toBe('insufficient_funds');
  });
});

describe('proxyjam compare candidates (what proxycart_compare_offers offers)', () => {
  /** What the seeded catalog says a candidate costs. */
  function seedTotal(args: Record<string, any>): number {
    const item = seedCatalog().find((o) => o.id === args.offer_id)!;
    const option =
      args.tarification_index !== undefined ? item.options[args.tarification_index]! : item.options.find((o) => o.period_days === args.period_days)!;
    return Math.round(option.price * args.quantity * 100) / 100;
  }

  it('prices every candidate with the seeded catalog’s arithmetic', async () => {
    const { client } = await start();
    for (const ask of [
      { kind: 'residential', bandwidth_gb: 10 },
      { kind: 'datacenter', country: 'US', quantity: 2 },
    ] satisfies CompareAsk[]) {
      const { priced } = await priceCandidates(client, ask);
      expect(priced.length, ask.kind).toBeGreaterThan(0);
      for (const { candidate, quote } of priced) {
        expect(quote.total_usd, JSON.stringify(candidate.args)).toBeCloseTo(seedTotal(candidate.args), 2);
        expect(perUnit(quote.total_usd!, candidate.units)).toBeGreaterThan(0);
      }
    }
  });

  it('offers two US datacenter IPs at 0.60 USD per IP-month, 1.20 USD in all (the cheapest of the sandbox)', async () => {
    const { client } = await start();
    const { priced } = await priceCandidates(client, { kind: 'datacenter', country: 'US', quantity: 2 });
    const cheapest = priced.sort((a, b) => a.quote.total_usd! - b.quote.total_usd!)[0]!;
    expect(cheapest.quote.total_usd).toBe(1.2);
    expect(cheapest.candidate.unit).toBe('ip_month');
    expect(perUnit(cheapest.quote.total_usd!, cheapest.candidate.units)).toBe(0.6);
  });
});

describe('proxyjam SOCKS5 orders', () => {
  it('places the fixture’s SOCKS5 order with SOCKS5 proxies', async () => {
    const { client } = await start();
    const prepared = await client.prepareOrder(fixture.socksOrder!);
    const order = await client.placeOrder(prepared, 'socks-key-1');
    expect(order.proxies.length).toBeGreaterThan(0);
    for (const proxy of order.proxies) expect(proxy.protocol).toBe('SOCKS5');
    const status = await client.orderStatus(order.id);
    expect(status.proxies[0]).toMatchObject({ protocol: 'SOCKS5' });
  });
});
