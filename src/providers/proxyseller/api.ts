import { ProxycartError } from '../../errors.js';
import { createHttpClient, type RequestSpec } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { errorTable, VENDOR } from './errors.js';
import {
  type BalanceData,
  balanceAnswer,
  type CalcData,
  calcAnswer,
  type MakeData,
  makeAnswer,
  type ProxyType,
  proxyListAnswer,
  referenceAnswer,
} from './schemas.js';

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
    proxyList: (type, query) =>
      data({ method: 'GET', path: type ? `/proxy/list/${type}` : '/proxy/list', query, schema: proxyListAnswer, what: 'the proxy list request' }),
    balanceGet: () => data({ method: 'GET', path: '/balance/get', schema: balanceAnswer, what: 'the balance request' }),
  };
}
