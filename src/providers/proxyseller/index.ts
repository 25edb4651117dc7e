import { defineProvider } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

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
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => (await import('./client.js')).createClient(connection),
  tryCommand: (base, key) => `curl ${base}/${key}/balance/get`,
  simulator: () => import('../../sandbox/proxyseller.js'),
  fixture: async () => (await import('./fixture.js')).fixture,
});
