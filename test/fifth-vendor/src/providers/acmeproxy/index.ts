import { defineProvider } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

// AcmeProxy: a throwaway fifth vendor (test/fifth-vendor) that proves a new provider is one
// folder, its simulator and one registry line: the shared suites pick it up from the registry.
export const provider = defineProvider({
  id: 'acmeproxy',
  title: 'AcmeProxy',
  keyEnv: 'ACMEPROXY_API_KEY',
  baseUrlEnv: 'ACMEPROXY_BASE_URL',
  defaultBaseUrl: 'https://api.acmeproxy.test/v1',
  setupHint: 'Create an API key in the AcmeProxy dashboard and set ACMEPROXY_API_KEY.',
  // No idempotency key and no order list: a lost answer cannot be recovered.
  capabilities: { catalog: 'live', quote: 'catalog_estimate', balance: true, idempotency: false, recover: false },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl -H 'X-Acme-Key: ${key}' ${base}/account`,
  simulator: () => import('../../sandbox/acmeproxy.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
  docs: {
    env: 'AcmeProxy key; base',
    tools: {
      list_offers: { inputs: true, calls: '`GET /packages`' },
      place_order: { inputs: true, calls: 'quote = price per IP × quantity; `POST /orders`' },
      order_status: { calls: '`GET /orders/{id}`' },
      wallet_balance: { calls: '`GET /account`' },
    },
    capabilities: { catalog: 'packages with prices', quote: 'catalog estimate', balance: 'yes', idempotency: 'no' },
  },
});
