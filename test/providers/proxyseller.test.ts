import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxycartError } from '../../src/errors.js';
import { recoverLostOrder } from '../../src/guard/reconcile.js';
import type { HttpResponse } from '../../src/http/client.js';
import { interpretVendorError } from '../../src/http/vendor-errors.js';
import { calcAnswer, makeAnswer } from '../../src/providers/proxyseller/api.js';
import { SETTLE_MS } from '../../src/providers/proxyseller/client.js';
import { errorTable } from '../../src/providers/proxyseller/errors.js';
import { fixture } from '../../src/providers/proxyseller/fixture.js';
import { provider } from '../../src/providers/proxyseller/index.js';
import {
  belongsTo,
  classifyStatus,
  offersFrom,
  orderFromItems,
  orderFromMake,
  parseAllReferences,
  parseTypeReference,
  parseVendorDate,
  proxyItemsByType,
  proxyItemsOf,
  quoteFrom,
} from '../../src/providers/proxyseller/map.js';
import { buildRequest, checkFields, summarize } from '../../src/providers/proxyseller/rules.js';
import { type PlaceOrderInput, placeOrderInput } from '../../src/providers/proxyseller/schemas.js';
import type { CompareAsk, PreparedOrder, ProviderClient } from '../../src/providers/types.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { createSimulator, type ProxySellerState, SECTIONS, sandboxKey, TARIFS } from '../../src/sandbox/proxyseller.js';
import { connectParsed, priceCandidates } from '../fixtures.js';
import { rejection } from '../rejection.js';

const DAY = 24 * 60 * 60 * 1000;

function vendorDate(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
}

const caught = (promise: Promise<unknown>) => rejection(promise);
/** For input the schema refuses: connectParsed may throw before a promise exists. */
const refused = (call: () => Promise<unknown>) => rejection(Promise.resolve().then(call));

function respond(body: unknown): HttpResponse {
  return { status: 200, body, text: JSON.stringify(body), headers: {} };
}

/** The error the shared interpreter makes of an answer with Proxy-Seller's table. */
const envelopeError = (response: HttpResponse) => interpretVendorError(errorTable, response);

/** The error of an envelope carrying these vendor errors (the old classifier's input). */
function classifyVendorError(errors: Array<{ message: string; code: number }>) {
  return envelopeError(respond({ status: 'error', data: null, errors: errors.map((e) => ({ ...e, customData: null })) }))!;
}

function input(value: Record<string, unknown>): PlaceOrderInput {
  return placeOrderInput.parse(value);
}

// The v1 item as the vendor's docs print it (ids as strings).
const DOC_ITEM = {
  id: '0678564',
  order_id: '123456',
  order_number: '2000096_20240080',
  basket_id: '12345566',
  ip: '31.6.33.97',
  ip_only: '31.6.33.97',
  protocol: 'HTTP',
  port_socks: 12346,
  port_http: 12345,
  login: 'ruht5734hg',
  password: 'gou5h437g',
  auth_ip: '',
  rotation: '',
  link_reboot: '#',
  country: 'France',
  country_alpha3: 'FRA',
  status: 'Active',
  status_type: 'ACTIVE',
  can_prolong: 1,
  date_start: '26.06.2023',
  date_end: vendorDate(Date.now() + 20 * DAY),
  comment: '',
  auto_renew: 'Y',
  auto_renew_period: '',
};

