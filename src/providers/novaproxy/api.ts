import * as z from 'zod';
import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable } from './errors.js';

// Vendor responses: tolerant. Laravel may serialise decimal columns as strings ("5.00"), so
// numbers accept numeric strings; unknown fields pass through.

const looseNumber = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value),
  z.number(),
);

export const optionSchema = z.looseObject({
  name: z.string(),
  label: z.string().nullish(),
  type: z.string().nullish(),
  options: z.array(z.looseObject({ value: z.union([z.string(), z.number()]), label: z.string().nullish() })).nullish(),
  min: looseNumber.nullish(),
  max: looseNumber.nullish(),
  step: looseNumber.nullish(),
});

export const durationSchema = z.looseObject({
  slug: z.string(),
  name: z.string().nullish(),
  options: z.array(optionSchema).nullish(),
});

export const tierSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).nullish(),
  bandwidth: looseNumber,
  bandwidth_unit: z.string().nullish(),
  bandwidth_in_bytes: looseNumber.nullish(),
  // Checked where it is used (money.ts): a price that is not a number makes the order unpriced.
  price_per_gb: z.unknown().optional(),
});

export const protocolSchema = z.looseObject({ code: z.string(), port: looseNumber });

export const planSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).nullish(),
  name: z.string().nullish(),
  slug: z.string(),
  type: z.string().nullish(),
  has_geo_targeting: z.boolean().nullish(),
  has_ip_whitelist: z.boolean().nullish(),
  rotations: z.array(z.looseObject({ code: z.string(), name: z.string().nullish() })).nullish(),
  protocols: z.array(protocolSchema).nullish(),
  bandwidths: z.array(tierSchema).nullish(),
  durations: z.array(durationSchema).nullish(),
});

// The list may come bare (like GET /orders) or in Laravel's `data` wrapper; both are read.
export const planListSchema = z.union([z.array(planSchema), z.looseObject({ data: z.array(planSchema) }).transform((body) => body.data)]);
export const planBodySchema = z.union([planSchema, z.looseObject({ data: planSchema }).transform((body) => body.data)]);

export const orderSchema = z.looseObject({
  uuid: z.string(),
  username: z.string().nullish(),
  password: z.string().nullish(),
  threads: looseNumber.nullish(),
  initial_bandwidth_in_bytes: looseNumber.nullish(),
  remaining_bandwidth_in_bytes: looseNumber.nullish(),
  consumed_bandwidth_in_bytes: looseNumber.nullish(),
  expires_at: z.string().nullish(),
  status: z.string(),
  price: z.looseObject({ gross: looseNumber.nullish(), discount: looseNumber.nullish(), net: looseNumber.nullish() }).nullish(),
  // The embedded plan is read for its slug, name and ports only; any part of it may be missing.
  plan: planSchema.partial().nullish().catch(null),
  duration_options: z.array(z.unknown()).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

export const orderBodySchema = z.union([orderSchema, z.looseObject({ data: orderSchema }).transform((body) => body.data)]);
export const orderListSchema = z.union([z.array(orderSchema), z.looseObject({ data: z.array(orderSchema) }).transform((body) => body.data)]);

export type VendorPlan = z.infer<typeof planSchema>;
export type VendorOption = z.infer<typeof optionSchema>;
export type VendorDuration = z.infer<typeof durationSchema>;
export type VendorOrder = z.infer<typeof orderSchema>;

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
