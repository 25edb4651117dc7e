import { defineProvider } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

export const provider = defineProvider({
  id: 'proxyscrape',
  title: 'ProxyScrape',
  keyEnv: 'PROXYSCRAPE_API_KEY',
  baseUrlEnv: 'PROXYSCRAPE_BASE_URL',
  defaultBaseUrl: 'https://api.proxyscrape.com/v4/account',
  setupHint:
    'Create an API key in the ProxyScrape dashboard and set PROXYSCRAPE_API_KEY; ask ProxyScrape support to enable account:api_ordering:write and account:api_ordering:read (off by default).',
  capabilities: { catalog: 'static', quote: 'unknown', balance: true, idempotency: false, recover: false },
  unsupported: {
    extend_order: 'ProxyScrape documents no renew or extend endpoint.',
    add_bandwidth: 'ProxyScrape documents no traffic top-up endpoint.',
    set_auto_renew: 'ProxyScrape documents no auto-renew switch (only `is_subscription` on create, unexplained).',
  },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl -H 'api-token: ${key}' ${base}/orders/balance`,
  simulator: () => import('../../sandbox/proxyscrape.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'ProxyScrape key; base',
    tools: {
      list_offers: { inputs: true, calls: 'the documented order types and fields (ProxyScrape has no catalog or price endpoint)' },
      place_order: { inputs: true, calls: '`POST /orders/create`; the price is unknown before ordering, so this needs `PROXYCART_ALLOW_UNPRICED=1`' },
      order_status: { calls: '`GET /orders/{id}/status` (`paid` → pending, `processed` → active)' },
      wallet_balance: { calls: '`GET /orders/balance`' },
    },
    capabilities: { catalog: 'documented order types only', quote: 'unknown until ordered', balance: 'yes', idempotency: 'no' },
  },
});
