import { usableAmount, vendorPrice } from '../../money.js';
import type { Offer, Order, OrderState, ProxyEndpoint, VendorQuote } from '../types.js';
import { type CalcData, type MakeData, type ProxyItem, proxyItemSchema } from './api.js';
import { VENDOR } from './errors.js';
import { PROXY_TYPES, type ProxyType } from './schemas.js';

// Pure mapping of Proxy-Seller v1 payloads to proxycart's domain types: no I/O, no errors
// thrown. What cannot be read is left out (or undefined); client.ts decides what that means.

export const TYPE_TITLES: Record<ProxyType, string> = {
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  mobile: 'Mobile',
  isp: 'ISP',
  mix: 'MIX IPv4',
  mix_isp: 'MIX ISP',
  resident: 'Resident',
};

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The proxy type stored in an order's lookup facts, if it is one. */
export function proxyTypeOf(value: unknown): ProxyType | undefined {
  return PROXY_TYPES.find((type) => type === value);
}

export const PRICE_NOTE =
  "Proxy-Seller's reference lists no prices. The price of a concrete choice comes from the vendor's quote: place_order without a confirmation_token calls order/calc (free, nothing is charged) and shows the total.";

// ---- Reading `reference/list[/{type}]`. Only the v1 IPv4 shape is documented
// (`{items: [{country: [{id, name, alpha3}], period: [{id, name}]}]}`); the mobile, resident
// and mix sections were never shown for v1, so this reader accepts the plausible variants
// (items as array or object, singular or plural keys, the v2 mobile operator grouping) and
// simply yields empty lists for what it cannot find. Empty lists disable the local checks
// that depend on them: the vendor's own calc still validates.

export interface NamedId {
  id: string | number;
  name: string;
}

export interface OperatorRef extends NamedId {
  /** `shared` / `dedicated` when the reference groups operators that way. */
  serviceType?: string;
  rotations: NamedId[];
}

export interface CountryRef extends NamedId {
  alpha3?: string;
  operators: OperatorRef[];
}

export interface TypeReference {
  type: ProxyType;
  countries: CountryRef[];
  periods: NamedId[];
  tarifs: NamedId[];
  /** Allowed order sizes (MIX packages). */
  quantities: number[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return [];
}

function pick(source: Json, ...keys: string[]): unknown {
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) return source[key];
  return undefined;
}

function namedIds(value: unknown): NamedId[] {
  const out: NamedId[] = [];
  for (const entry of list(value)) {
    if (!isObject(entry)) continue;
    const id = entry.id;
    if (typeof id !== 'string' && typeof id !== 'number') continue;
    out.push({ id, name: typeof entry.name === 'string' ? entry.name : String(id) });
  }
  return out;
}

function operators(value: unknown): OperatorRef[] {
  // Either a flat list or grouped by service type ({dedicated: [...], shared: [...]}).
  const groups: Array<[string | undefined, unknown]> = Array.isArray(value) ? [[undefined, value]] : isObject(value) ? Object.entries(value) : [];
  const out: OperatorRef[] = [];
  for (const [group, entries] of groups) {
    for (const entry of list(entries)) {
      if (!isObject(entry)) continue;
      const [base] = namedIds([entry]);
      if (!base) continue;
      const serviceType = typeof entry.serviceType === 'string' ? entry.serviceType : typeof entry.type === 'string' ? entry.type : group;
      out.push({ ...base, serviceType, rotations: namedIds(pick(entry, 'rotations', 'rotation')) });
    }
  }
  return out;
}

