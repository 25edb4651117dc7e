import { z } from 'zod';

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

// Vendor responses: tolerant on purpose. v1 is sparsely documented (ids arrive as numbers
// in one source and strings in another), so every field is optional and extra fields pass.

const idLike = z.union([z.string(), z.number()]);

export const envelopeSchema = z.looseObject({
  status: z.string().nullish(),
  data: z.unknown().optional(),
  errors: z
    .array(
      z.looseObject({
        message: z.unknown().optional(),
        code: z.unknown().optional(),
      }),
    )
    .nullish(),
});

export const calcSchema = z.looseObject({
  warning: z.string().nullish(),
  balance: z.coerce.number().nullish(),
  // Prices are checked where they are used (money.ts): one that is not a number makes the order unpriced.
  total: z.unknown().optional(),
  quantity: z.coerce.number().nullish(),
  currency: z.string().nullish(),
  discount: z.unknown().optional(),
  price: z.unknown().optional(),
});
export type CalcData = z.infer<typeof calcSchema>;

export const makeSchema = z.looseObject({
  orderId: idLike,
  total: z.unknown().optional(),
  listBaseOrderNumbers: z.array(idLike).nullish(),
  balance: z.coerce.number().nullish(),
});
export type MakeData = z.infer<typeof makeSchema>;

export const balanceSchema = z.looseObject({
  summ: z.coerce.number(),
});
export type BalanceData = z.infer<typeof balanceSchema>;

export const proxyItemSchema = z.looseObject({
  id: idLike.nullish(),
  order_id: idLike.nullish(),
  order_number: idLike.nullish(),
  basket_id: idLike.nullish(),
  ip: z.string().nullish(),
  ip_only: z.string().nullish(),
  protocol: z.string().nullish(),
  port_socks: z.coerce.number().nullish(),
  port_http: z.coerce.number().nullish(),
  login: z.string().nullish(),
  password: z.string().nullish(),
  country: z.string().nullish(),
  country_alpha3: z.string().nullish(),
  status: z.string().nullish(),
  status_type: z.string().nullish(),
  date_start: z.string().nullish(),
  date_end: z.string().nullish(),
});
export type ProxyItem = z.infer<typeof proxyItemSchema>;

// One schema per endpoint answer: the envelope around that endpoint's `data`, checked by the
// HTTP client at the call site. Reference and proxy lists come in several shapes (see map.ts),
// so their `data` is read there, entry by entry, and an entry that does not fit is skipped.

function answer<T extends z.ZodType>(data: T) {
  return z.looseObject({ data });
}

export const referenceAnswer = answer(z.unknown());
export const calcAnswer = answer(calcSchema);
export const makeAnswer = answer(makeSchema);
export const proxyListAnswer = answer(z.unknown());
export const balanceAnswer = answer(balanceSchema);