describe('proxyseller mapping', () => {
  it('classifies every status word', () => {
    const later = vendorDate(Date.now() + 10 * DAY);
    const past = vendorDate(Date.now() - 10 * DAY);
    expect(classifyStatus('ACTIVE', later)).toBe('active');
    expect(classifyStatus('Active', later)).toBe('active');
    expect(classifyStatus('ACTIVE')).toBe('active');
    expect(classifyStatus('ACTIVE', past)).toBe('expired');
    expect(classifyStatus('Ended', later)).toBe('active');
    expect(classifyStatus('ENDED', past)).toBe('expired');
    expect(classifyStatus('EXPIRED')).toBe('expired');
    expect(classifyStatus('INACTIVE')).toBe('expired');
    expect(classifyStatus('RETURN')).toBe('refunded');
    expect(classifyStatus('refunded')).toBe('refunded');
    expect(classifyStatus('CANCELED')).toBe('cancelled');
    expect(classifyStatus('Cancelled')).toBe('cancelled');
    expect(classifyStatus('FAILED')).toBe('failed');
    expect(classifyStatus('BLOCKED')).toBe('failed');
    expect(classifyStatus('PAYED')).toBe('pending');
    expect(classifyStatus('NOT_PAYED')).toBe('pending');
    expect(classifyStatus('not payed')).toBe('pending');
    expect(classifyStatus('processing')).toBe('pending');
    expect(classifyStatus(undefined)).toBe('pending');
  });

  it('reads dd.mm.yyyy dates and refuses other forms', () => {
    expect(parseVendorDate('26.06.2023')).toBe(Date.UTC(2023, 5, 26));
    expect(parseVendorDate('1.2.2024')).toBe(Date.UTC(2024, 1, 1));
    expect(parseVendorDate('31.02.2024')).toBeUndefined();
    expect(parseVendorDate('2024-02-01')).toBeUndefined();
    expect(parseVendorDate(null)).toBeUndefined();
  });

  it('reads the documented v1 reference shape', () => {
    const ref = parseTypeReference('ipv4', { items: [{ country: [{ id: 561, name: 'France', alpha3: 'FRA' }], period: [{ id: '1m', name: '1 month' }] }] });
    expect(ref.countries).toEqual([{ id: 561, name: 'France', alpha3: 'FRA', operators: [] }]);
    expect(ref.periods).toEqual([{ id: '1m', name: '1 month' }]);
    const offers = offersFrom([ref]);
    expect(offers).toEqual([
      expect.objectContaining({
        id: 'ipv4-561',
        name: 'IPv4 France',
        kind: 'ipv4',
        country: 'FRA',
        price_from_usd: null,
        countryId: 561,
        options: [{ periodId: '1m', name: '1 month' }],
      }),
    ]);
  });

  it('reads object items, grouped mobile operators, tariffs and mix quantities', () => {
    const mobile = parseTypeReference('mobile', {
      items: {
        country: [
          {
            id: 'USA',
            name: 'USA',
            operators: {
              dedicated: [{ id: 'att', name: 'AT&T', rotations: [{ id: 0, name: 'By link' }] }],
              shared: [{ id: 'vz', name: 'Verizon', rotations: [] }],
            },
          },
        ],
        period: [{ id: '1m', name: '1 month' }],
        rotation: [{ id: 5, name: '5 minutes' }],
      },
    });
    expect(mobile.countries[0].operators).toEqual([
      { id: 'att', name: 'AT&T', serviceType: 'dedicated', rotations: [{ id: 0, name: 'By link' }] },
      { id: 'vz', name: 'Verizon', serviceType: 'shared', rotations: [{ id: 5, name: '5 minutes' }] },
    ]);
    const [offer] = offersFrom([mobile]);
    expect(offer.operators).toEqual([
      { operatorId: 'att', name: 'AT&T', mobileServiceType: 'dedicated', rotations: [{ rotationId: 0, name: 'By link' }] },
      { operatorId: 'vz', name: 'Verizon', mobileServiceType: 'shared', rotations: [{ rotationId: 5, name: '5 minutes' }] },
    ]);

    const resident = parseTypeReference('resident', { items: { tarifs: [{ id: 3, name: '25 GB', personal: false }] } });
    expect(offersFrom([resident])).toEqual([expect.objectContaining({ id: 'resident-3', tarifId: 3, price_from_usd: null, country: null })]);

    expect(parseTypeReference('mix', { items: [{ quantities: [10, '5', 0] }] }).quantities).toEqual([5, 10]);
    expect(parseTypeReference('mix', { items: { quantities: [{ id: 'eu', name: 'Europe', quantities: [100, 50] }] } }).quantities).toEqual([50, 100]);
  });

  it('reads the untyped reference keyed by type, at the top or under items', () => {
    const top = parseAllReferences({ ipv4: [{ country: [{ id: 1, name: 'A' }] }], resident: { tarifs: [{ id: 2, name: '1 GB' }] } });
    expect(top.map((r) => r.type)).toEqual(['ipv4', 'resident']);
    const nested = parseAllReferences({ items: { isp: { country: [{ id: 7, name: 'B' }] } } });
    expect(nested[0]).toMatchObject({ type: 'isp', countries: [{ id: 7 }] });
    expect(parseAllReferences(null)).toEqual([]);
  });

  it('turns calc into a quote, and a calc warning into a blocking quote', () => {
    const clean = quoteFrom({ warning: '', balance: 2000, total: 9, quantity: 5, currency: 'USD', discount: 0, price: 1.8 }, 'x');
    expect(clean).toEqual({ total_usd: 9, price_source: 'vendor_quote', summary: 'x', balance_usd: 2000, warnings: [] });
    const short = quoteFrom(
      { warning: 'Insufficient funds. Total $2. Not enough $33.10', balance: 2, total: 35.1, quantity: 5, currency: 'USD', discount: 0.22, price: 7.02 },
      'y',
    );
    expect(short.blocking).toBe('Insufficient funds. Total $2. Not enough $33.10');
    expect(short.warnings).toEqual(['Proxy-Seller: Insufficient funds. Total $2. Not enough $33.10']);
    expect(short.total_usd).toBe(35.1);
    expect(quoteFrom({ total: 3, currency: 'EUR' }, 'z')).toMatchObject({ total_usd: null, warnings: [expect.stringContaining('EUR')] });
    // A calc answer without a usable total is an unpriced quote (never a price of 0), saying why.
    expect(quoteFrom({ warning: '' }, 'z')).toMatchObject({
      total_usd: null,
      price_source: 'unknown',
      warnings: ['Proxy-Seller gave order/calc total = nothing, which is not a price; the order is treated as unpriced.'],
    });
    // An answer whose data is not a calc object never reaches quoteFrom: the call site refuses it.
    expect(calcAnswer.safeParse({ status: 'success', data: 'not an object', errors: [] }).success).toBe(false);
  });

  it('turns the documented make answer into a pending order; an id-less one does not fit make', () => {
    const order = orderFromMake({ orderId: 2426273, total: 16.2, listBaseOrderNumbers: ['3388485_57471911'], balance: 1776.88 }, 'ipv4');
    expect(order).toEqual({
      id: '2426273',
      status: 'processing',
      state: 'pending',
      total_usd: 16.2,
      proxies: [],
      type: 'ipv4',
      references: ['3388485_57471911'],
      balance_usd: 1776.88,
    });
    expect(orderFromMake({ orderId: '65f0c2', total: 1 }, undefined)).toMatchObject({ id: '65f0c2', references: [] });
    // The HTTP client turns such a money answer into outcome_unknown (see the simulator test below).
    expect(makeAnswer.safeParse({ status: 'success', data: { total: 16.2 }, errors: [] }).success).toBe(false);
  });

  it('reads proxy list items in every documented shape', () => {
    expect(proxyItemsOf({ items: [DOC_ITEM] })).toHaveLength(1);
    expect(proxyItemsOf([DOC_ITEM, DOC_ITEM])).toHaveLength(2);
    expect(proxyItemsOf({ items: 'nope' })).toEqual([]);
    const byType = proxyItemsByType({ ipv4: [DOC_ITEM], ipv6: [], resident: [{ id: 1, title: 'list' }] });
    expect(byType.map(([type, items]) => [type, items.length])).toEqual([
      ['ipv4', 1],
      ['ipv6', 0],
    ]);
  });

  it('matches proxies to an order by order id or base order number', () => {
    const item = proxyItemsOf({ items: [DOC_ITEM] })[0];
    expect(belongsTo(item, '123456')).toBe(true);
    expect(belongsTo({ ...item, order_id: 123456 }, '123456')).toBe(true);
    expect(belongsTo(item, '999')).toBe(false);
    expect(belongsTo({ ...item, order_id: '1' }, '999', ['2000096_20240080'])).toBe(true);
  });

  it('builds an active order with credentials from the documented item', () => {
    const order = orderFromItems('123456', proxyItemsOf({ items: [DOC_ITEM] }), 'ipv4', ['2000096_20240080']);
    expect(order).toMatchObject({
      id: '123456',
      status: 'Active',
      state: 'active',
      type: 'ipv4',
      references: ['2000096_20240080'],
      country: 'FRA',
      proxies: [{ host: '31.6.33.97', port: 12345, protocol: 'http', username: 'ruht5734hg', password: 'gou5h437g' }],
    });
    const socks = orderFromItems('1', proxyItemsOf([{ ...DOC_ITEM, protocol: 'SOCKS5', login: '', password: '' }]), 'ipv6');
    expect(socks.proxies).toEqual([{ host: '31.6.33.97', port: 12346, protocol: 'socks5', username: null, password: null }]);
    expect(socks.note).toMatch(/IP authorization/);
    const mixed = orderFromItems('1', proxyItemsOf([{ ...DOC_ITEM, status_type: 'RETURN', status: 'Returned' }, DOC_ITEM]), 'ipv4');
    expect(mixed.state).toBe('active');
    expect(mixed.proxies).toHaveLength(1);
    const refunded = orderFromItems('1', proxyItemsOf([{ ...DOC_ITEM, status_type: 'RETURN', status: 'Returned' }]), 'ipv4');
    expect(refunded).toMatchObject({ state: 'refunded', status: 'Returned' });
  });
});

