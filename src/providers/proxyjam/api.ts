import * as z from 'zod';
import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable } from './errors.js';

// Vendor responses: tolerant. Every field may be missing or null, unknown fields are kept,
// and numbers may arrive as strings (the mobile shape carries `total_amount` as text).

const looseNumber = z.union([z.number(), z.string()]).nullish();
const looseString = z.string().nullish();

export const offerOptionSchema = z.looseObject({
  price: looseNumber,
  period_days: looseNumber,
  period_name: looseString,
  period_months: looseNumber,
  traffic_mb: looseNumber,
  traffic_name: looseString,
  period_seconds: looseNumber,
  tarification_index: looseNumber,
});

export const offerSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  kind: looseString,
  mode: looseString,
  ip_version: looseString,
  name: looseString,
  description: looseString,
  country_code: looseString,
  is_available: z.boolean().nullish(),
  price_from_usd: looseNumber,
  currency: looseString,
  options: z.array(offerOptionSchema).nullish(),
});

export const catalogSchema = z.looseObject({
  kinds: z.array(z.looseObject({ kind: looseString, offers: z.array(offerSchema).nullish() })).nullish(),
  total: looseNumber,
});

export const proxyAccessSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  host: looseString,
  port: looseNumber,
  username: looseString,
  password: looseString,
  protocol: looseString,
  status: looseString,
  expires_at: looseString,
  bandwidth_total_gb: looseNumber,
  bandwidth_used_gb: looseNumber,
});

/** Both order shapes: the standard one and the flat mobile rotating snapshot (`type: "mobile"`). */
export const orderSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  type: looseString,
  status: looseString,
  order_status: looseString,
  total_usd: looseNumber,
  total_amount: looseNumber,
  offer_id: looseNumber,
  proxy_type: looseString,
  protocol: looseString,
  country: looseString,
  quantity: looseNumber,
  period_days: looseNumber,
  auto_renew: z.boolean().nullish(),
  expires_at: looseString,
  previous_expires_at: looseString,
  tarification_index: looseNumber,
  bandwidth_gb: looseNumber,
  created_at: looseString,
  payment_info: z.looseObject({ payment_method: looseString, payment_intent_id: looseString, payment_url: looseString }).nullish(),
  proxy_access: z.array(proxyAccessSchema).nullish(),
  // Flat credentials: some documented responses put the proxy in top-level `proxy_*` fields.
  proxy_host: looseString,
  proxy_port: looseNumber,
  proxy_username: looseString,
  proxy_password: looseString,
  proxy_protocol: looseString,
  proxy_status: looseString,
  proxy_expires_at: looseString,
  // The flat mobile shape.
  host: looseString,
  port: looseNumber,
  username: looseString,
  password: looseString,
  current_ip: looseString,
});

export const balanceSchema = z.looseObject({
  wallet_id: looseString,
  balance: z.union([z.number(), z.string()]),
  currency: looseString,
});

/** The `managed_proxy` answer of extend, bandwidth, auto-renew and sync (static orders). */
export const managedProxySchema = z.looseObject({
  order_id: z.union([z.string(), z.number()]),
  provider_proxy_id: z.union([z.string(), z.number()]).nullish(),
  status: looseString,
  expires_at: looseString,
  previous_expires_at: looseString,
  auto_renew: z.boolean().nullish(),
  bandwidth_total_gb: looseNumber,
  bandwidth_used_gb: looseNumber,
});

/** A lifecycle answer: `managed_proxy`, or for mobile rotating orders the flat mobile shape. */
const changeAnswerSchema = z.union([managedProxySchema, orderSchema]);

export type VendorManagedProxy = z.infer<typeof managedProxySchema>;
export type VendorOffer = z.infer<typeof offerSchema>;
export type VendorOfferOption = z.infer<typeof offerOptionSchema>;
export type VendorOrder = z.infer<typeof orderSchema>;

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
    /**
     * One lifecycle call (vendors.md 6.1): `POST /orders/{id}/extend`, `/bandwidth` or
     * `/auto-renew`, with the `Idempotency-Key` header. `idempotent`: the vendor documents
     * de-duplication for this path, so the HTTP client may retry it with the same key.
     */
    async change(path: string, body: Record<string, unknown>, idempotencyKey: string, idempotent: boolean) {
      const response = await http.request({
        method: 'POST',
        path,
        json: body,
        headers: { 'idempotency-key': idempotencyKey },
        money: true,
        idempotent,
        schema: changeAnswerSchema,
        what: 'the order change request',
      });
      return response.body;
    },
    /** POST /orders/{id}/sync: the order as the upstream provider has it now (managed_proxy: expiry, traffic). Charges nothing. */
    async sync(orderId: string) {
      return (
        await http.request({
          method: 'POST',
          path: `/orders/${encodeURIComponent(orderId)}/sync`,
          schema: managedProxySchema,
          what: 'the order sync',
        })
      ).body;
    },
    /** GET /wallet/balance */
    async walletBalance() {
      return (await http.request({ method: 'GET', path: '/wallet/balance', schema: balanceSchema, what: 'the balance request' })).body;
    },
  };
}

export type ProxyJamApi = ReturnType<typeof createApi>;
