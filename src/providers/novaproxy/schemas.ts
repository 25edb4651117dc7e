import { z } from 'zod';

// Tool inputs: field names are NovaProxy's own order fields, so the schema documents the vendor.

export const listOffersInput = z.object({
  plan: z.string().min(1).max(100).optional().describe('Plan slug; omit for all'),
});

// `config` values are strings or numbers. A bare string|number union converts to
// `type: ["string","number"]` (no anyOf); adding `.max()` to the string side would turn it into
// an anyOf, so the length of string values is checked in code instead (rules.ts).
export const placeOrderInput = z.object({
  plan: z.string().min(1).max(100).describe('Plan slug from list_offers'),
  bandwidth: z.number().int().min(1).max(100_000).optional().describe('Whole GB; bandwidth plans only'),
  duration: z.string().min(1).max(50).optional().describe('e.g. 30_days; duration plans only'),
  config: z
    .record(z.string().max(50), z.union([z.string(), z.number()]))
    .optional()
    .describe('Duration option name to value'),
  discount_code: z.string().min(1).max(100).optional(),
});

export type ListOffersInput = z.infer<typeof listOffersInput>;
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

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

/** The error envelope of order validation (422) and Laravel's own (401, 404, 403). */
export const errorBodySchema = z.looseObject({ error: z.string().nullish(), message: z.string().nullish() });
