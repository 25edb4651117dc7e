import { createHttpClient, type HttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { toProxyJamError, vendorMessageOf } from './vendor-errors.js';

// One function per ProxyJam endpoint, returning the raw JSON body. Mapping is in map.ts.

export interface CatalogQuery {
  kind?: string;
  country?: string;
  is_available?: boolean;
}

export interface ProxyJamApi {
  /** GET /catalog (public; the key is sent anyway, which the docs say does no harm). Cached briefly. */
  catalog(query: CatalogQuery, options?: ReadOptions): Promise<unknown>;
  /**
   * POST /orders, the one call that spends money. The key travels in the body and the
   * `Idempotency-Key` header, as ProxyJam's own example does; because ProxyJam answers a
   * replay with the original order, the HTTP client may retry it with the same key.
   */
  createOrder(body: Record<string, unknown>, idempotencyKey: string): Promise<{ status: number; body: unknown }>;
  /** GET /orders/{order_id} */
  order(orderId: string): Promise<unknown>;
  /** GET /wallet/balance */
  walletBalance(): Promise<unknown>;
}

export function createProxyJamApi(connection: Connection): ProxyJamApi {
  const common = {
    vendor: 'ProxyJam',
    baseUrl: connection.baseUrl,
    // No header at all when no key is configured, so the vendor answers "Missing API key".
    headers: connection.apiKey ? { 'x-api-key': connection.apiKey } : undefined,
    timeoutMs: connection.timeoutMs,
    toError: toProxyJamError,
    messageOf: (response: { body: unknown }) => vendorMessageOf(response.body),
  };
  const http: HttpClient = createHttpClient(common);
  const cached = catalogReader(connection);

  return {
    catalog(query, options) {
      const load = async () => (await http.request({ method: 'GET', path: '/catalog', query: { ...query } })).body;
      return cached(`catalog ${JSON.stringify(query)}`, load, options?.fresh);
    },
    async createOrder(body, idempotencyKey) {
      const response = await http.request({
        method: 'POST',
        path: '/orders',
        json: { ...body, idempotency_key: idempotencyKey },
        headers: { 'idempotency-key': idempotencyKey },
        money: true,
        idempotent: true,
      });
      return { status: response.status, body: response.body };
    },
    async order(orderId) {
      return (await http.request({ method: 'GET', path: `/orders/${encodeURIComponent(orderId)}` })).body;
    },
    async walletBalance() {
      return (await http.request({ method: 'GET', path: '/wallet/balance' })).body;
    },
  };
}
