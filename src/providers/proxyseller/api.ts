import * as z from 'zod';
import { ProxycartError } from '../../errors.js';
import { createHttpClient, type RequestSpec } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable, VENDOR } from './errors.js';
import type { ProxyType } from './schemas.js';

// Vendor responses: tolerant on purpose. v1 is sparsely documented (ids arrive as numbers
// in one source and strings in another), so every field is optional and extra fields pass.

const idLike = z.union([z.string(), z.number()]);

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
  // `1` in proxy/list, `true` in prolong/calc items (vendors.md 6.2.2).
  can_prolong: z.union([z.boolean(), z.number(), z.string()]).nullish(),
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

// One function per Proxy-Seller v1 endpoint, returning the envelope's `data`, checked by the
// HTTP client against the endpoint's tolerant schema. The API key is a path segment
// (`{base}/{key}/<endpoint>`): it is folded into the client's base URL so that request paths,
// which may reach log lines, never contain it.

export interface ProxySellerApi {
  /** Reference data (countries, periods, tariffs), cached briefly; its shapes are read in map.ts. */
  referenceList(type?: ProxyType, options?: ReadOptions): Promise<unknown>;
  /** Free price check; same body as make. */
  orderCalc(body: Record<string, unknown>): Promise<CalcData>;
  /** Spends money. Sent once, never retried: v1 has no idempotency key. */
  orderMake(body: Record<string, unknown>): Promise<MakeData>;
  /** Free price check of a renewal of proxies (`ids`) for `periodId`; prolong/calc's `data` has calc's fields plus the proxies. */
  prolongCalc(type: ProxyType, body: Record<string, unknown>): Promise<CalcData>;
  /** Spends money: renews the proxies. Sent once, never retried. */
  prolongMake(type: ProxyType, body: Record<string, unknown>): Promise<MakeData>;
  /** Proxies of one type (`{items}`), or of every type keyed by type; read in map.ts. */
  proxyList(type?: ProxyType, query?: { latest?: 'Y' | 'N' }): Promise<unknown>;
  balanceGet(): Promise<BalanceData>;
}

export function createApi(connection: Connection): ProxySellerApi {
  const key = connection.apiKey.trim();
  if (!key) {
    throw new ProxycartError('configuration', `${VENDOR} needs an API key (PROXYSELLER_API_KEY).`);
  }
  const encoded = encodeURIComponent(key);
  const http = createHttpClient({
    vendor: VENDOR,
    baseUrl: `${connection.baseUrl.replace(/\/+$/, '')}/${encoded}`,
    timeoutMs: connection.timeoutMs,
    errors: errorTable,
  });

  const cached = catalogReader(connection);

  // Belt and braces: should the vendor or a network library ever echo the URL, the key
  // is cut out of the error before it travels further.
  function scrub(text: string | undefined): string | undefined {
    return text === undefined ? undefined : text.split(encoded).join('[redacted]').split(key).join('[redacted]');
  }

  async function data<T extends { data?: unknown }>(spec: RequestSpec<T>): Promise<T['data']> {
    try {
      return (await http.request(spec)).body.data;
    } catch (error) {
      if (!(error instanceof ProxycartError)) throw error;
      const message = scrub(error.message) ?? '';
      const vendorMessage = scrub(error.details.vendorMessage);
      if (message === error.message && vendorMessage === error.details.vendorMessage) throw error;
      throw new ProxycartError(error.kind, message, { ...error.details, vendorMessage });
    }
  }

  return {
    referenceList: (type, options) =>
      cached(
        `reference ${type ?? 'all'}`,
        () => data({ method: 'GET', path: type ? `/reference/list/${type}` : '/reference/list', schema: referenceAnswer, what: 'the reference request' }),
        options?.fresh,
      ),
    orderCalc: (body) => data({ method: 'POST', path: '/order/calc', json: body, schema: calcAnswer, what: 'the price check' }),
    orderMake: (body) => data({ method: 'POST', path: '/order/make', json: body, money: true, schema: makeAnswer, what: 'the order request' }),
    prolongCalc: (type, body) => data({ method: 'POST', path: `/prolong/calc/${type}`, json: body, schema: calcAnswer, what: 'the renewal price check' }),
    prolongMake: (type, body) =>
      data({ method: 'POST', path: `/prolong/make/${type}`, json: body, money: true, schema: makeAnswer, what: 'the renewal request' }),
    proxyList: (type, query) =>
      data({ method: 'GET', path: type ? `/proxy/list/${type}` : '/proxy/list', query, schema: proxyListAnswer, what: 'the proxy list request' }),
    balanceGet: () => data({ method: 'GET', path: '/balance/get', schema: balanceAnswer, what: 'the balance request' }),
  };
}
