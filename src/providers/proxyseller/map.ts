import { ProxycartError } from '../../errors.js';
import { usableAmount, vendorPrice } from '../../money.js';
import type { Offer, Order, OrderState, ProxyEndpoint, VendorQuote } from '../types.js';
import { VENDOR } from './envelope.js';
import { TYPE_TITLES } from './order-rules.js';
import type { TypeReference } from './reference.js';
import { balanceSchema, calcSchema, makeSchema, PROXY_TYPES, proxyItemSchema, type ProxyItem, type ProxyType } from './schemas.js';

// Pure mapping of Proxy-Seller v1 payloads to proxycart's domain types.

export const PRICE_NOTE =
  "Proxy-Seller's reference lists no prices. The price of a concrete choice comes from the vendor's quote: place_order without a confirmation_token calls order/calc (free, nothing is charged) and shows the total.";

/** One offer per type and country (with its periods, operators, package sizes), one per resident tariff. */
export function offersFrom(refs: TypeReference[]): Offer[] {
  const offers: Offer[] = [];
  for (const ref of refs) {
    const title = TYPE_TITLES[ref.type];
    const periods = ref.periods.map((p) => ({ periodId: p.id, name: p.name }));
    if (ref.type === 'resident') {
      for (const tarif of ref.tarifs) {
        offers.push({ id: `resident-${tarif.id}`, name: `${title} ${tarif.name}`, kind: ref.type, type: ref.type, country: null, price_from_usd: null, tarifId: tarif.id });
      }
      continue;
    }
    for (const country of ref.countries) {
      const offer: Offer = {
        id: `${ref.type}-${country.id}`,
        name: `${title} ${country.name}`,
        kind: ref.type,
        type: ref.type,
        country: country.alpha3 ?? country.name,
        price_from_usd: null,
        countryId: country.id,
        options: periods,
      };
      if (ref.type === 'mobile') {
        offer.operators = country.operators.map((op) => ({
          operatorId: op.id,
          name: op.name,
          mobileServiceType: op.serviceType,
          rotations: op.rotations.map((r) => ({ rotationId: r.id, name: r.name })),
        }));
      }
      if (ref.quantities.length) offer.quantities = ref.quantities;
      offers.push(offer);
    }
  }
  return offers;
}

function unexpected(what: string): ProxycartError {
  return new ProxycartError('vendor_error', `${VENDOR} answered ${what} in a shape proxycart does not know.`);
}

/** `order/calc` → quote. A non-empty warning (e.g. insufficient funds) blocks the order. */
export function quoteFrom(data: unknown, summary: string): VendorQuote {
  const parsed = calcSchema.safeParse(data);
  if (!parsed.success) throw unexpected('the price check');
  const calc = parsed.data;
  const warnings: string[] = [];
  const warning = calc.warning?.trim();
  if (warning) warnings.push(`${VENDOR}: ${warning}`);
  const currency = calc.currency?.toUpperCase();
  if (currency && currency !== 'USD') warnings.push(`${VENDOR} priced this order in ${currency}, not USD.`);
  const price = vendorPrice(VENDOR, 'order/calc total', calc.total);
  if (price.warning) warnings.push(price.warning);
  const total = currency && currency !== 'USD' ? null : price.usd;
  const quote: VendorQuote = {
    total_usd: total,
    price_source: total === null ? 'unknown' : 'vendor_quote',
    summary,
    balance_usd: calc.balance ?? null,
    warnings,
  };
  if (warning) quote.blocking = warning;
  return quote;
}

/**
 * `order/make` → the placed order. The money has moved once make answers `success`, so an
 * answer without an order id cannot be treated as a refusal: it is an unknown outcome.
 */
export function orderFromMake(data: unknown, type: ProxyType | undefined): Order {
  const parsed = makeSchema.safeParse(data);
  if (!parsed.success) {
    throw new ProxycartError('outcome_unknown', `${VENDOR} accepted the order but its answer had no order id.`);
  }
  const make = parsed.data;
  const order: Order = {
    id: String(make.orderId),
    // v1 has no order status: the order is paid and its IPs are being issued.
    status: 'processing',
    state: 'pending',
    total_usd: usableAmount(make.total),
    proxies: [],
    references: (make.listBaseOrderNumbers ?? []).map(String),
    balance_usd: make.balance ?? null,
  };
  if (type) order.type = type;
  return order;
}

export function balanceFrom(data: unknown): number {
  const parsed = balanceSchema.safeParse(data);
  if (!parsed.success) throw unexpected('the balance');
  return parsed.data.summ;
}

