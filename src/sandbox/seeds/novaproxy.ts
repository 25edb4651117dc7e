// Seed data of the NovaProxy simulator (src/sandbox/novaproxy.ts keeps the behaviour): the
// plans with their private price tables, discount codes, the account and the starting wallet.

export const sandboxKey = 'novaproxy_sandbox_5c1e8a7f3b9d42e6a0f4';

export interface SimOption {
  name: string;
  label: string;
  type: 'select' | 'range' | 'number';
  options?: Array<{ value: string | number; label: string }>;
  min?: number;
  max?: number;
  step?: number;
  /** Private: price per unit of a numeric option. */
  unitPrice?: number;
}

export interface SimDuration {
  slug: string;
  options: SimOption[];
  /** Private: base price in USD. */
  price: number;
}

export interface SimPlan {
  id: number;
  name: string;
  slug: string;
  type: 'bandwidth' | 'duration';
  has_geo_targeting: boolean;
  has_ip_whitelist: boolean;
  rotations: Array<{ code: string; name: string }>;
  protocols: Array<{ code: string; port: number }>;
  bandwidths?: Array<{ id: number; bandwidth: number; price_per_gb: number }>;
  durations?: SimDuration[];
  /** Private: whether the plan can be ordered. */
  active: boolean;
  /** Private: orders one account may hold of this plan. */
  maxOrders?: number;
}

export const HTTP_PORTS = [
  { code: 'http', port: 12321 },
  { code: 'socks5', port: 32325 },
];
export const ROTATIONS = [
  { code: 'rotating', name: 'Rotating' },
  { code: 'sticky', name: 'Sticky' },
];
/** The sandbox's plans with their private price tables (tests check compared prices against them). */
export function seedPlans(): SimPlan[] {
  const bandwidthPlan = (id: number, name: string, slug: string, tiers: Array<[number, number]>): SimPlan => ({
    id,
    name,
    slug,
    type: 'bandwidth',
    has_geo_targeting: true,
    has_ip_whitelist: false,
    rotations: ROTATIONS,
    protocols: HTTP_PORTS,
    bandwidths: tiers.map(([bandwidth, price], i) => ({ id: id * 10 + i, bandwidth, price_per_gb: price })),
    active: true,
  });
  const durationPlan = (id: number, name: string, slug: string, durations: SimDuration[], extra: Partial<SimPlan> = {}): SimPlan => ({
    id,
    name,
    slug,
    type: 'duration',
    has_geo_targeting: false,
    has_ip_whitelist: true,
    rotations: [],
    protocols: HTTP_PORTS,
    durations,
    active: true,
    ...extra,
  });
  const speed: SimOption = { name: 'speed', label: 'Speed (Mbps)', type: 'range', min: 1, max: 100, step: 1, unitPrice: 0.05 };
  const threads: SimOption = { name: 'threads', label: 'Threads', type: 'number', min: 100, max: 2000, step: 100, unitPrice: 0.01 };
  const countryCodes: SimOption = {
    name: 'country',
    label: 'Country',
    type: 'select',
    options: [
      { value: 'us', label: 'United States' },
      { value: 'gb', label: 'United Kingdom' },
      { value: 'de', label: 'Germany' },
      { value: 'ar', label: 'Armenia' },
    ],
  };
  // Some plans identify countries by integer ids, which the docs allow.
  const countryIds: SimOption = {
    name: 'country',
    label: 'Country',
    type: 'select',
    options: [
      { value: 1, label: 'United States' },
      { value: 2, label: 'United Kingdom' },
      { value: 3, label: 'Germany' },
    ],
  };
  return [
    bandwidthPlan(1, 'Residential', 'residential', [
      [1, 5.0],
      [10, 4.5],
      [50, 4.0],
      [100, 3.5],
    ]),
    bandwidthPlan(2, 'Residential Budget', 'residential-budget', [
      [1, 3.0],
      [10, 2.75],
      [50, 2.5],
    ]),
    bandwidthPlan(3, 'IPv6 Residential', 'ipv6-residential', [
      [5, 1.5],
      [50, 1.2],
    ]),
    durationPlan(4, 'Datacenter', 'datacenter', [
      { slug: '1_week', options: [speed], price: 2.5 },
      { slug: '30_days', options: [speed], price: 8 },
    ]),
    durationPlan(5, 'Unlimited Residential', 'unlimited-residential', [
      { slug: '1_day', options: [threads, countryCodes], price: 5 },
      { slug: '1_week', options: [threads, countryCodes], price: 25 },
      { slug: '30_days', options: [threads, countryCodes], price: 80 },
    ]),
    durationPlan(6, 'Static ISP', 'static-isp', [
      { slug: '1_week', options: [countryIds], price: 1.5 },
      { slug: '30_days', options: [countryIds], price: 4 },
    ]),
    durationPlan(7, 'Static Datacenter', 'static-datacenter', [{ slug: '30_days', options: [countryCodes], price: 2.5 }]),
    // A trial-like plan one account may order once.
    durationPlan(
      8,
      'Unlimited Residential Budget',
      'unlimited-residential-budget',
      [
        { slug: '20_minutes', options: [], price: 0.5 },
        { slug: '1_day', options: [], price: 3 },
      ],
      { maxOrders: 1 },
    ),
    durationPlan(9, 'IPv6 Datacenter', 'ipv6-datacenter', [{ slug: '30_days', options: [], price: 1 }], { active: false }),
  ];
}

/** Discount codes and the share they take off. */
export function seedDiscountCodes(): Record<string, number> {
  return { SANDBOX10: 0.1 };
}

/** The account GET /orders shows on each order. */
export const USER = { id: 1, name: 'Sandbox User', email: 'sandbox@example.com' };
/** Order ids start after this one. */
export const FIRST_ORDER_ID = 250;
export const INITIAL_BALANCE = 100;
export const ACTIVATION_MS = 1500;
