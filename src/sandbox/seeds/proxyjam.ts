// Seed data of the ProxyJam simulator (src/sandbox/proxyjam.ts keeps the behaviour): the
// catalog, the vocabularies of its fields, the starting wallet and switches.

export const sandboxKey = 'pj_sandbox_4e7a1c9b2f6d8e03a5c7';

/** An order of another account: looking it up answers 403. */
export const FOREIGN_ORDER_ID = '0f6b2d7e-3c1a-4e9b-8d52-a7c4e1f09b36';

export interface SimOfferOption {
  price: number;
  period_days: number;
  period_name: string;
  period_months: number | null;
  traffic_mb?: number | null;
  traffic_name?: string;
  period_seconds?: number;
  tarification_index?: number;
}

export interface SimOffer {
  id: number;
  kind: 'datacenter' | 'residential' | 'mobile';
  mode: string;
  ip_version: 'IPv4' | 'IPv6';
  name: string;
  description: string;
  country_code: string;
  is_available: boolean;
  price_from_usd: number;
  currency: 'USD';
  options: SimOfferOption[];
}

export const KINDS = ['datacenter', 'residential', 'mobile'] as const;
export const IP_VERSIONS = ['IPv4', 'IPv6'] as const;
export const PROTOCOLS = ['HTTP', 'HTTPS', 'SOCKS5'] as const;
export const PAYMENT_METHODS = ['wallet', 'cryptocloud'] as const;
export const DAY_MS = 24 * 60 * 60 * 1000;
export const PROXY_HOST = 'gw.sandbox.proxyjam.invalid';

function period(price: number, days: number, months: number | null): SimOfferOption {
  return { price, period_days: days, period_name: days === 1 ? '1 day' : `${days} days`, period_months: months };
}

function tariff(index: number, price: number, trafficMb: number, days: number): SimOfferOption {
  return {
    ...period(price, days, days >= 30 ? Math.round(days / 30) : null),
    traffic_mb: trafficMb,
    traffic_name: `${trafficMb / 1024} GB`,
    period_seconds: days * 86400,
    tarification_index: index,
  };
}

function offer(fields: Omit<SimOffer, 'price_from_usd' | 'currency' | 'description'> & { description?: string }): SimOffer {
  return {
    description: `${fields.name} (sandbox)`,
    ...fields,
    price_from_usd: Math.min(...fields.options.map((option) => option.price)),
    currency: 'USD',
  };
}

/** The seeded catalog: every kind, a few countries, some out of stock, one mobile rotating tariff list. */
export function seedCatalog(): SimOffer[] {
  return [
    offer({
      id: 42,
      kind: 'residential',
      mode: 'rotating',
      ip_version: 'IPv4',
      name: 'US Residential Rotating',
      country_code: 'US',
      is_available: true,
      options: [period(3.5, 30, 1), period(9.9, 90, 3)],
    }),
    offer({
      id: 43,
      kind: 'residential',
      mode: 'static',
      ip_version: 'IPv4',
      name: 'GB Static ISP',
      country_code: 'GB',
      is_available: true,
      options: [period(4, 30, 1)],
    }),
    offer({
      id: 44,
      kind: 'residential',
      mode: 'static',
      ip_version: 'IPv4',
      name: 'DE Static ISP',
      country_code: 'DE',
      is_available: false,
      options: [period(4.5, 30, 1)],
    }),
    offer({
      id: 51,
      kind: 'datacenter',
      mode: 'static',
      ip_version: 'IPv4',
      name: 'US Datacenter',
      country_code: 'US',
      is_available: true,
      options: [period(0.4, 7, null), period(1.2, 30, 1)],
    }),
    offer({
      id: 52,
      kind: 'datacenter',
      mode: 'static',
      ip_version: 'IPv6',
      name: 'US Datacenter IPv6',
      country_code: 'US',
      is_available: true,
      options: [period(0.6, 30, 1)],
    }),
    offer({
      id: 53,
      kind: 'datacenter',
      mode: 'static',
      ip_version: 'IPv4',
      name: 'NL Datacenter',
      country_code: 'NL',
      is_available: false,
      options: [period(1, 30, 1)],
    }),
    offer({
      id: 77,
      kind: 'mobile',
      mode: 'rotating',
      ip_version: 'IPv4',
      name: 'US Mobile Rotating',
      country_code: 'US',
      is_available: true,
      options: [tariff(0, 1.5, 1024, 1), tariff(1, 12, 5120, 30), tariff(2, 30, 20480, 30)],
    }),
    offer({
      id: 78,
      kind: 'mobile',
      mode: 'static',
      ip_version: 'IPv4',
      name: 'GB Mobile Dedicated',
      country_code: 'GB',
      is_available: true,
      options: [period(25, 30, 1)],
    }),
    offer({
      id: 79,
      kind: 'mobile',
      mode: 'rotating',
      ip_version: 'IPv4',
      name: 'DE Mobile Rotating',
      country_code: 'DE',
      is_available: false,
      options: [tariff(0, 2, 1024, 1)],
    }),
  ];
}

/** The wallet and switches a fresh simulator starts with. */
export const INITIAL = {
  balance: 100,
  responseShape: 'object',
  statusVocabulary: 'rest',
  provisioningDelayMs: 0,
  /** The documented limit: 100 requests per minute per caller. */
  rateLimitPerMinute: 100,
  /** USD per GB of a traffic top-up on an order whose tariff names no traffic: ProxyJam publishes no such price. */
  bandwidthPriceGb: 2.5,
} as const;

/** The seeded order of another account, `daysAgo` days old: the fields that are data. */
export const FOREIGN_ORDER = {
  id: FOREIGN_ORDER_ID,
  offer_id: 42,
  daysAgo: 3,
  total_usd: 3.5,
  proxy_type: 'residential',
  ip_version: 'IPv4',
  protocol: 'HTTP',
  country: 'US',
  quantity: 1,
  period_days: 30,
} as const;
