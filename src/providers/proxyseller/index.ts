import { defineProvider } from '../types.js';
import { extendOrderInput, listOffersInput, placeOrderInput } from './schemas.js';

export const provider = defineProvider({
  id: 'proxyseller',
  title: 'Proxy-Seller',
  keyEnv: 'PROXYSELLER_API_KEY',
  baseUrlEnv: 'PROXYSELLER_BASE_URL',
  defaultBaseUrl: 'https://proxy-seller.com/personal/api/v1',
  setupHint:
    'Create an API key at https://proxy-seller.com/personal/api/ (if you restrict it to IPs, include this machine) and set PROXYSELLER_API_KEY. proxycart speaks API v1.',
  // The reference is live but has no prices; order/calc quotes each concrete order.
  capabilities: { catalog: 'live', quote: 'vendor_quote', balance: true, idempotency: false, recover: 'lookup' },
  operations: {
    extend_order: {
      input: extendOrderInput,
      // No idempotency in v1: a lost answer is read off the proxies' date_end, else a person settles it.
      recover: 'lookup',
      calls: 'quote = `POST prolong/calc/{type}` (vendor quote) for the order\'s proxies; `POST prolong/make/{type}` paid from the balance (`paymentId` "1")',
    },
  },
  unsupported: {
    add_bandwidth: 'Proxy-Seller API v1 documents no traffic top-up.',
    set_auto_renew: 'Proxy-Seller API v1 has no auto-renew endpoint (the dashboard only; v2 adds one).',
  },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl ${base}/${key}/balance/get`,
  simulator: () => import('../../sandbox/proxyseller.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'Proxy-Seller key; base (the key goes in the path)',
    tools: {
      list_offers: {
        inputs: true,
        calls: '`GET reference/list[/{type}]`: countries, periods, operators, rotations, tariffs (no prices: the quote prices a concrete choice)',
      },
      place_order: { inputs: true, calls: 'quote = `POST order/calc` (vendor quote); `POST order/make` paid from the balance' },
      order_status: { calls: "polls `GET proxy/list/{type}` for the order's proxies (API v1 has no order status endpoint)" },
      wallet_balance: { calls: '`GET balance/get`' },
    },
    capabilities: { catalog: 'reference data, no prices', quote: 'vendor quote (`order/calc`)', balance: 'yes', idempotency: 'no' },
  },
});
