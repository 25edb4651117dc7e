// Seed data of the Proxy-Seller simulator (src/sandbox/proxyseller.ts keeps the behaviour):
// the reference lists and price table, resident tariffs, coupons, the starting wallet and
// the order seeded from last month.

export const sandboxKey = 'ps-sandbox-3f7c9a1e5b2d48e6a0c4';

export const TYPES = ['ipv4', 'ipv6', 'mobile', 'isp', 'mix', 'mix_isp', 'resident'] as const;
export type ProxyType = (typeof TYPES)[number];

// ---- reference data ------------------------------------------------------------------

export interface Period {
  id: string;
  name: string;
  /** Price factor against one month. */
  factor: number;
  days: number;
}

export interface Rotation {
  id: number;
  name: string;
}

export interface Operator {
  id: string;
  name: string;
  rotations: Rotation[];
}

export interface Country {
  id: number;
  name: string;
  alpha3?: string;
  /** USD per proxy per month (mobile: per service type). */
  price: number | { shared: number; dedicated: number };
  operators?: { dedicated: Operator[]; shared: Operator[] };
}

export interface Section {
  countries: Country[];
  periods: Period[];
  quantities?: number[];
}

export const STANDARD_PERIODS: Period[] = [
  { id: '1w', name: '1 week', factor: 0.35, days: 7 },
  { id: '2w', name: '2 weeks', factor: 0.6, days: 14 },
  { id: '1m', name: '1 month', factor: 1, days: 30 },
  { id: '3m', name: '3 months', factor: 2.85, days: 90 },
  { id: '6m', name: '6 months', factor: 5.4, days: 180 },
  { id: '12m', name: '12 months', factor: 10.2, days: 360 },
];

export const ROTATIONS: Rotation[] = [
  { id: 1, name: 'By link' },
  { id: 2, name: 'Every 5 minutes' },
  { id: 3, name: 'Every 30 minutes' },
];

/** The sandbox's price table (tests check compared prices against it). */
export const SECTIONS: Record<Exclude<ProxyType, 'resident'>, Section> = {
  ipv4: {
    countries: [
      { id: 561, name: 'France', alpha3: 'FRA', price: 2.2 },
      { id: 562, name: 'Germany', alpha3: 'DEU', price: 2.2 },
      { id: 563, name: 'USA', alpha3: 'USA', price: 1.9 },
      { id: 564, name: 'United Kingdom', alpha3: 'GBR', price: 2.4 },
    ],
    periods: STANDARD_PERIODS,
  },
  isp: {
    countries: [
      { id: 701, name: 'USA', alpha3: 'USA', price: 2.8 },
      { id: 702, name: 'United Kingdom', alpha3: 'GBR', price: 3 },
      { id: 703, name: 'Germany', alpha3: 'DEU', price: 3 },
    ],
    periods: STANDARD_PERIODS,
  },
  ipv6: {
    countries: [
      { id: 801, name: 'USA', alpha3: 'USA', price: 0.35 },
      { id: 802, name: 'Germany', alpha3: 'DEU', price: 0.4 },
    ],
    periods: STANDARD_PERIODS.slice(2),
  },
  mix: {
    countries: [
      { id: 901, name: 'Mix World', price: 1.1 },
      { id: 902, name: 'Mix Europe', price: 1.2 },
    ],
    periods: STANDARD_PERIODS.slice(2),
    quantities: [5, 10, 25, 50, 100],
  },
  mix_isp: {
    countries: [{ id: 951, name: 'Mix ISP USA', alpha3: 'USA', price: 1.6 }],
    periods: STANDARD_PERIODS.slice(2),
    quantities: [5, 10, 25, 50],
  },
  mobile: {
    countries: [
      {
        id: 1001,
        name: 'USA',
        alpha3: 'USA',
        price: { dedicated: 65, shared: 20 },
        operators: {
          dedicated: [
            { id: 'att', name: 'AT&T', rotations: ROTATIONS },
            { id: 'tmobile', name: 'T-Mobile', rotations: ROTATIONS },
          ],
          shared: [{ id: 'verizon', name: 'Verizon', rotations: ROTATIONS.slice(1) }],
        },
      },
      {
        id: 1002,
        name: 'United Kingdom',
        alpha3: 'GBR',
        price: { dedicated: 70, shared: 22 },
        operators: {
          dedicated: [{ id: 'ee', name: 'EE', rotations: ROTATIONS }],
          shared: [{ id: 'three', name: 'Three', rotations: ROTATIONS.slice(1) }],
        },
      },
    ],
    periods: STANDARD_PERIODS.filter((p) => ['1w', '1m', '3m'].includes(p.id)),
  },
};

export const TARIFS = [
  { id: 1, name: '1 GB', price: 3.5, days: 30 },
  { id: 2, name: '5 GB', price: 15, days: 30 },
  { id: 3, name: '25 GB', price: 62.5, days: 60 },
  { id: 4, name: '100 GB', price: 220, days: 90 },
];

/** A sandbox-only coupon; unknown coupons simply give no discount. */
export const COUPONS: Record<string, number> = { SANDBOX10: 0.1 };

/** The wallet and switches a fresh simulator starts with. */
export const INITIAL = {
  balance: 100,
  /** The documented limit: 1000 requests per minute per key. */
  rateLimitPerMinute: 1000,
  provisionMs: 3000,
  priceFactor: 1,
} as const;

/** An order from last month (`daysAgo`), so lookups must tell old proxies from new ones. */
export const SEEDED_ORDER = {
  orderId: 2426001,
  type: 'ipv4',
  request: { paymentId: 1, countryId: 561, periodId: '3m', quantity: 1, customTargetName: 'scraping' },
  total: 6.27,
  daysAgo: 35,
  /** How long its proxies last. */
  days: 90,
  listBaseOrderNumbers: ['3388001_57470001'],
} as const;
