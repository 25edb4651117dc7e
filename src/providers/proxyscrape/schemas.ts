import { z } from 'zod';

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

// Vendor responses: tolerant, only the fields we read are typed.

/** `orders/create` answers with the bare order id as `data`. */
export const createdSchema = z.looseObject({
  success: z.literal(true),
  data: z.string().min(1),
});

const amount = z.union([z.number(), z.string()]);

export const subaccountSchema = z.looseObject({
  AccountID: z.string(),
  AccountType: z.string().nullish(),
  label: z.string().nullish(),
  time_added: z.number().nullish(),
});

export const statusDataSchema = z.looseObject({
  order_id: z.string().nullish(),
  status: z.string(),
  type: z.string().nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
  price: amount.nullish(),
  currency: z.string().nullish(),
  paid_with_credit: z.boolean().nullish(),
  subaccount: subaccountSchema.nullish(),
  block_reason: z.string().nullish(),
});
export type StatusData = z.infer<typeof statusDataSchema>;

export const statusSchema = z.looseObject({ success: z.literal(true), data: statusDataSchema });

export const balanceSchema = z.looseObject({
  success: z.literal(true),
  data: z.looseObject({ balance: amount, currency: z.string().nullish() }),
});
export type BalanceData = z.infer<typeof balanceSchema>['data'];
