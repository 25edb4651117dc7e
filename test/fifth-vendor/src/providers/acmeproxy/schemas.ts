import { z } from 'zod';

// Tool inputs: AcmeProxy's own field names.

export const listOffersInput = z.object({
  kind: z.enum(['datacenter', 'residential']).optional().describe('Only packages of this kind'),
});

export const placeOrderInput = z.object({
  package: z.string().min(1).max(50).describe('Package code from list_offers'),
  quantity: z.number().int().min(1).max(1000).describe('Number of IPs, 30 days'),
});

export type ListOffersInput = z.infer<typeof listOffersInput>;
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

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
export const errorBodySchema = z.looseObject({
  ok: z.literal(false),
  problem: z.looseObject({ code: z.string().nullish(), text: z.string().nullish() }).nullish(),
});

export type VendorPackage = z.infer<typeof packageSchema>;
export type VendorOrder = z.infer<typeof orderSchema>;