describe('proxyseller errors', () => {
  it('reports the access triple as one auth error naming all three causes', () => {
    const error = envelopeError(
      respond({
        status: 'error',
        data: null,
        errors: [
          { message: 'Error api key', code: 503, customData: null },
          { message: 'IP not allowed 10.0.0.1', code: 503, customData: null },
          { message: 'Request limit reached', code: 503, customData: null },
        ],
      }),
    );
    expect(error?.kind).toBe('auth');
    expect(error?.message).toMatch(/API key/);
    expect(error?.message).toMatch(/allowlist/);
    expect(error?.message).toMatch(/1000 requests per minute/);
    expect(error?.details.vendorMessage).toBe('Error api key | IP not allowed 10.0.0.1 | Request limit reached');
  });

  it('maps each documented message to its kind and keeps the vendor words', () => {
    const cases: Array<[string, number, string]> = [
      ['Insufficient funds. Total $2. Not enough $33.10', 0, 'insufficient_funds'],
      ['Insufficient funds on balance', 16, 'insufficient_funds'],
      ['Country not exists', 0, 'invalid_input'],
      ['Set existed [periodId] from reference', 0, 'invalid_input'],
      ['Tarif not found', 0, 'invalid_input'],
      ['Incorrect goal', 14, 'invalid_input'],
      ['Prolong for this order is already in progress', 57, 'vendor_error'],
    ];
    for (const [message, code, kind] of cases) {
      const error = classifyVendorError([{ message, code }]);
      expect([message, error.kind]).toEqual([message, kind]);
      expect(error.details.vendorMessage).toBe(message);
    }
    expect(classifyVendorError([{ message: 'Incorrect goal', code: 14 }]).message).toMatch(/customTargetName/);
    expect(classifyVendorError([{ message: 'Country not exists', code: 0 }]).message).toBe('Proxy-Seller refused the order fields: Country not exists.');
    expect(classifyVendorError([{ message: 'Prolong for this order is already in progress', code: 57 }]).message).toBe('Proxy-Seller refused the request.');
    expect(classifyVendorError([{ message: 'Set existed [paymentId]', code: 0 }]).kind).toBe('invalid_input');
    expect(classifyVendorError([{ message: 'Something new', code: 16 }]).kind).toBe('insufficient_funds');
    expect(classifyVendorError([{ message: 'Something new', code: 0 }])).toMatchObject({ kind: 'vendor_error', message: 'Proxy-Seller refused the request.' });
    // One access error alone, or an unknown sentence with the access code, is still the access triple.
    expect(classifyVendorError([{ message: 'IP not allowed 10.0.0.1', code: 503 }]).advice).toMatch(/IP allowlist/);
    expect(classifyVendorError([{ message: 'Zugriff verweigert', code: 503 }]).kind).toBe('auth');
    expect(classifyVendorError([])).toMatchObject({ kind: 'vendor_error', message: 'Proxy-Seller answered with an error status but gave no reason.' });
  });

  it('treats a calc warning with no errors as an answer, not a failure', () => {
    expect(
      envelopeError(respond({ status: 'error', data: { warning: 'Insufficient funds. Total $2. Not enough $1.00', total: 3 }, errors: [] })),
    ).toBeUndefined();
    expect(envelopeError(respond({ status: 'error', data: null, errors: [] }))?.kind).toBe('vendor_error');
    expect(envelopeError(respond({ status: 'success', data: { summ: 1 }, errors: [] }))).toBeUndefined();
  });
});

