import type { ProviderSpec } from '../types.js';
import { listOffersInput, placeOrderInput } from './schemas.js';

export const provider: ProviderSpec = {
  id: 'proxyjam',
  title: 'ProxyJam',
  keyEnv: 'PROXYJAM_API_KEY',
  baseUrlEnv: 'PROXYJAM_BASE_URL',
  defaultBaseUrl: 'https://api.proxyjam.com/public/v1',
  setupHint: 'Create an API key (pj_...) in the ProxyJam dashboard under API keys and set PROXYJAM_API_KEY.',
  capabilities: { catalog: 'live', quote: 'catalog_estimate', balance: true, idempotency: true },
  listOffersInput,
  placeOrderInput,
  connect: async (connection) => new (await import('./client.js')).ProxyJamClient(connection),
};
