import * as z from 'zod';

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