describe('proxyseller order rules', () => {
  it('names missing and foreign fields per type', () => {
    expect(() => checkFields(input({ type: 'mobile', countryId: 1, periodId: '1m', quantity: 1 }))).toThrow(
      /mobileServiceType, operatorId, rotationId are required/,
    );
    expect(() => checkFields(input({ type: 'ipv4', countryId: 1, periodId: '1m', quantity: 1, protocol: 'HTTPS' }))).toThrow(/protocol does not apply/);
    expect(() => checkFields(input({ type: 'resident' }))).toThrow(/tarifId is required/);
    expect(() => checkFields(input({ type: 'resident', tarifId: 1, quantity: 2, periodId: '1m' }))).toThrow(/periodId, quantity do not apply/);
    expect(() => checkFields(input({ type: 'ipv6', countryId: 1, periodId: '1m', quantity: 1, protocol: 'SOCKS5' }))).not.toThrow();
  });

  it('builds the vendor body: balance payment, a default purpose where the vendor wants one', () => {
    expect(buildRequest(input({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 2 }))).toEqual({
      paymentId: 1,
      countryId: 561,
      periodId: '1m',
      quantity: 2,
      customTargetName: 'scraping',
    });
    expect(buildRequest(input({ type: 'isp', countryId: 1, periodId: '1m', quantity: 1, customTargetName: 'ads', generateAuth: 'Y' }))).toMatchObject({
      customTargetName: 'ads',
      generateAuth: 'Y',
    });
    expect(buildRequest(input({ type: 'resident', tarifId: 2, coupon: 'X' }))).toEqual({ paymentId: 1, tarifId: 2, coupon: 'X' });
    expect(
      buildRequest(input({ type: 'mobile', countryId: 1, periodId: '1m', quantity: 1, mobileServiceType: 'shared', operatorId: 'a', rotationId: 0 })),
    ).not.toHaveProperty('customTargetName');
  });

  it('summarizes in one readable line', () => {
    const ref = parseTypeReference('ipv4', { items: [{ country: [{ id: 561, name: 'France' }], period: [{ id: '1m', name: '1 month' }] }] });
    expect(summarize(input({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 2 }), ref)).toBe('2 × IPv4 France (countryId 561), 1 month');
    expect(summarize(input({ type: 'resident', tarifId: 9 }), undefined)).toBe('Resident tariff (tarifId 9)');
  });
});

