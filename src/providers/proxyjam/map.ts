import { roundCents } from '../../money.js';
import type { Offer, Order, OrderState, ProxyEndpoint } from '../types.js';
import { catalogSchema, managedProxySchema, orderSchema, type VendorOffer, type VendorOfferOption, type VendorOrder } from './api.js';

// Pure translation of ProxyJam payloads into domain types. No I/O here.

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

// ProxyJam documents two status vocabularies (REST and its MCP reference) and shows them in
// both cases; all are compared lower-cased. `paid` is special: usable only with credentials.
const STATUS_STATES: Record<string, OrderState | 'paid'> = {
  active: 'active',
  provisioned: 'active',
  paid: 'paid',
  pending: 'pending',
  pending_payment: 'pending',
  new: 'pending',
  waiting_payment: 'pending',
  failed: 'failed',
  provisioning_failed: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  refunded: 'refunded',
  expired: 'expired',
};

/**
 * Our state for a ProxyJam status word. `hasAccess` says whether credentials are present:
 * it decides `paid`, and an unknown word counts as usable only when credentials are there
 * (otherwise pending, so polling goes on rather than stopping on a word we never saw).
 */
export function classifyStatus(word: string | null | undefined, hasAccess: boolean): OrderState {
  const known = word ? STATUS_STATES[word.trim().toLowerCase()] : undefined;
  if (known === 'paid' || known === undefined) return hasAccess ? 'active' : 'pending';
  return known;
}

export function isMobileShape(order: VendorOrder): boolean {
  return text(order.type)?.toLowerCase() === 'mobile';
}

function endpoint(host: unknown, port: unknown, protocol: unknown, username: unknown, password: unknown): ProxyEndpoint | undefined {
  const h = text(host);
  const p = toNumber(port);
  if (!h || p === null) return undefined;
  return { host: h, port: p, protocol: text(protocol) ?? 'HTTP', username: text(username), password: text(password) };
}

function proxiesOf(order: VendorOrder): ProxyEndpoint[] {
  if (isMobileShape(order)) {
    const one = endpoint(order.host, order.port, order.protocol, order.username, order.password);
    return one ? [one] : [];
  }
  const list = (order.proxy_access ?? [])
    .map((access) => endpoint(access.host, access.port, access.protocol, access.username, access.password))
    .filter((item): item is ProxyEndpoint => item !== undefined);
  if (list.length > 0) return list;
  const flat = endpoint(order.proxy_host, order.proxy_port, order.proxy_protocol ?? order.protocol, order.proxy_username, order.proxy_password);
  return flat ? [flat] : [];
}

function withoutNulls(extras: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extras).filter(([, value]) => value !== null && value !== undefined));
}

/** Traffic left in GB where the vendor gives both the total and what is used (summed over the order's proxies). */
function trafficLeft(items: Array<{ bandwidth_total_gb?: unknown; bandwidth_used_gb?: unknown }>): number | null {
  let left = 0;
  for (const item of items) {
    const total = toNumber(item.bandwidth_total_gb);
    if (total === null) return null;
    left += Math.max(0, total - (toNumber(item.bandwidth_used_gb) ?? 0));
  }
  return items.length ? roundCents(left) : null;
}

/** One ProxyJam order (either shape) as a domain Order. */
export function mapOrder(order: VendorOrder): Order {
  const proxies = proxiesOf(order);
  const mobile = isMobileShape(order);
  // In the flat mobile shape `status` is the live proxy state and `order_status` the lifecycle.
  const lifecycle = mobile ? (text(order.order_status) ?? text(order.status)) : text(order.status);
  const firstAccess = order.proxy_access?.[0];
  return {
    id: String(order.id),
    status: lifecycle ?? 'unknown',
    state: classifyStatus(lifecycle, proxies.length > 0),
    total_usd: toNumber(order.total_usd) ?? toNumber(order.total_amount),
    proxies,
    ...withoutNulls({
      proxy_status: mobile ? text(order.status) : (text(order.proxy_status) ?? text(firstAccess?.status)),
      offer_id: toNumber(order.offer_id),
      proxy_type: text(order.proxy_type),
      country: text(order.country),
      quantity: toNumber(order.quantity),
      period_days: toNumber(order.period_days),
      auto_renew: typeof order.auto_renew === 'boolean' ? order.auto_renew : null,
      expires_at: text(order.expires_at) ?? text(firstAccess?.expires_at) ?? text(order.proxy_expires_at),
      previous_expires_at: text(order.previous_expires_at),
      traffic_left_gb: trafficLeft(order.proxy_access ?? []),
      bandwidth_total_gb: toNumber(firstAccess?.bandwidth_total_gb),
      tarification_index: toNumber(order.tarification_index),
      mobile: mobile || null,
      current_ip: mobile ? text(order.current_ip) : null,
      created_at: text(order.created_at),
      payment_method: text(order.payment_info?.payment_method),
      payment_url: text(order.payment_info?.payment_url),
    }),
  };
}

