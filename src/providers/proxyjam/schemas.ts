import { z } from 'zod';

// Tool inputs use ProxyJam's own field names. Cross-field rules (tarification_index only on
// mobile rotating offers, period_days matching the chosen option) live in order-rules.ts,
// because the portable schema subset has no unions.

export const PROXY_KINDS = ['datacenter', 'residential', 'mobile'] as const;
export const IP_VERSIONS = ['IPv4', 'IPv6'] as const;
export const PROTOCOLS = ['HTTP', 'HTTPS', 'SOCKS5'] as const;

const countryCode = z.string().length(2).describe('ISO alpha-2, e.g. US');

export const listOffersInput = z.object({
  kind: z.enum(PROXY_KINDS).optional(),
  country: countryCode.optional(),
  is_available: z.boolean().optional().describe('true: only offers in stock'),
});

export const placeOrderInput = z.object({
  offer_id: z.number().int().positive(),
  quantity: z.number().int().positive().max(1000).optional(),
  period_days: z.number().int().positive().max(3650).optional(),
  proxy_type: z.enum(PROXY_KINDS).optional(),
  ip_version: z.enum(IP_VERSIONS).optional(),
  protocol: z.enum(PROTOCOLS).optional(),
  country: countryCode.optional(),
  city: z.string().max(100).optional(),
  isp: z.string().max(100).optional(),
  tarification_index: z.number().int().min(0).max(999).optional().describe('Option index; mobile rotating offers only'),
  bandwidth_gb: z.number().int().positive().max(1e5).optional().describe('Traffic cap; unset = unlimited'),
  auto_renew: z.boolean().optional(),
  notes: z.string().max(500).optional(),
});

export type ListOffersInput = z.infer<typeof listOffersInput>;
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

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

export type VendorOffer = z.infer<typeof offerSchema>;
export type VendorOfferOption = z.infer<typeof offerOptionSchema>;
export type VendorOrder = z.infer<typeof orderSchema>;