describe('proxyseller client against its simulator', () => {
  let sim: Simulator<ProxySellerState>;
  let baseUrl: string;
  let client: ProviderClient;

  async function start(options: Parameters<typeof createSimulator>[0] = {}): Promise<void> {
    sim = createSimulator({ provisionMs: 50, ...options });
    baseUrl = await sim.listen();
    client = await connectParsed(provider, { baseUrl, apiKey: sandboxKey, timeoutMs: 2000 });
  }

  async function waitForActive(id: string, prepared: PreparedOrder, references: string[]) {
    for (let i = 0; i < 100; i++) {
      const order = await client.orderStatus(id, { lookup: prepared.lookup, references });
      if (order.state !== 'pending') return order;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('order never left pending');
  }

  function calls(path: RegExp) {
    return sim.log.filter((entry) => path.test(entry.path));
  }

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await sim.close();
  });

  it('lists offers of every type with ids to order with and no prices', async () => {
    const { offers, notes } = await client.listOffers({});
    expect(new Set(offers.map((o) => o.kind))).toEqual(new Set(['ipv4', 'ipv6', 'mobile', 'isp', 'mix', 'mix_isp', 'resident']));
    expect(offers.every((o) => o.price_from_usd === null)).toBe(true);
    expect(offers).toContainEqual(expect.objectContaining({ id: 'ipv4-561', countryId: 561, country: 'FRA' }));
    expect(offers).toContainEqual(expect.objectContaining({ id: 'resident-4', tarifId: 4 }));
    expect(notes?.join(' ')).toMatch(/order\/calc/);

    const mobile = await client.listOffers({ type: 'mobile' });
    expect(mobile.offers.every((o) => o.kind === 'mobile')).toBe(true);
    expect(mobile.offers[0].operators).toContainEqual(
      expect.objectContaining({ operatorId: 'att', mobileServiceType: 'dedicated', rotations: expect.arrayContaining([{ rotationId: 1, name: 'By link' }]) }),
    );
    const mix = await client.listOffers({ type: 'mix' });
    expect(mix.offers[0].quantities).toEqual([5, 10, 25, 50, 100]);
    const socks = await refused(() => client.listOffers({ type: 'socks' }));
    expect(socks.kind).toBe('invalid_input');
    expect(socks.message).toMatch(/^Invalid arguments: type: /);
  });

  it('prepares an order with the vendor quote and without any money request', async () => {
    const prepared = await client.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 2 });
    expect(prepared.request).toEqual({ paymentId: 1, countryId: 561, periodId: '1m', quantity: 2, customTargetName: 'scraping' });
    expect(prepared.quote).toEqual({
      total_usd: 4.4,
      price_source: 'vendor_quote',
      summary: '2 × IPv4 France (countryId 561), 1 month',
      balance_usd: 100,
      warnings: [],
    });
    // The seeded order of last month is the newest IPv4 order before this one.
    expect(prepared.lookup).toEqual({ type: 'ipv4', knownOrderId: 2426001 });
    expect(sim.moneyRequests()).toHaveLength(0);
    expect(calls(/\/order\/calc$/)).toHaveLength(1);
    expect(sim.state.balance).toBe(100);
  });

  it('refuses bad combinations locally, before any vendor call', async () => {
    const error = await caught(client.prepareOrder({ type: 'ipv6', countryId: 801, periodId: '1m', quantity: 10, tarifId: 3 }));
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toMatch(/protocol is required; tarifId does not apply/);
    expect(sim.log).toHaveLength(0);
    const schema = await refused(() => client.prepareOrder({ type: 'ipv4', countryId: -1, periodId: 'x'.repeat(1_000_000), quantity: 1 }));
    expect(schema.kind).toBe('invalid_input');
    expect(schema.message).toMatch(/^Invalid arguments: countryId: .*; periodId: /);
    expect(schema.message.length).toBeLessThan(400);
    expect(sim.log).toHaveLength(0);
  });

  it('refuses choices missing from the reference without calling calc', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'ipv4', countryId: 801, periodId: '1m', quantity: 1 }, /countryId 801 is not a Proxy-Seller IPv4 country/],
      [{ type: 'ipv6', countryId: 801, periodId: '1w', quantity: 10, protocol: 'HTTPS' }, /periodId "1w" is not offered for IPv6; valid periodIds: 1m, 3m/],
      [{ type: 'mix_isp', countryId: 951, periodId: '1m', quantity: 100 }, /quantity 100 is not a MIX ISP package size; valid quantities: 5, 10, 25, 50/],
      [
        { type: 'mobile', countryId: 1001, periodId: '1m', quantity: 1, mobileServiceType: 'dedicated', operatorId: 'att', rotationId: 9 },
        /rotationId 9 is not a rotation of operator "att"/,
      ],
      [{ type: 'resident', tarifId: 77 }, /tarifId 77 is not a Proxy-Seller resident tariff; valid tarifIds: 1, 2, 3, 4/],
    ];
    for (const [order, message] of cases) {
      const error = await caught(client.prepareOrder(order));
      expect(error.kind).toBe('invalid_input');
      expect(error.message).toMatch(message);
    }
    expect(calls(/\/order\//)).toHaveLength(0);
  });

  it('quotes a mobile order and names operator and rotation', async () => {
    const prepared = await client.prepareOrder({
      type: 'mobile',
      countryId: 1001,
      periodId: '1m',
      quantity: 1,
      mobileServiceType: 'dedicated',
      operatorId: 'att',
      rotationId: 2,
    });
    expect(prepared.quote.total_usd).toBe(65);
    expect(prepared.quote.summary).toBe('1 × Mobile USA dedicated, AT&T, rotation Every 5 minutes (countryId 1001), 1 month');
    expect(prepared.request).not.toHaveProperty('customTargetName');
  });

  it('turns an unaffordable calc into a blocking quote without spending', async () => {
    const prepared = await client.prepareOrder({ type: 'resident', tarifId: 4 });
    expect(prepared.quote.total_usd).toBe(220);
    expect(prepared.quote.blocking).toBe('Insufficient funds. Total $100. Not enough $120.00');
    expect(prepared.quote.warnings).toContain('Proxy-Seller: Insufficient funds. Total $100. Not enough $120.00');
    expect(prepared.lookup).toEqual({ type: 'resident' });
    expect(sim.moneyRequests()).toHaveLength(0);
  });

  it('places the approved body once, debits the wallet and becomes active with credentials', async () => {
    await sim.close();
    await start({ provisionMs: 300 });
    const prepared = await client.prepareOrder({ type: 'ipv4', countryId: 563, periodId: '1m', quantity: 3, authorization: '' });
    const before = (await client.walletBalance!()).balance;
    const order = await client.placeOrder(prepared, 'key-1');
    expect(order).toMatchObject({
      id: '2426273',
      state: 'pending',
      status: 'processing',
      total_usd: prepared.quote.total_usd,
      references: ['3388485_57471911'],
      type: 'ipv4',
    });
    expect(sim.moneyRequests()).toHaveLength(1);
    expect((sim.state.orders.get('2426273') as { request: unknown }).request).toEqual(prepared.request);
    const after = (await client.walletBalance!()).balance;
    expect(after).toBeCloseTo(before - (prepared.quote.total_usd ?? 0), 2);
    expect(sim.state.balance).toBeCloseTo(after, 2);

    const early = await client.orderStatus(order.id, { lookup: prepared.lookup, references: order.references as string[] });
    expect(early).toMatchObject({ state: 'pending', proxies: [] });

    const active = await waitForActive(order.id, prepared, order.references as string[]);
    expect(active).toMatchObject({ id: '2426273', state: 'active', status: 'Active', country: 'USA' });
    expect(active.proxies).toHaveLength(3);
    for (const proxy of active.proxies) {
      expect(proxy.host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(proxy.port).toBeGreaterThan(0);
      expect(proxy.protocol).toBe('http');
      expect(proxy.username).toBeTruthy();
      expect(proxy.password).toBeTruthy();
    }
    // Without a hint (placed elsewhere) the order is found across every type.
    const elsewhere = await client.orderStatus(order.id);
    expect(elsewhere).toMatchObject({ id: '2426273', state: 'active', type: 'ipv4' });
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  it('gives SOCKS5 ports for an IPv6 SOCKS5 order and finds it by base order number', async () => {
    const prepared = await client.prepareOrder({ type: 'ipv6', countryId: 801, periodId: '1m', quantity: 10, protocol: 'SOCKS5' });
    const order = await client.placeOrder(prepared, 'k');
    await new Promise((resolve) => setTimeout(resolve, 80));
    const found = await client.orderStatus('not-the-id', { lookup: prepared.lookup, references: order.references as string[] });
    expect(found.state).toBe('active');
    expect(found.proxies).toHaveLength(10);
    // The sandbox's SOCKS5 gateway serves them (its port, not the HTTP one).
    expect(found.proxies.every((p) => p.protocol === 'socks5' && p.host === sim.socks.host && p.port === sim.socks.port)).toBe(true);
    expect(sim.socks.port).not.toBe(sim.proxy.port);
  });

  it('answers pending for an order placed here but not listed, not_found for an unknown one', async () => {
    const pending = await client.orderStatus('5550001', { lookup: { type: 'isp' }, references: [] });
    expect(pending).toMatchObject({ id: '5550001', state: 'pending', status: 'processing', type: 'isp' });
    const missing = await caught(client.orderStatus('5550001'));
    expect(missing.kind).toBe('not_found');
    expect(missing.message).toMatch(/5550001/);
    expect((await caught(client.orderStatus('  '))).kind).toBe('invalid_input');
  });

  it('reports a resident package as paid and active once placed', async () => {
    const prepared = await client.prepareOrder({ type: 'resident', tarifId: 2 });
    const order = await client.placeOrder(prepared, 'k');
    expect(order.total_usd).toBe(15);
    expect(sim.state.balance).toBe(85);
    const status = await client.orderStatus(order.id, { lookup: prepared.lookup, references: order.references as string[] });
    expect(status).toMatchObject({ state: 'active', status: 'paid', type: 'resident', proxies: [] });
    expect(status.note).toMatch(/proxy list/);
  });

  it('reads the wallet balance in USD', async () => {
    expect(await client.walletBalance!()).toEqual({ balance: 100, currency: 'USD' });
    sim.state.balance = 12.34;
    expect(await client.walletBalance!()).toEqual({ balance: 12.34, currency: 'USD' });
  });

  it('maps each documented order/make error with the vendor message, charging nothing', async () => {
    const base = (request: Record<string, unknown>): PreparedOrder => ({
      request,
      quote: { total_usd: null, price_source: 'vendor_quote', summary: 'test' },
      lookup: { type: 'ipv4' },
    });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ paymentId: 1, countryId: 4242, periodId: '1m', quantity: 1, customTargetName: 'x' }, 'invalid_input', 'Country not exists'],
      [{ paymentId: 1, countryId: 561, periodId: '9m', quantity: 1, customTargetName: 'x' }, 'invalid_input', 'Set existed [periodId] from reference'],
      [{ paymentId: 1, tarifId: 55 }, 'invalid_input', 'Tarif not found'],
      [{ paymentId: 1, countryId: 561, periodId: '1m', quantity: 1 }, 'invalid_input', 'Incorrect goal'],
      [{ paymentId: 1, tarifId: 4 }, 'insufficient_funds', 'Insufficient funds. Total $100. Not enough $120.00'],
    ];
    for (const [request, kind, vendorMessage] of cases) {
      const error = await caught(client.placeOrder(base(request), 'k'));
      expect([vendorMessage, error.kind]).toEqual([vendorMessage, kind]);
      expect(error.details.vendorMessage).toBe(vendorMessage);
    }
    expect(sim.moneyRequests()).toHaveLength(cases.length);
    expect(sim.state.balance).toBe(100);
    expect(sim.state.orders.size).toBe(1);
  });

  it('reports a wrong key as one access error and never shows the key', async () => {
    const wrongKey = 'wrong key+with=odd chars-0123456789';
    const bad = await connectParsed(provider, { baseUrl, apiKey: wrongKey, timeoutMs: 2000 });
    const errors = [
      await caught(bad.listOffers({})),
      await caught(bad.walletBalance!()),
      await caught(bad.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 })),
      await caught(bad.placeOrder({ request: { paymentId: 1, tarifId: 1 }, quote: { total_usd: 3.5, price_source: 'vendor_quote', summary: 's' } }, 'k')),
    ];
    for (const error of errors) {
      expect(error.kind).toBe('auth');
      expect(error.message).toMatch(/wrong API key.*IP allowlist.*1000 requests per minute/);
      expect(error.details.vendorMessage).toBe('Error api key | IP not allowed 127.0.0.1 | Request limit reached');
      const text = JSON.stringify({ message: error.message, details: error.details, advice: error.advice });
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain(encodeURIComponent(wrongKey));
    }
    expect(sim.state.balance).toBe(100);
  });

  it('gives the same access error over the request limit', async () => {
    sim.state.overLimit = true;
    expect((await caught(client.walletBalance!())).kind).toBe('auth');
    sim.state.overLimit = false;
    expect((await client.walletBalance!()).balance).toBe(100);

    await sim.close();
    await start({ requestsPerMinute: 2 });
    await client.walletBalance!();
    await client.walletBalance!();
    const over = await caught(client.walletBalance!());
    expect(over.kind).toBe('auth');
    expect(over.details.vendorMessage).toMatch(/Request limit reached/);
  });

  it('never retries the money call and never leaks the key on transport failures', async () => {
    const prepared = await client.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 });
    const found: ProxycartError[] = [];

    sim.inject({ path: /order\/make/, action: { kind: 'status', status: 503 }, times: 1 });
    const failed = await caught(client.placeOrder(prepared, 'k'));
    expect(failed.kind).toBe('outcome_unknown');
    expect(sim.moneyRequests()).toHaveLength(1);
    found.push(failed);

    sim.inject({ path: /order\/make/, action: { kind: 'html', status: 502 }, times: 1 });
    found.push(await caught(client.placeOrder(prepared, 'k')));
    sim.inject({ path: /order\/make/, action: { kind: 'malformed' }, phase: 'after', times: 1 });
    found.push(await caught(client.placeOrder(prepared, 'k')));
    expect(found.map((e) => e.kind)).toEqual(['outcome_unknown', 'outcome_unknown', 'outcome_unknown']);
    expect(sim.moneyRequests()).toHaveLength(3);

    // Reads are retried through a passing failure.
    sim.inject({ path: /balance\/get/, action: { kind: 'status', status: 503 }, times: 1 });
    expect((await client.walletBalance!()).currency).toBe('USD');

    sim.inject({ path: /reference/, action: { kind: 'hang' } });
    const slow = await connectParsed(provider, { baseUrl, apiKey: sandboxKey, timeoutMs: 100 });
    found.push(await caught(slow.listOffers({ type: 'ipv4' })));
    sim.clearFaults();
    sim.inject({ path: /reference/, action: { kind: 'reset' } });
    found.push(await caught(slow.listOffers({ type: 'ipv4' })));
    expect(found.slice(3).map((e) => e.kind)).toEqual(['vendor_unavailable', 'vendor_unavailable']);

    for (const error of found) {
      const text = JSON.stringify({ message: error.message, details: error.details });
      expect(text).not.toContain(sandboxKey);
    }
  });

  it('refuses answers it cannot read: a calc as unavailable, a make as an unknown outcome', async () => {
    sim.inject({
      method: 'POST',
      path: /\/order\/calc$/,
      action: { kind: 'status', status: 200, json: { status: 'success', data: 'not an object', errors: [] } },
      times: 1,
    });
    const calc = await caught(client.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 }));
    expect(calc).toMatchObject({ kind: 'vendor_unavailable', message: 'Proxy-Seller answered the price check with a body proxycart cannot read.' });
    const prepared = await client.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 });
    sim.inject({
      method: 'POST',
      path: /\/order\/make$/,
      action: { kind: 'status', status: 200, json: { status: 'success', data: { total: 16.2 }, errors: [] } },
      times: 1,
    });
    const make = await caught(client.placeOrder(prepared, 'k'));
    expect(make.kind).toBe('outcome_unknown');
    expect(make.message).toMatch(/may have been placed/);
    expect(sim.moneyRequests()).toHaveLength(1);
  });

  describe('reconcile', () => {
    async function lostAnswer(order: Record<string, unknown>) {
      const prepared = await client.prepareOrder(order);
      const sentAt = Date.now();
      // The vendor takes the order, then the connection drops before the answer.
      sim.inject({ path: /order\/make/, phase: 'after', action: { kind: 'reset' }, times: 1 });
      const error = await caught(client.placeOrder(prepared, 'k'));
      expect(error.kind).toBe('outcome_unknown');
      return { prepared, sentAt };
    }

    it('finds an order whose answer was lost, once its proxies are issued', async () => {
      const { prepared, sentAt } = await lostAnswer({ type: 'ipv4', countryId: 562, periodId: '3m', quantity: 2 });
      expect(sim.state.balance).toBeCloseTo(100 - (prepared.quote.total_usd ?? 0), 2);
      await new Promise((resolve) => setTimeout(resolve, 80));
      const order = await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt });
      expect(order).toMatchObject({ id: '2426273', state: 'active', total_usd: prepared.quote.total_usd, type: 'ipv4' });
      expect(order?.proxies).toHaveLength(2);
    });

    it('cannot tell while the charge shows but the proxies do not', async () => {
      await sim.close();
      await start({ provisionMs: 60_000 });
      const { prepared, sentAt } = await lostAnswer({ type: 'isp', countryId: 701, periodId: '1m', quantity: 1 });
      expect(await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt })).toBeUndefined();
    });

    it('says not placed when nothing was charged and nothing appeared after the settling time', async () => {
      const prepared = await client.prepareOrder({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 });
      // The connection drops before the vendor sees the order.
      sim.inject({ path: /order\/make/, action: { kind: 'reset' }, times: 1 });
      expect((await caught(client.placeOrder(prepared, 'k'))).kind).toBe('outcome_unknown');
      expect(sim.state.balance).toBe(100);
      expect(await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt: Date.now() })).toBeUndefined();
      expect(
        await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt: Date.now() - SETTLE_MS - 1000 }),
      ).toBeNull();
    });

    it('ignores old orders and orders that do not match the charge', async () => {
      const { prepared, sentAt } = await lostAnswer({ type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1 });
      await new Promise((resolve) => setTimeout(resolve, 80));
      // Someone else spent from the wallet meanwhile: the fall no longer equals the total.
      sim.state.balance -= 5;
      expect(await recoverLostOrder(client, provider.capabilities, { knownOrderIds: [], idempotencyKey: 'k', prepared, sentAt })).toBeUndefined();
      // Only last month's proxies exist for a different type's lookup: nothing fresh is found.
      const resident = await client.prepareOrder({ type: 'resident', tarifId: 1 });
      expect(
        await recoverLostOrder(client, provider.capabilities, {
          knownOrderIds: [],
          idempotencyKey: 'k',
          prepared: resident,
          sentAt: Date.now() - SETTLE_MS - 1000,
        }),
      ).toBeNull();
    });
  });
});