const PENDING_FIRST: OrderState[] = ['pending', 'failed', 'cancelled', 'refunded', 'expired', 'active'];

/** Several orders from one create call (the SDK shows a list) as one Order: the first id, all proxies. */
function mergeOrders(orders: Order[]): Order {
  if (orders.length === 1) return orders[0];
  const [first] = orders;
  const states = new Set(orders.map((order) => order.state));
  const state = states.size === 1 ? first.state : (PENDING_FIRST.find((candidate) => states.has(candidate)) ?? first.state);
  const totals = orders.map((order) => order.total_usd);
  const total = totals.every((value): value is number => value !== null) ? roundCents(totals.reduce((sum, value) => sum + value, 0)) : null;
  return { ...first, state, total_usd: total, proxies: orders.flatMap((order) => order.proxies), order_ids: orders.map((order) => order.id) };
}

/**
 * Orders from a create (or replay) answer. ProxyJam's sources disagree on the shape: a single
 * object, an array, or `{orders: [...]}`. Returns undefined when no order can be read.
 */
export function ordersFromResponse(body: unknown): VendorOrder[] | undefined {
  const candidates = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { orders?: unknown }).orders)
      ? (body as { orders: unknown[] }).orders
      : [body];
  const parsed = candidates.map((candidate) => orderSchema.safeParse(candidate));
  if (parsed.length === 0 || parsed.some((result) => !result.success)) return undefined;
  return parsed.map((result) => result.data as VendorOrder);
}

/** The Order a create, replay or lookup answered with; undefined when the body holds none. */
export function orderFromResponse(body: unknown): Order | undefined {
  const orders = ordersFromResponse(body);
  return orders ? mergeOrders(orders.map(mapOrder)) : undefined;
}

/**
 * The answer of a lifecycle call as the changed order: `managed_proxy` (static orders; it
 * holds no credentials and no amount charged) or the flat mobile shape. Undefined when
 * neither can be read.
 */
export function orderFromChange(body: unknown): Order | undefined {
  const managed = managedProxySchema.safeParse(body);
  if (managed.success && !isMobileShape(body as VendorOrder)) {
    const m = managed.data;
    const status = text(m.status) ?? 'unknown';
    return {
      id: String(m.order_id),
      status,
      state: classifyStatus(status, true),
      total_usd: null,
      proxies: [],
      ...withoutNulls({
        expires_at: text(m.expires_at),
        previous_expires_at: text(m.previous_expires_at),
        auto_renew: typeof m.auto_renew === 'boolean' ? m.auto_renew : null,
        bandwidth_total_gb: toNumber(m.bandwidth_total_gb),
        traffic_left_gb: trafficLeft([m]),
      }),
    };
  }
  // The mobile shape carries the order's own total, not the amount of this charge.
  const order = orderFromResponse(body);
  return order && { ...order, total_usd: null };
}

// ---------------------------------------------------------------- catalog

/** Mobile rotating offers sell fixed tariffs picked with `tarification_index`. */
export function takesTarification(offer: VendorOffer): boolean {
  const rotatingMobile = offer.kind?.toLowerCase() === 'mobile' && offer.mode?.toLowerCase() === 'rotating';
  return rotatingMobile || (offer.options ?? []).some((option) => toNumber(option.tarification_index) !== null);
}

function lowestPrice(options: VendorOfferOption[]): number | null {
  const prices = options.map((option) => toNumber(option.price)).filter((price): price is number => price !== null);
  return prices.length > 0 ? Math.min(...prices) : null;
}

export function mapOffer(offer: VendorOffer): Offer {
  const options = offer.options ?? [];
  return {
    id: typeof offer.id === 'number' ? offer.id : (toNumber(offer.id) ?? offer.id),
    name: text(offer.name) ?? `Offer ${offer.id}`,
    kind: text(offer.kind) ?? 'unknown',
    country: text(offer.country_code),
    price_from_usd: toNumber(offer.price_from_usd) ?? lowestPrice(options),
    options,
    ...withoutNulls({
      mode: text(offer.mode),
      ip_version: text(offer.ip_version),
      is_available: typeof offer.is_available === 'boolean' ? offer.is_available : null,
      description: text(offer.description),
    }),
    requires_tarification_index: takesTarification(offer),
  };
}

/** Every offer in a catalog answer (`{kinds: [{kind, offers}]}`), in vendor order. */
export function offersFromCatalog(body: unknown): VendorOffer[] | undefined {
  const parsed = catalogSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const offers: VendorOffer[] = [];
  for (const group of parsed.data.kinds ?? []) {
    for (const offer of group.offers ?? []) {
      // A group's kind stands in for an offer that does not repeat it.
      offers.push({ ...offer, kind: offer.kind ?? group.kind });
    }
  }
  return offers;
}
