import * as z from 'zod';

/** Datacenter pool locations the vendor accepts inside `proxies[<location>]`. */
export const POOL_LOCATIONS = ['mixed', 'us', 'gb', 'de', 'fr', 'ca', 'es', 'it', 'br', 'th'] as const;
export type PoolLocation = (typeof POOL_LOCATIONS)[number];

export const DURATIONS = ['30d', '60d', '90d'] as const;

/**
 * Only the datacenter type string is published; the listed ids of the other products carry
 * this prefix, which the order rules refuse with an explanation instead of letting a guessed
 * type reach the vendor.
 */
export const UNPUBLISHED_PREFIX = 'unpublished:';

// The vendor has no catalog endpoint, so listing takes no filters.
export const listOffersInput = z.object({});
export type ListOffersInput = z.infer<typeof listOffersInput>;

// min(1) rather than positive(): same rule for integers, shorter JSON schema (tools/list budget).
const poolSize = z.number().int().min(1);

// Explicit optional properties (not a record) so clients without additionalProperties
// support still see each location; unknown locations are refused.
const proxies = z.strictObject(
  Object.fromEntries(POOL_LOCATIONS.map((location) => [location, poolSize.optional()])) as Record<PoolLocation, z.ZodOptional<typeof poolSize>>,
);

export const placeOrderInput = z.object({
  type: z.string().min(1).max(64).describe('Order type, e.g. new_datacenter_shared'),
  country: z.string().min(2).max(64).describe('Full English name or ISO alpha-2 code'),
  is_subscription: z.boolean().optional(),
  days: z.number().int().positive().max(3650).optional(),
  proxies: proxies.optional().describe('Datacenter only: IP-pool size per location'),
  bandwidth: z.number().int().min(0).max(1_000_000).optional().describe('Datacenter: 0 = unlimited. Residential: GB'),
  duration: z.enum(DURATIONS).optional(),
  location: z.string().max(100).optional().describe('Residential unlimited location id'),
  coupon_code: z.string().max(64).optional(),
});
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;
