import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorFromResponse, vendorMessageOf } from './vendor-errors.js';

// One function per NovaProxy endpoint, raw bodies out. Paths are relative to the configured
// base URL (NovaProxy publishes none we could default to).

export interface NovaProxyApi {
  /** GET /plans: every purchasable plan with tiers, durations and options. */
  listPlans(options?: ReadOptions): Promise<unknown>;
  /** GET /plans/{slug}: one plan, looked up by slug. Both plan reads are cached briefly. */
  getPlan(slug: string, options?: ReadOptions): Promise<unknown>;
  /** POST /orders: the money call, paid from the account balance. */
  createOrder(body: Record<string, unknown>): Promise<unknown>;
  /** GET /orders: every order of the account, newest first, not paginated. */
  listOrders(): Promise<unknown>;
  /** GET /orders/{uuid}. */
  getOrder(uuid: string): Promise<unknown>;
}

export function createApi(connection: Connection): NovaProxyApi {
  const http = createHttpClient({
    vendor: 'NovaProxy',
    baseUrl: connection.baseUrl,
    timeoutMs: connection.timeoutMs,
    headers: { authorization: `Bearer ${connection.apiKey}`, accept: 'application/json' },
    toError: errorFromResponse,
    messageOf: vendorMessageOf,
  });

  const get = async (path: string) => (await http.request({ method: 'GET', path })).body;
  const cached = catalogReader(connection);

  return {
    listPlans: (options) => cached('plans', () => get('/plans'), options?.fresh),
    getPlan: (slug, options) => cached(`plan ${slug}`, () => get(`/plans/${encodeURIComponent(slug)}`), options?.fresh),
    // No idempotency key exists at NovaProxy, so this call is never retried.
    createOrder: async (body) => (await http.request({ method: 'POST', path: '/orders', json: body, money: true })).body,
    listOrders: () => get('/orders'),
    getOrder: (uuid) => get(`/orders/${encodeURIComponent(uuid)}`),
  };
}
