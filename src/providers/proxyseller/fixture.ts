import type { Simulator } from '../../sandbox/kit.js';
import type { ProxySellerState } from '../../sandbox/proxyseller.js';

const DAY_MS = 24 * 60 * 60 * 1000;

import type { ContractFixture } from '../types.js';

// Country ids are the simulator's v1 reference: 561 France (IPv4), 801 USA (IPv6),
// 1001 USA (mobile); resident tariff 4 is 100 GB at $220, more than the seeded $100.
export const fixture: ContractFixture = {
  listInput: { type: 'ipv4' },
  order: { type: 'ipv4', countryId: 561, periodId: '1m', quantity: 2 },
  invalidOrders: [
    { input: { type: 'ipv4', periodId: '1m', quantity: 1 }, message: /countryId is required/ },
    { input: { type: 'ipv6', countryId: 801, periodId: '1m', quantity: 10 }, message: /protocol is required/ },
    { input: { type: 'resident', tarifId: 1, countryId: 561 }, message: /countryId does not apply/ },
    { input: { type: 'ipv4', countryId: 561, periodId: '1m', quantity: 1, tarifId: 2 }, message: /tarifId does not apply/ },
    { input: { type: 'ipv4', countryId: 999999, periodId: '1m', quantity: 1 }, message: /countryId 999999 is not a Proxy-Seller IPv4 country/ },
    { input: { type: 'ipv4', countryId: 561, periodId: '5y', quantity: 1 }, message: /periodId "5y" is not offered/ },
    { input: { type: 'mix', countryId: 901, periodId: '1m', quantity: 7 }, message: /quantity 7 is not a MIX IPv4 package size/ },
    {
      input: { type: 'mobile', countryId: 1001, periodId: '1m', quantity: 1, mobileServiceType: 'shared', operatorId: 'att', rotationId: 2 },
      message: /operatorId "att" is not a shared mobile operator/,
    },
    { input: { type: 'resident', tarifId: 99 }, message: /tarifId 99 is not a Proxy-Seller resident tariff/ },
  ],
  unaffordableOrder: { type: 'resident', tarifId: 4 },
  // IPv6 proxies can speak SOCKS5 (10 is the smallest IPv6 package).
  socksOrder: { type: 'ipv6', countryId: 801, periodId: '1m', quantity: 10, protocol: 'SOCKS5' },
  expireSaved(state, orderId) {
    // Ended two days ago: the vendor's date_end is a day, the last one the proxies work.
    const orders = state.orders as { $map: Array<[string, { endsAt?: number; proxies?: Array<{ date_end: string }> }]> };
    const order = orders.$map.find(([id]) => id === orderId)![1];
    order.endsAt = Date.now() - 2 * DAY_MS;
    const d = new Date(order.endsAt);
    const day = `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
    for (const proxy of order.proxies ?? []) proxy.date_end = day;
  },
  lifecycle: {
    foreignOrderId: '1999999',
    operations: {
      // 2 × France IPv4 ($2.20 a month) for one more month.
      extend_order: {
        order: { type: 'ipv4', countryId: 561, periodId: '1m', quantity: 2 },
        args: { periodId: '1m' },
        path: /\/prolong\/make\/\w+$/,
        scale: (simulator, factor) => {
          (simulator as Simulator<ProxySellerState>).state.priceFactor = factor;
        },
      },
    },
  },
  wrongKey: 'wrongWRONGwrongWRONG0003',
  probe: {
    read: { operation: 'wallet_balance', path: /\/balance\/get$/ },
    money: /\/order\/make$/,
    fundsError: {
      kind: 'status',
      status: 200,
      json: { status: 'error', data: null, errors: [{ message: 'Insufficient funds. Total $2. Not enough $33.10', code: 0, customData: null }] },
    },
    authError: {
      kind: 'status',
      status: 200,
      json: {
        status: 'error',
        data: null,
        errors: [
          { message: 'Error api key', code: 503, customData: null },
          { message: 'IP not allowed 127.0.0.1', code: 503, customData: null },
          { message: 'Request limit reached', code: 503, customData: null },
        ],
      },
    },
    // New proxies appear in the proxy list a few seconds after order/make.
    showsOrderAfterMs: 3500,
  },
  price: {
    field: /Proxy-Seller gave order\/calc total = /,
    scale(simulator, factor) {
      (simulator as Simulator<ProxySellerState>).state.priceFactor = factor;
    },
    poison(simulator, value) {
      const data = { warning: '', balance: 100, total: value, quantity: 2, currency: 'USD', discount: 0, price: value };
      simulator.inject({ method: 'POST', path: /\/order\/calc$/, action: { kind: 'status', status: 200, json: { status: 'success', data, errors: [] } } });
    },
    // The total comes from the vendor: a number too large to be finite is no price.
    overflow: { value: '1e400', expected: 'unpriced' },
  },
};
