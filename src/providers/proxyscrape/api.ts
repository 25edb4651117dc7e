import type { z } from 'zod';
import { ProxycartError, trimVendorMessage, type ErrorKind } from '../../errors.js';
import type { HttpClient } from '../../http/client.js';
import { balanceSchema, createdSchema, statusSchema, type BalanceData, type StatusData } from './schemas.js';

// One function per ProxyScrape Account API v4 endpoint; paths are below the base URL
// (`…/v4/account`). Error envelopes are turned into errors by the HTTP client's hook.

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string, kind: ErrorKind = 'vendor_unavailable'): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ProxycartError(kind, `ProxyScrape answered ${what} in an unexpected shape.`, {
    vendorMessage: trimVendorMessage(body),
  });
}

/** `POST /orders/create`: the one call that spends wallet money. Returns the new order id. */
export async function createOrder(http: HttpClient, body: Record<string, unknown>): Promise<string> {
  // Never retried: the vendor offers no idempotency key, so a second send could buy twice.
  const response = await http.request({ method: 'POST', path: '/orders/create', json: body, money: true });
  // A 2xx without the id means the order may exist: the outcome is unknown, not a failure.
  return parse(createdSchema, response.body, 'the order', 'outcome_unknown').data;
}

/** `GET /orders/{orderId}/status`. */
export async function getOrderStatus(http: HttpClient, orderId: string): Promise<StatusData> {
  const response = await http.request({ method: 'GET', path: `/orders/${encodeURIComponent(orderId)}/status` });
  return parse(statusSchema, response.body, 'the order status').data;
}

/** `GET /orders/balance`. */
export async function getBalance(http: HttpClient): Promise<BalanceData> {
  const response = await http.request({ method: 'GET', path: '/orders/balance' });
  return parse(balanceSchema, response.body, 'the wallet balance').data;
}