/** `dd.mm.yyyy` → ms since epoch (UTC midnight), undefined when not that format. */
export function parseVendorDate(text: string | null | undefined): number | undefined {
  const match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const [, day, month, year] = match.map(Number);
  const ms = Date.UTC(year, month - 1, day);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One proxy's status → our state. v1 documents `ACTIVE` only; the other words are the
 * vendor's v2 order words (PAYED, NOT_PAYED, RETURN) and plain variants of the same ideas.
 * An `Ended` proxy is one about to end: `date_end` decides whether it has lapsed.
 */
export function classifyStatus(statusType: string | null | undefined, dateEnd?: string | null, now = Date.now()): OrderState {
  const word = (statusType ?? '').trim().toUpperCase().replace(/[\s-]+/g, '_');
  const end = parseVendorDate(dateEnd);
  const lapsed = end !== undefined && end + DAY_MS <= now;
  switch (word) {
    case 'ACTIVE':
    case 'ENDED':
    case 'ENDING':
      return lapsed ? 'expired' : 'active';
    case 'EXPIRED':
    case 'FINISHED':
    case 'INACTIVE':
    case 'CLOSED':
      return 'expired';
    case 'RETURN':
    case 'RETURNED':
    case 'REFUND':
    case 'REFUNDED':
      return 'refunded';
    case 'CANCELED':
    case 'CANCELLED':
      return 'cancelled';
    case 'ERROR':
    case 'FAILED':
    case 'BLOCKED':
    case 'BANNED':
      return 'failed';
    default:
      // PAYED, NOT_PAYED, PROCESSING, NEW, or a word we have not seen: not usable yet.
      return 'pending';
  }
}

function items(value: unknown): ProxyItem[] {
  const entries = Array.isArray(value) ? value : value && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items) ? (value as { items: unknown[] }).items : [];
  const out: ProxyItem[] = [];
  for (const entry of entries) {
    const parsed = proxyItemSchema.safeParse(entry);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** `proxy/list/{type}` → its items (`{items: [...]}`; a bare array is accepted too). */
export function proxyItemsOf(data: unknown): ProxyItem[] {
  return items(data);
}

/** `proxy/list` (all types) → items by type. Resident entries are proxy lists, not orders, and are left out. */
export function proxyItemsByType(data: unknown): Array<[ProxyType, ProxyItem[]]> {
  if (!data || typeof data !== 'object') return [];
  const keyed = data as Record<string, unknown>;
  return PROXY_TYPES.filter((type) => type !== 'resident' && keyed[type] !== undefined).map((type) => [type, items(keyed[type])]);
}

/** Does a proxy belong to the order: by order id, or by one of the base order numbers make returned. */
export function belongsTo(item: ProxyItem, orderId: string, references: readonly string[] = []): boolean {
  if (item.order_id !== undefined && item.order_id !== null && String(item.order_id) === orderId) return true;
  const number = item.order_number === undefined || item.order_number === null ? undefined : String(item.order_number);
  return number !== undefined && references.includes(number);
}

function endpointOf(item: ProxyItem): ProxyEndpoint | undefined {
  const host = item.ip_only || item.ip;
  if (!host) return undefined;
  // Each v1 proxy has an HTTP and a SOCKS port; report the one its protocol names.
  const socks = /socks/i.test(item.protocol ?? '') || (!item.port_http && !!item.port_socks);
  const port = socks ? (item.port_socks ?? item.port_http) : item.port_http;
  if (!port) return undefined;
  const protocol = socks ? 'socks5' : /^https$/i.test(item.protocol ?? '') ? 'https' : 'http';
  return { host, port, protocol, username: item.login || null, password: item.password || null };
}

const STATE_RANK: OrderState[] = ['active', 'pending', 'expired', 'refunded', 'cancelled', 'failed'];

/** The proxies of one order → the order. Usable as soon as one of its proxies is. */
export function orderFromItems(orderId: string, found: ProxyItem[], type: ProxyType | undefined, references: readonly string[] = [], now = Date.now()): Order {
  const states = found.map((item) => classifyStatus(item.status_type ?? item.status, item.date_end, now));
  const state = STATE_RANK.find((s) => states.includes(s)) ?? 'pending';
  const lead = found[states.indexOf(state)] ?? found[0];
  const usable = found.filter((_, i) => states[i] === 'active');
  const numbers = [...new Set([...references, ...found.map((i) => i.order_number).filter((n) => n !== undefined && n !== null).map(String)])];
  const order: Order = {
    id: orderId,
    status: lead?.status ?? lead?.status_type ?? 'unknown',
    state,
    total_usd: null,
    proxies: (state === 'active' ? usable : found).map(endpointOf).filter((e): e is ProxyEndpoint => e !== undefined),
    references: numbers,
    date_start: lead?.date_start ?? null,
    date_end: lead?.date_end ?? null,
    country: lead?.country_alpha3 ?? lead?.country ?? null,
  };
  if (type) order.type = type;
  if (order.proxies.some((p) => p.username === null && p.password === null)) {
    order.note = 'Some proxies list no login: they use IP authorization, or credentials made with generateAuth=Y, which proxy/list does not show.';
  }
  return order;
}

/** Placed here, not listed yet: v1 issues the IPs seconds to a minute after make. */
export function pendingOrder(orderId: string, type: ProxyType | undefined, references: readonly string[] = []): Order {
  const order: Order = { id: orderId, status: 'processing', state: 'pending', total_usd: null, proxies: [], references: [...references] };
  if (type) order.type = type;
  return order;
}

/** Resident orders buy a traffic package: no proxies are listed until a proxy list is made in the dashboard. */
export function residentOrder(orderId: string, references: readonly string[] = []): Order {
  return {
    id: orderId,
    status: 'paid',
    state: 'active',
    total_usd: null,
    proxies: [],
    type: 'resident',
    references: [...references],
    note: 'A resident order is a traffic package: create a proxy list for it in the Proxy-Seller dashboard to get login and ports.',
  };
}
