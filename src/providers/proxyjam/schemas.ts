import * as z from 'zod';

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

// The lifecycle operations (vendors.md 6.1): the order and the vendor's own fields.
const orderId = z.string().min(1).max(200);

export const extendOrderInput = z.object({
  order_id: orderId,
  months: z.number().int().min(1).max(24).optional().describe('Static'),
  tarification_index: z.number().int().min(0).max(9999).optional().describe('Mobile'),
});

export const addBandwidthInput = z.object({ order_id: orderId, bandwidth_gb: z.number().int().min(1).max(5000) });

export const setAutoRenewInput = z.object({ order_id: orderId, enabled: z.boolean() });

export type ExtendOrderInput = z.infer<typeof extendOrderInput>;
export type AddBandwidthInput = z.infer<typeof addBandwidthInput>;
export type SetAutoRenewInput = z.infer<typeof setAutoRenewInput>;

export type ListOffersInput = z.infer<typeof listOffersInput>;
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;
