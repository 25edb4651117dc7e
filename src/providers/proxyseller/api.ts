import { ProxycartError } from '../../errors.js';
import { createHttpClient, type HttpClient, type RequestSpec } from '../../http/client.js';
import { catalogReader } from '../catalog-cache.js';
import type { Connection, ReadOptions } from '../types.js';
import { envelopeError, envelopeMessage, VENDOR } from './envelope.js';
import type { ProxyType } from './schemas.js';

// One function per Proxy-Seller v1 endpoint, returning the envelope's raw `data`.
// The API key is a path segment (`{base}/{key}/<endpoint>`): it is folded into the client's
// base URL so that request paths, which may reach log lines, never contain it.

export interface ProxySellerApi {
  /** Reference data (countries, periods, tariffs), cached briefly. */
  referenceList(type?: ProxyType, options?: ReadOptions): Promise<unknown>;
  /** Free price check; same body as make. */
  orderCalc(body: Record<string, unknown>): Promise<unknown>;
  /** Spends money. Sent once, never retried: v1 has no idempotency key. */
  orderMake(body: Record<string, unknown>): Promise<unknown>;
  proxyList(type?: ProxyType, query?: { latest?: 'Y' | 'N' }): Promise<unknown>;
  balanceGet(): Promise<unknown>;
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
    toError: envelopeError,
    messageOf: envelopeMessage,
  });

  const cached = catalogReader(connection);

  // Belt and braces: should the vendor or a network library ever echo the URL, the key
  // is cut out of the error before it travels further.
  function scrub(text: string | undefined): string | undefined {
    return text === undefined ? undefined : text.split(encoded).join('[redacted]').split(key).join('[redacted]');
  }

  async function data(client: HttpClient, spec: RequestSpec): Promise<unknown> {
    try {
      const response = await client.request(spec);
      const body = response.body as { data?: unknown } | undefined;
      return body && typeof body === 'object' ? body.data : undefined;
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
      cached(`reference ${type ?? 'all'}`, () => data(http, { method: 'GET', path: type ? `/reference/list/${type}` : '/reference/list' }), options?.fresh),
    orderCalc: (body) => data(http, { method: 'POST', path: '/order/calc', json: body }),
    orderMake: (body) => data(http, { method: 'POST', path: '/order/make', json: body, money: true }),
    proxyList: (type, query) => data(http, { method: 'GET', path: type ? `/proxy/list/${type}` : '/proxy/list', query }),
    balanceGet: () => data(http, { method: 'GET', path: '/balance/get' }),
  };
}
