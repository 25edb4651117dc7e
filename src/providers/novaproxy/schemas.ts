import * as z from 'zod';

// Tool inputs: field names are NovaProxy's own order fields, so the schema documents the vendor.

export const listOffersInput = z.object({
  plan: z.string().min(1).max(100).optional().describe('Plan slug; omit for all'),
});

// `config` holds the options of the chosen duration (list_offers shows each duration's
// options). They are properties rather than an open map, so the object can be closed (OpenAI
// strict mode cannot take an open map without loosening it): the options NovaProxy documents
// are `speed` (datacenter, a range), `threads` (unlimited residential, a number) and `country`
// (a select; some plans use integer ids, given as strings here). rules.ts checks each value
// against the plan.
const durationOptions = z.strictObject({
  speed: z.number().optional(),
  threads: z.number().optional(),
  country: z.string().min(1).max(100).optional(),
});

export const placeOrderInput = z.object({
  plan: z.string().min(1).max(100).describe('Plan slug from list_offers'),
  bandwidth: z.number().int().min(1).max(100_000).optional().describe('Whole GB; bandwidth plans only'),
  duration: z.string().min(1).max(50).optional().describe('e.g. 30_days; duration plans only'),
  config: durationOptions.optional().describe("The duration's options, per list_offers"),
  discount_code: z.string().min(1).max(100).optional(),
});

export type ListOffersInput = z.infer<typeof listOffersInput>;
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;
