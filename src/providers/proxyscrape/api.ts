import * as z from 'zod';
import { createHttpClient } from '../../http/client.js';
import type { Connection } from '../types.js';
import { errorTable } from './errors.js';

// Vendor responses: tolerant, only the fields we read are typed.

/** `orders/create` answers with the bare order id as `data`. */
export const createdSchema = z.looseObject({
  success: z.literal(true),
  data: z.string().min(1),
});

const amount = z.union([z.number(), z.string()]);

export const subaccountSchema = z.looseObject({
  AccountID: z.string(),
  AccountType: z.string().nullish(),
  label: z.string().nullish(),
  time_added: z.number().nullish(),
});

export const statusDataSchema = z.looseObject({
  order_id: z.string().nullish(),
  status: z.string(),
  type: z.string().nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
  price: amount.nullish(),
  currency: z.string().nullish(),
  paid_with_credit: z.boolean().nullish(),
  subaccount: subaccountSchema.nullish(),
  block_reason: z.string().nullish(),
});
export type StatusData = z.infer<typeof statusDataSchema>;

export const statusSchema = z.looseObject({ success: z.literal(true), data: statusDataSchema });

export const balanceSchema = z.looseObject({
  success: z.literal(true),
  data: z.looseObject({ balance: amount, currency: z.string().nullish() }),
});
export type BalanceData = z.infer<typeof balanceSchema>['data'];

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