describe('proxyseller compare candidates and SOCKS5 orders against its simulator', () => {
  let sim: Simulator<ProxySellerState>;
  let client: ProviderClient;
  beforeEach(async () => {
    sim = createSimulator({ provisionMs: 50 });
    client = await connectParsed(provider, { baseUrl: await sim.listen(), apiKey: sandboxKey, timeoutMs: 2000 });
  });
  afterEach(async () => {
    await sim.close();
  });

  /** What the simulator's reference tables say a candidate costs. */
  function seedTotal(args: Record<string, any>): number {
    if (args.type === 'resident') return TARIFS.find((t) => t.id === args.tarifId)!.price;
    const section = SECTIONS[args.type as keyof typeof SECTIONS];
    const country = section.countries.find((c) => c.id === args.countryId)!;
    const factor = section.periods.find((p) => p.id === args.periodId)!.factor;
    // No quantity discount below 10 IPs.
    return Math.round((country.price as number) * factor * args.quantity * 100) / 100;
  }

  it('prices every candidate by order/calc with the reference tables’ arithmetic', async () => {
    for (const ask of [
      { kind: 'residential', bandwidth_gb: 10 },
      { kind: 'datacenter', country: 'US', quantity: 2 },
    ] satisfies CompareAsk[]) {
      const { priced } = await priceCandidates(client, ask);
      expect(priced.length, ask.kind).toBeGreaterThan(0);
      for (const { candidate, quote } of priced) {
        expect(quote.total_usd, JSON.stringify(candidate.args)).toBeCloseTo(seedTotal(candidate.args), 2);
        expect(quote.price_source).toBe('vendor_quote');
      }
    }
  });

  it('offers two US datacenter IPs at 3.80 USD, as the vendor quotes it', async () => {
    const { priced } = await priceCandidates(client, { kind: 'datacenter', country: 'US', quantity: 2 });
    expect(priced.map(({ quote }) => quote)).toContainEqual(expect.objectContaining({ total_usd: 3.8, price_source: 'vendor_quote' }));
  });

  it('places the fixture’s SOCKS5 order: once provisioned, its proxies speak socks5', async () => {
    const prepared = await client.prepareOrder(fixture.socksOrder!);
    const placed = await client.placeOrder(prepared, 'socks-key-1');
    const references = placed.references as string[] | undefined;
    let order = placed;
    for (let i = 0; i < 100 && order.state === 'pending'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = await client.orderStatus(placed.id, { lookup: prepared.lookup, ...(references ? { references } : {}) });
    }
    expect(order.state).toBe('active');
    expect(order.proxies.length).toBeGreaterThan(0);
    for (const proxy of order.proxies) expect(proxy.protocol).toBe('socks5');
  });
});
