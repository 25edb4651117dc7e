import * as z from 'zod';

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
