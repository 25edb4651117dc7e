import { ProxycartError } from '../../errors.js';
import { resolveCountry } from '../countries.js';
import type { Recurring, VendorQuote } from '../types.js';
import { type PlaceOrderInput, POOL_LOCATIONS, UNPUBLISHED_PREFIX } from './schemas.js';

// ProxyScrape's field rules, checked here so a bad combination is refused before any money
// call. Only one type string is published, so the product family is read from the type's
// words; a type matching no family is passed on with a warning (the vendor refuses, without
// charging, any combination it does not sell).

export type Family = 'datacenter' | 'residential' | 'residential_unlimited' | 'serp' | 'unknown';

export function familyOf(type: string): Family {
  const t = type.toLowerCase();
  if (t.includes('datacenter')) return 'datacenter';
  if (t.includes('residential')) return t.includes('unlimited') ? 'residential_unlimited' : 'residential';
  if (t.includes('serp')) return 'serp';
  return 'unknown';
}

export interface BuiltOrder {
  /** The exact `orders/create` body, vendor field names. */
  request: Record<string, unknown>;
  summary: string;
  warnings: string[];
}

function refuse(message: string): never {
  throw new ProxycartError('invalid_input', message);
}

function checkType(type: string): void {
  if (type.startsWith(UNPUBLISHED_PREFIX)) {
    refuse(
      `type "${type}" is a placeholder: ProxyScrape does not publish the type string of this product. Take it from the ProxyScrape dashboard checkout and pass it as type.`,
    );
  }
  if (!/^[a-z0-9_]+$/i.test(type)) refuse('type must be a ProxyScrape order type such as new_datacenter_shared (letters, digits and underscores).');
}

function checkFields(input: PlaceOrderInput, family: Family, pools: Array<[string, number]>): void {
  const { type } = input;
  if (input.days !== undefined && input.duration !== undefined) refuse('Give either days or duration, not both.');
  if (input.location !== undefined && !input.location.trim()) refuse('location is empty: give the server-location id or leave it out.');
  if (input.coupon_code !== undefined && !input.coupon_code.trim()) refuse('coupon_code is empty: give a code or leave it out.');
  if (family === 'unknown') return;

  if (family === 'datacenter') {
    if (pools.length === 0) refuse('A datacenter order needs proxies: the IP-pool size per location, e.g. {"mixed": 1000}.');
    if (input.days === undefined && input.duration === undefined) refuse('A datacenter order needs days (e.g. 30) or duration (30d, 60d or 90d).');
  } else {
    if (input.proxies !== undefined) refuse(`proxies (IP-pool sizes) apply to datacenter types only, not to "${type}".`);
    if (input.days !== undefined) {
      refuse('days applies to datacenter orders; residential and SERP orders take duration (30d, 60d or 90d), or none for a pack that does not expire.');
    }
  }
  if (input.location !== undefined && family !== 'residential_unlimited') refuse(`location applies to residential unlimited orders only, not to "${type}".`);
  if (family === 'residential_unlimited' && input.location === undefined) {
    refuse('A residential unlimited order needs location: the server-location id from the ProxyScrape dashboard.');
  }
  if (family === 'residential' && !input.bandwidth) refuse('A residential order needs bandwidth: the size of the pack in GB (at least 1).');
}

function describe(input: PlaceOrderInput, family: Family, pools: Array<[string, number]>, country: string): string {
  const parts: string[] = [];
  if (pools.length) parts.push(pools.map(([location, size]) => `${size.toLocaleString('en-US')} IPs (${location})`).join(' + '));
  if (input.days !== undefined) parts.push(`${input.days} days`);
  else if (input.duration !== undefined) parts.push(`${input.duration.replace('d', '')} days`);
  else if (family === 'residential' || family === 'serp') parts.push('no expiry');
  if (input.bandwidth !== undefined) {
    parts.push(family === 'datacenter' ? (input.bandwidth === 0 ? 'unlimited bandwidth' : `bandwidth ${input.bandwidth}`) : `${input.bandwidth} GB`);
  }
  if (input.location !== undefined) parts.push(`location ${input.location.trim()}`);
  if (input.is_subscription !== undefined) parts.push(input.is_subscription ? 'subscription' : 'one-off');
  parts.push(country);
  if (input.coupon_code !== undefined) parts.push(`coupon ${input.coupon_code.trim()}`);
  return `${input.type}: ${parts.join(', ')}`;
}

/** Check `input` against ProxyScrape's rules and build the body `orders/create` will receive. */
export function buildOrder(input: PlaceOrderInput): BuiltOrder {
  const type = input.type.trim();
  checkType(type);
  const family = familyOf(type);
  const pools = POOL_LOCATIONS.flatMap((location) => {
    const size = input.proxies?.[location];
    return size === undefined ? [] : [[location, size] as [string, number]];
  });
  checkFields({ ...input, type }, family, pools);

  const country = resolveCountry(input.country);
  if (!country) {
    refuse(`country "${input.country.trim()}" is not a country proxycart knows: give the full English name (e.g. Belgium) or an ISO alpha-2 code (e.g. BE).`);
  }

  // Key order follows the vendor's example body; absent fields are not sent at all.
  const request: Record<string, unknown> = { type, country: country.name };
  if (input.is_subscription !== undefined) request.is_subscription = input.is_subscription;
  if (input.days !== undefined) request.days = input.days;
  // The vendor reads each pool as a literal JSON key with brackets.
  for (const [location, size] of pools) request[`proxies[${location}]`] = size;
  if (input.bandwidth !== undefined) request.bandwidth = input.bandwidth;
  if (input.duration !== undefined) request.duration = input.duration;
  if (input.location !== undefined) request.location = input.location.trim();
  if (input.coupon_code !== undefined) request.coupon_code = input.coupon_code.trim();

  const warnings: string[] = [];
  if (country.translated) warnings.push(`country ${input.country.trim()} is sent as "${country.name}".`);
  if (family === 'unknown') {
    warnings.push(
      `The field rules of type "${type}" are not published, so they were not checked here; ProxyScrape refuses an unknown combination without charging.`,
    );
  }
  return { request, summary: describe({ ...input, type }, family, pools, country.name), warnings };
}

/**
 * What `is_subscription: true` arms (vendors.md 6.3): probably recurring billing as in the
 * website checkout, but ProxyScrape documents neither how often nor at what price, nor a way
 * to cancel through the API.
 */
export function subscriptionOf(input: PlaceOrderInput): Recurring | undefined {
  if (!input.is_subscription) return undefined;
  const period = input.days !== undefined ? `${input.days} days` : input.duration !== undefined ? `${input.duration.replace('d', '')} days` : undefined;
  return {
    field: 'is_subscription',
    every: null,
    price_usd: null,
    note: `ProxyScrape does not say how often a subscription renews or what it charges${period ? ` (this order is for ${period})` : ''}; the price is known only after ordering.`,
    off: 'ProxyScrape documents no API to cancel it: the ProxyScrape dashboard or its support',
  };
}

/**
 * The quote of a built order. No price or quote endpoint exists: the price appears only in
 * the order status. `balance` is left out when the wallet was not read at all.
 */
export function quoteOf(built: BuiltOrder, warnings: string[], balance: number | null | undefined): VendorQuote {
  const quote: VendorQuote = { total_usd: null, price_source: 'unknown', summary: built.summary, warnings };
  if (balance !== undefined) quote.balance_usd = balance;
  return quote;
}
