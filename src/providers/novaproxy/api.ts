import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable } from './errors.js';
import { orderBodySchema, orderListSchema, planBodySchema, planListSchema, type VendorOrder, type VendorPlan } from './schemas.js';

// One function per NovaProxy endpoint. Paths are relative to the configured base URL
// (NovaProxy publishes none we could default to). Each answer is checked against its tolerant
// schema by the HTTP client.

export interface NovaProxyApi {
  /** GET /plans: every purchasable plan with tiers, durations and options. */
  listPlans(options?: ReadOptions): Promise<VendorPlan[]>;
  /** GET /plans/{slug}: one plan, looked up by slug. Both plan reads are cached briefly. */
  getPlan(slug: string, options?: ReadOptions): Promise<VendorPlan>;
  /** POST /orders: the money call, paid from the account balance. */
  createOrder(body: Record<string, unknown>): Promise<VendorOrder>;
  /** GET /orders: every order of the account, newest first, not paginated. */
  listOrders(): Promise<VendorOrder[]>;
  /** GET /orders/{uuid}. */
  getOrder(uuid: string): Promise<VendorOrder>;
}

export function createApi(connection: Connection): NovaProxyApi {
  const http = createHttpClient({
    vendor: 'NovaProxy',
    baseUrl: connection.baseUrl,
    timeoutMs: connection.timeoutMs,
    headers: { authorization: `Bearer ${connection.apiKey}`, accept: 'application/json' },
    errors: errorTable,
  });
  const cached = catalogReader(connection);

  return {
    listPlans: (options) =>
      cached('plans', async () => (await http.request({ method: 'GET', path: '/plans', schema: planListSchema, what: 'the plan list' })).body, options?.fresh),
    getPlan: (slug, options) =>
      cached(
        `plan ${slug}`,
        async () =>
          (await http.request({ method: 'GET', path: `/plans/${encodeURIComponent(slug)}`, schema: planBodySchema, what: `plan '${slug.slice(0, 80)}'` })).body,
        options?.fresh,
      ),
    // No idempotency key exists at NovaProxy, so this call is never retried.
    createOrder: async (body) =>
      (await http.request({ method: 'POST', path: '/orders', json: body, money: true, schema: orderBodySchema, what: 'the order request' })).body,
    listOrders: async () => (await http.request({ method: 'GET', path: '/orders', schema: orderListSchema, what: 'the order list' })).body,
    getOrder: async (uuid) =>
      (await http.request({ method: 'GET', path: `/orders/${encodeURIComponent(uuid)}`, schema: orderBodySchema, what: `order '${uuid.slice(0, 80)}'` })).body,
  };
}
