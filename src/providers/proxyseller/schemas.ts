import * as z from 'zod';

// Tool inputs use Proxy-Seller's own v1 field names, so the schema documents the vendor.
// Which fields belong to which proxy type is checked in rules.ts (no unions here:
// some MCP clients cannot read anyOf/oneOf).

export const PROXY_TYPES = ['ipv4', 'ipv6', 'mobile', 'isp', 'mix', 'mix_isp', 'resident'] as const;
export type ProxyType = (typeof PROXY_TYPES)[number];

const proxyType = z.enum(PROXY_TYPES);

export const listOffersInput = z.object({
  type: proxyType.optional(),
});

export type ListOffersInput = z.infer<typeof listOffersInput>;

export const placeOrderInput = z.object({
  type: proxyType,
  countryId: z.number().int().positive().optional(),
  periodId: z.string().min(1).max(20).optional().describe('e.g. "1m"'),
  quantity: z.number().int().positive().max(10000).optional(),
  coupon: z.string().max(100).optional(),
  authorization: z.string().max(200).optional().describe('Blank: login/password; else IP auth'),
  customTargetName: z.string().min(1).max(100).optional().describe('Purpose of use; default "scraping"'),
  generateAuth: z.enum(['Y', 'N']).optional(),
  protocol: z.enum(['HTTPS', 'SOCKS5']).optional(),
  mobileServiceType: z.enum(['shared', 'dedicated']).optional(),
  operatorId: z.string().min(1).max(100).optional(),
  rotationId: z.number().int().nonnegative().optional(),
  tarifId: z.number().int().positive().optional(),
});

export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

// prolong (vendors.md 6.2.1): the order and the vendor's period field.
export const extendOrderInput = z.object({
  order_id: z.string().min(1).max(100),
  periodId: z.string().min(1).max(20),
});

export type ExtendOrderInput = z.infer<typeof extendOrderInput>;
