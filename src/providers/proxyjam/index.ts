import { defineProvider } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

export const provider = defineProvider({
  id: 'proxyjam',
  title: 'ProxyJam',
  keyEnv: 'PROXYJAM_API_KEY',
  baseUrlEnv: 'PROXYJAM_BASE_URL',
  defaultBaseUrl: 'https://api.proxyjam.com/public/v1',
  setupHint: 'Create an API key (pj_...) in the ProxyJam dashboard under API keys and set PROXYJAM_API_KEY.',
  capabilities: {
    catalog: 'live',
    quote: 'catalog_estimate',
    balance: true,
    idempotency: true,
    // A lost answer is learnt by replaying the idempotency key: ProxyJam keeps keys for at
    // least 30 days (after that a replay is a new, charged order), so replay within a day.
    recover: 'replay',
    replayWindowMs: 24 * 60 * 60 * 1000,
  },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl -H 'X-API-Key: ${key}' ${base}/wallet/balance`,
  simulator: () => import('../../sandbox/proxyjam.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'ProxyJam key; base',
    tools: {
      list_offers: { inputs: true, calls: 'the catalog (`GET /catalog`) with option prices in USD' },
      place_order: { inputs: true, calls: 'quote = option price × quantity (catalog estimate); `POST /orders` paid from the wallet, with an idempotency key' },
      order_status: { inputs: true, calls: '`GET /orders/{id}`' },
      wallet_balance: { inputs: true, calls: '`GET /wallet/balance`' },
    },
    capabilities: { catalog: 'live, with prices', quote: 'catalog estimate', balance: 'yes', idempotency: 'yes (key in body and header)' },
  },
});
