import { z } from 'zod';
import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable } from './errors.js';
import { balanceSchema, catalogSchema, orderSchema } from './schemas.js';

// One function per ProxyJam endpoint, each answer checked against its tolerant schema where
// it is read. Mapping to domain types is in map.ts.

/** An order answer: ProxyJam's sources show a single order, a list, or `{orders: [...]}`. */
const orderAnswerSchema = z.union([z.array(orderSchema).min(1), z.looseObject({ orders: z.array(orderSchema).min(1) }), orderSchema]);

export interface CatalogQuery {
  kind?: string;
  country?: string;
  is_available?: boolean;
}

export function createApi(connection: Connection) {
  const http = createHttpClient({
    vendor: 'ProxyJam',
    baseUrl: connection.baseUrl,
    // No header at all when no key is configured, so the vendor answers "Missing API key".
    headers: connection.apiKey ? { 'x-api-key': connection.apiKey } : undefined,
    timeoutMs: connection.timeoutMs,
    errors: errorTable,
  });
  const cached = catalogReader(connection);

  return {
    /** GET /catalog (public; the key is sent anyway, which the docs say does no harm). Cached briefly. */
    catalog(query: CatalogQuery, options?: ReadOptions) {
      const load = async () =>
        (await http.request({ method: 'GET', path: '/catalog', query: { ...query }, schema: catalogSchema, what: 'the catalog request' })).body;
      return cached(`catalog ${JSON.stringify(query)}`, load, options?.fresh);
    },
    /**
     * POST /orders, the one call that spends money. The key travels in the body and the
     * `Idempotency-Key` header, as ProxyJam's own example does; because ProxyJam answers a
     * replay with the original order, the HTTP client may retry it with the same key.
     */
    async createOrder(body: Record<string, unknown>, idempotencyKey: string) {
      const response = await http.request({
        method: 'POST',
        path: '/orders',
        json: { ...body, idempotency_key: idempotencyKey },
        headers: { 'idempotency-key': idempotencyKey },
        money: true,
        idempotent: true,
        schema: orderAnswerSchema,
        what: 'the order request',
      });
      return response.body;
    },
    /** GET /orders/{order_id} */
    async order(orderId: string) {
      return (await http.request({ method: 'GET', path: `/orders/${encodeURIComponent(orderId)}`, schema: orderAnswerSchema, what: 'the order lookup' })).body;
    },
    /** GET /wallet/balance */
    async walletBalance() {
      return (await http.request({ method: 'GET', path: '/wallet/balance', schema: balanceSchema, what: 'the balance request' })).body;
    },
  };
}

export type ProxyJamApi = ReturnType<typeof createApi>;
