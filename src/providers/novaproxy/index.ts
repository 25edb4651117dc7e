import { defineProvider } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

export const provider = defineProvider({
  id: 'novaproxy',
  title: 'NovaProxy',
  keyEnv: 'NOVAPROXY_API_KEY',
  baseUrlEnv: 'NOVAPROXY_BASE_URL',
  // NovaProxy's docs give paths but no host: the base URL must be configured, never guessed.
  defaultBaseUrl: undefined,
  setupHint:
    'Create an API token in the NovaProxy dashboard and set NOVAPROXY_API_KEY; set NOVAPROXY_BASE_URL to the API base URL shown in the NovaProxy dashboard or API docs (docs.novaproxy.io).',
  capabilities: {
    catalog: 'live',
    // Bandwidth plans are priced from GET /plans tiers; duration plans publish no price.
    quote: 'catalog_estimate',
    balance: false,
    idempotency: false,
    recover: 'lookup',
  },
  unsupported: {
    extend_order: 'NovaProxy documents no extend endpoint: more time is a new order.',
    add_bandwidth: 'NovaProxy documents no traffic top-up: more traffic is a new order.',
    set_auto_renew: 'NovaProxy documents no auto-renew.',
    wallet_balance: 'NovaProxy documents no balance endpoint; an order it cannot pay is refused with "Insufficient balance."',
  },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl -H 'Authorization: Bearer ${key}' ${base}/plans`,
  simulator: () => import('../../sandbox/novaproxy.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'NovaProxy key; base (required, no default)',
    tools: {
      list_offers: { inputs: true, calls: '`GET /plans` or `GET /plans/{slug}`: bandwidth tiers with price per GB, durations with their options' },
      place_order: { inputs: true, calls: 'checked against the plan before any money call; quote = GB × tier price; `POST /orders`' },
      order_status: { calls: '`GET /orders/{uuid}`' },
      wallet_balance: {
        calls: "**not offered**: NovaProxy documents no balance endpoint; the vendor's own `Insufficient balance.` answer protects the wallet",
      },
    },
    capabilities: { catalog: 'plans, bandwidth prices', quote: 'catalog estimate (bandwidth plans)', balance: 'not documented: no tool', idempotency: 'no' },
  },
});