function quantities(value: unknown): number[] {
  const out = new Set<number>();
  for (const entry of list(value)) {
    if (typeof entry === 'number' || (typeof entry === 'string' && entry.trim() !== '')) {
      const n = Number(entry);
      if (Number.isInteger(n) && n > 0) out.add(n);
    } else if (isObject(entry)) {
      const nested = pick(entry, 'quantities', 'quantity', 'id');
      for (const n of quantities(Array.isArray(nested) ? nested : [nested])) out.add(n);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** The section objects of one type: `items` may be an array of sections or one section. */
function sections(data: unknown): Json[] {
  if (!isObject(data)) return [];
  const items = data.items;
  if (Array.isArray(items)) return items.filter(isObject);
  if (isObject(items)) return [items];
  return [data];
}

export function parseTypeReference(type: ProxyType, data: unknown): TypeReference {
  const ref: TypeReference = { type, countries: [], periods: [], tarifs: [], quantities: [] };
  for (const section of sections(data)) {
    const sharedRotations = namedIds(pick(section, 'rotations', 'rotation'));
    for (const entry of list(pick(section, 'country', 'countries'))) {
      if (!isObject(entry)) continue;
      const [base] = namedIds([entry]);
      if (!base) continue;
      const ops = operators(pick(entry, 'operators', 'operator') ?? pick(section, 'operators', 'operator'));
      for (const op of ops) if (op.rotations.length === 0) op.rotations = sharedRotations;
      ref.countries.push({ ...base, alpha3: typeof entry.alpha3 === 'string' ? entry.alpha3 : undefined, operators: ops });
    }
    ref.periods.push(...namedIds(pick(section, 'period', 'periods')));
    ref.tarifs.push(...namedIds(pick(section, 'tarifs', 'tarif', 'tariffs')));
    ref.quantities.push(...quantities(pick(section, 'quantities', 'quantity')));
  }
  return ref;
}

/** The untyped call: sections keyed by type, at the top of `data` or under `items`. */
export function parseAllReferences(data: unknown): TypeReference[] {
  if (!isObject(data)) return [];
  const keyed = isObject(data.items) && PROXY_TYPES.some((t) => t in (data.items as Json)) ? (data.items as Json) : data;
  const out: TypeReference[] = [];
  for (const type of PROXY_TYPES) {
    const section = keyed[type];
    if (section === undefined || section === null) continue;
    out.push(parseTypeReference(type, Array.isArray(section) ? { items: section } : section));
  }
  return out;
}

/** Ids compare as strings: v1 documents numbers, other sources strings. */
export function sameId(a: string | number | undefined, b: string | number | undefined): boolean {
  return a !== undefined && b !== undefined && String(a) === String(b);
}

// ---- Offers, quotes, orders

/** One offer per type and country (with its periods, operators, package sizes), one per resident tariff. */
export function offersFrom(refs: TypeReference[]): Offer[] {
  const offers: Offer[] = [];
  for (const ref of refs) {
    const title = TYPE_TITLES[ref.type];
    const periods = ref.periods.map((p) => ({ periodId: p.id, name: p.name }));
    if (ref.type === 'resident') {
      for (const tarif of ref.tarifs) {
        offers.push({
          id: `resident-${tarif.id}`,
          name: `${title} ${tarif.name}`,
          kind: ref.type,
          type: ref.type,
          country: null,
          price_from_usd: null,
          tarifId: tarif.id,
        });
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

/** `order/calc` → quote. A non-empty warning (e.g. insufficient funds) blocks the order. */
export function quoteFrom(calc: CalcData, summary: string, endpoint = 'order/calc'): VendorQuote {
  const warnings: string[] = [];
  const warning = calc.warning?.trim();
  if (warning) warnings.push(`${VENDOR}: ${warning}`);
  const currency = calc.currency?.toUpperCase();
  if (currency && currency !== 'USD') warnings.push(`${VENDOR} priced this order in ${currency}, not USD.`);
  const price = vendorPrice(VENDOR, `${endpoint} total`, calc.total);
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
 * `order/make` → the placed order. (An answer without an order id never gets here: make's
 * schema requires one, and the HTTP client makes an unreadable money answer an unknown outcome.)
 */
export function orderFromMake(make: MakeData, type: ProxyType | undefined): Order {
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

/** `dd.mm.yyyy` → ms since epoch (UTC midnight), undefined when not that format. */
export function parseVendorDate(text: string | null | undefined): number | undefined {
  const match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const [, day, month, year] = match.map(Number);
  const ms = Date.UTC(year, month - 1, day);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** `dd.mm.yyyy` → `yyyy-mm-dd`, null when not that format. */
export function isoDay(text: string | null | undefined): string | null {
  const ms = parseVendorDate(text);
  return ms === undefined ? null : new Date(ms).toISOString().slice(0, 10);
}

/** The latest `date_end` among an order's proxies (ms), undefined when none can be read. */
export function latestEnd(items: ProxyItem[]): number | undefined {
  const ends = items.map((item) => parseVendorDate(item.date_end)).filter((ms): ms is number => ms !== undefined);
  return ends.length ? Math.max(...ends) : undefined;
}

/**
 * One proxy's status → our state. v1 documents `ACTIVE` only; the other words are the
 * vendor's v2 order words (PAYED, NOT_PAYED, RETURN) and plain variants of the same ideas.
 * An `Ended` proxy is one about to end: `date_end` decides whether it has lapsed.
 */
export function classifyStatus(statusType: string | null | undefined, dateEnd?: string | null, now = Date.now()): OrderState {
  const word = (statusType ?? '')
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
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
  const entries = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)
      ? (value as { items: unknown[] }).items
      : [];
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
  const numbers = [
    ...new Set([
      ...references,
      ...found
        .map((i) => i.order_number)
        .filter((n) => n !== undefined && n !== null)
        .map(String),
    ]),
  ];
  const order: Order = {
    id: orderId,
    status: lead?.status ?? lead?.status_type ?? 'unknown',
    state,
    total_usd: null,
    proxies: (state === 'active' ? usable : found).map(endpointOf).filter((e): e is ProxyEndpoint => e !== undefined),
    references: numbers,
    date_start: lead?.date_start ?? null,
    date_end: lead?.date_end ?? null,
    // The vendor gives a day: the last day the proxies work.
    expires_at: isoDay(lead?.date_end),
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
