import * as z from 'zod';
import { createHttpClient } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable } from './errors.js';

// Vendor answers: tolerant (unknown fields pass; prices are checked where they are used).

export const packageSchema = z.looseObject({
  code: z.string(),
  name: z.string().nullish(),
  kind: z.string().nullish(),
  country: z.string().nullish(),
  price_per_ip: z.unknown().optional(),
  in_stock: z.number().nullish(),
});

export const orderSchema = z.looseObject({
  id: z.string(),
  package: z.string().nullish(),
  quantity: z.number().nullish(),
  status: z.string(),
  total: z.unknown().optional(),
  proxies: z
    .array(
      z.looseObject({ host: z.string(), port: z.number(), protocol: z.string().nullish(), username: z.string().nullish(), password: z.string().nullish() }),
    )
    .nullish(),
});

export const packagesBodySchema = z.looseObject({ packages: z.array(packageSchema) });
export const orderBodySchema = z.looseObject({ order: orderSchema });
export const accountBodySchema = z.looseObject({ balance: z.number(), currency: z.string().nullish() });

export type VendorPackage = z.infer<typeof packageSchema>;
export type VendorOrder = z.infer<typeof orderSchema>;

// One function per AcmeProxy endpoint; each answer is checked against its schema by the HTTP client.

export interface AcmeProxyApi {
  /** GET /packages (cached briefly). */
  listPackages(options?: ReadOptions): Promise<VendorPackage[]>;
  /** POST /orders: the money call, paid from the wallet. */
  createOrder(body: Record<string, unknown>): Promise<VendorOrder>;
  /** GET /orders/{id}. */
  getOrder(id: string): Promise<VendorOrder>;
  /** GET /account: the wallet. */
  getAccount(): Promise<{ balance: number; currency?: string | null }>;
}

export function createApi(connection: Connection): AcmeProxyApi {
  const http = createHttpClient({
    vendor: 'AcmeProxy',
    baseUrl: connection.baseUrl,
    timeoutMs: connection.timeoutMs,
    headers: { 'x-acme-key': connection.apiKey, accept: 'application/json' },
    errors: errorTable,
  });
  const cached = catalogReader(connection);
  return {
    listPackages: (options) =>
      cached(
        'packages',
        async () => (await http.request({ method: 'GET', path: '/packages', schema: packagesBodySchema, what: 'the package list' })).body.packages,
        options?.fresh,
      ),
    // No idempotency key exists at AcmeProxy, so this call is never retried.
    createOrder: async (body) =>
      (await http.request({ method: 'POST', path: '/orders', json: body, money: true, schema: orderBodySchema, what: 'the order request' })).body.order,
    getOrder: async (id) =>
      (await http.request({ method: 'GET', path: `/orders/${encodeURIComponent(id)}`, schema: orderBodySchema, what: 'the order' })).body.order,
    getAccount: async () => (await http.request({ method: 'GET', path: '/account', schema: accountBodySchema, what: 'the account' })).body,
  };
}
