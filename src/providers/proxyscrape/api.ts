import { createHttpClient } from '../../http/client.js';
import type { Connection } from '../types.js';
import { errorTable } from './errors.js';
import { type BalanceData, balanceSchema, createdSchema, type StatusData, statusSchema } from './schemas.js';

// One function per ProxyScrape Account API v4 endpoint; paths are below the base URL
// (`…/v4/account`). Error envelopes are read by the shared interpreter from errors.ts, and
// each answer is checked against its tolerant schema by the HTTP client. ProxyScrape has no
// catalog endpoint, so nothing here goes through the catalog cache.

export function createApi(connection: Connection) {
  const http = createHttpClient({
    vendor: 'ProxyScrape',
    baseUrl: connection.baseUrl,
    headers: { 'api-token': connection.apiKey },
    timeoutMs: connection.timeoutMs,
    errors: errorTable,
  });

  return {
    /** `POST /orders/create`: the one call that spends wallet money. Returns the new order id. */
    async createOrder(body: Record<string, unknown>): Promise<string> {
      // Never retried: the vendor offers no idempotency key, so a second send could buy twice.
      // A 2xx without the id means the order may exist: the client makes that outcome_unknown.
      const response = await http.request({ method: 'POST', path: '/orders/create', json: body, money: true, schema: createdSchema, what: 'the order' });
      return response.body.data;
    },

    /** `GET /orders/{orderId}/status`. */
    async getOrderStatus(orderId: string): Promise<StatusData> {
      const path = `/orders/${encodeURIComponent(orderId)}/status`;
      return (await http.request({ method: 'GET', path, schema: statusSchema, what: 'the order status' })).body.data;
    },

    /** `GET /orders/balance`. */
    async getBalance(): Promise<BalanceData> {
      return (await http.request({ method: 'GET', path: '/orders/balance', schema: balanceSchema, what: 'the wallet balance' })).body.data;
    },
  };
}

export type ProxyScrapeApi = ReturnType<typeof createApi>;
