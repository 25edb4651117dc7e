import { ProxycartError } from '../../errors.js';
import { type Price, priceTimes, vendorPrice } from '../../money.js';
import type { Order, OrderChange, PreparedOrder, Recurring, VendorQuote } from '../types.js';
import type { VendorOffer, VendorOfferOption } from './api.js';
import { takesTarification, toNumber } from './map.js';
import { type AddBandwidthInput, type ExtendOrderInput, type PlaceOrderInput, PROXY_KINDS, type SetAutoRenewInput } from './schemas.js';

// ProxyJam's cross-field order rules, checked before any money call, and the catalog
// estimate of the price. Pure: the caller looks the offer up.

const DEFAULT_PERIOD_DAYS = 30;

export const ESTIMATE_WARNING =
  'Estimated from the ProxyJam catalog: ProxyJam has no quote endpoint, and pricing per proxy (option price × quantity) is inferred from one documented example.';
export const BANDWIDTH_WARNING = 'The catalog shows no price for bandwidth_gb; ProxyJam may charge differently for a traffic cap.';

function invalid(message: string): ProxycartError {
  return new ProxycartError('invalid_input', message);
}

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

function describeTariff(option: VendorOfferOption, index: number): string {
  const parts = [option.traffic_name ?? (option.traffic_mb != null ? `${option.traffic_mb} MB` : null), option.period_name ?? `${option.period_days} days`];
  const price = toNumber(option.price);
  return `${index} (${parts.filter(Boolean).join(', ')}${price !== null ? `, ${money(price)}` : ''})`;
}

function offerLabel(offer: VendorOffer): string {
  return `${offer.name ?? 'offer'} (offer ${offer.id})`;
}

function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/** The option this order buys, and the period to send. */
function chooseOption(offer: VendorOffer, input: PlaceOrderInput): { option: VendorOfferOption | undefined; periodDays: number | undefined } {
  const options = offer.options ?? [];
  if (takesTarification(offer)) {
    const choices = options.map(describeTariff).join('; ');
    if (input.tarification_index === undefined) {
      throw invalid(`${offerLabel(offer)} is a mobile rotating offer: tarification_index is required. Pick one of: ${choices || 'none listed'}.`);
    }
    const option = options[input.tarification_index];
    if (!option) {
      throw invalid(`${offerLabel(offer)} has no option at tarification_index ${input.tarification_index}. Pick one of: ${choices || 'none listed'}.`);
    }
    const optionDays = toNumber(option.period_days) ?? undefined;
    if (input.period_days !== undefined && optionDays !== undefined && input.period_days !== optionDays) {
      throw invalid(
        `period_days ${input.period_days} does not match tarification_index ${input.tarification_index}, which is ${optionDays} days; leave period_days out or set it to ${optionDays}.`,
      );
    }
    return { option, periodDays: optionDays ?? input.period_days };
  }

  if (input.tarification_index !== undefined) {
    throw invalid(`${offerLabel(offer)} does not take tarification_index (only mobile rotating offers do); choose the period with period_days instead.`);
  }
  if (options.length === 0) return { option: undefined, periodDays: input.period_days };
  const periods = [...new Set(options.map((option) => toNumber(option.period_days)).filter((days): days is number => days !== null))];
  let periodDays = input.period_days;
  if (periodDays === undefined) {
    // ProxyJam would fill in 30 days; pick the offer's only period, or 30 when it sells one.
    if (periods.length === 1) periodDays = periods[0];
    else if (periods.includes(DEFAULT_PERIOD_DAYS)) periodDays = DEFAULT_PERIOD_DAYS;
    else throw invalid(`${offerLabel(offer)} sells several periods: set period_days to one of ${periods.join(', ')}.`);
  }
  const option = options.find((candidate) => toNumber(candidate.period_days) === periodDays);
  if (!option) {
    throw invalid(`${offerLabel(offer)} has no ${periodDays}-day option; set period_days to one of ${periods.join(', ') || 'the listed periods'}.`);
  }
  return { option, periodDays };
}

/** Offer fields the order must agree with; the offer's values fill what the input leaves out. */
function offerDefaults(offer: VendorOffer, input: PlaceOrderInput): { proxy_type?: string; ip_version?: string; country?: string } {
  const kind = offer.kind?.toLowerCase();
  const offerKind = kind && (PROXY_KINDS as readonly string[]).includes(kind) ? kind : undefined;
  if (input.proxy_type && offerKind && input.proxy_type !== offerKind) {
    throw invalid(`${offerLabel(offer)} is a ${offerKind} offer; proxy_type ${input.proxy_type} does not fit it (leave proxy_type out).`);
  }
  if (input.ip_version && offer.ip_version && !sameText(input.ip_version, offer.ip_version)) {
    throw invalid(`${offerLabel(offer)} sells ${offer.ip_version}; ip_version ${input.ip_version} does not fit it (leave ip_version out).`);
  }
  const country = input.country?.toUpperCase();
  if (country && offer.country_code && !sameText(country, offer.country_code)) {
    throw invalid(`${offerLabel(offer)} is located in ${offer.country_code}; country ${country} does not fit it (leave country out or pick another offer).`);
  }
  return {
    proxy_type: input.proxy_type ?? offerKind,
    ip_version: input.ip_version ?? offer.ip_version ?? undefined,
    country: country ?? offer.country_code?.toUpperCase() ?? undefined,
  };
}

/** Check `input` against `offer` and build the exact body and the quote. Throws invalid_input. */
export function prepareFromOffer(offer: VendorOffer | undefined, input: PlaceOrderInput): PreparedOrder {
  if (!offer) {
    throw invalid(`ProxyJam has no offer ${input.offer_id} in its catalog; call proxyjam_list_offers and use an offer's id.`);
  }
  if (offer.is_available === false) {
    throw invalid(`${offerLabel(offer)} is out of stock; pick an offer with is_available true.`);
  }
  const defaults = offerDefaults(offer, input);
  const { option, periodDays } = chooseOption(offer, input);
  const quantity = input.quantity ?? 1;

  // Kind, IP version, country, quantity and period are always sent: ProxyJam's defaults
  // (residential, US, 30 days) could otherwise fill in values the offer does not have.
  // payment_method is fixed: proxycart pays from the wallet only.
  const request: Record<string, unknown> = {
    offer_id: input.offer_id,
    payment_method: 'wallet',
    ...defaults,
    protocol: input.protocol,
    city: input.city?.trim() || undefined,
    isp: input.isp?.trim() || undefined,
    quantity,
    period_days: periodDays,
    tarification_index: input.tarification_index,
    bandwidth_gb: input.bandwidth_gb,
    // Sent even when false: renewal is a recurring charge, so it is never left to a default.
    auto_renew: input.auto_renew ?? false,
    notes: input.notes || undefined,
  };
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];

  const price = option ? priceTimes(vendorPrice('ProxyJam', `offer ${offer.id} option price`, option.price), quantity, `ProxyJam offer ${offer.id}`) : null;
  const total = price?.usd ?? null;
  const what = [
    `${quantity} × ${offerLabel(offer)}`,
    input.tarification_index !== undefined && option
      ? `tariff ${input.tarification_index}: ${[option.traffic_name, option.period_name ?? `${periodDays} days`].filter(Boolean).join(', ')}`
      : periodDays !== undefined
        ? `${periodDays} days`
        : null,
    input.protocol ?? null,
    input.bandwidth_gb !== undefined ? `${input.bandwidth_gb} GB cap` : null,
  ].filter(Boolean);
  const warnings = [
    price?.warning ?? (total === null ? 'The catalog lists no price for this option; the total is known only after ordering.' : ESTIMATE_WARNING),
  ];
  if (input.bandwidth_gb !== undefined) warnings.push(BANDWIDTH_WARNING);

  return {
    request,
    quote: {
      total_usd: total,
      price_source: total === null ? 'unknown' : 'catalog_estimate',
      summary: what.join(', '),
      warnings,
    },
    // What a later change needs and the order's own answers may not name (the mobile shape).
    lookup: { offer_id: input.offer_id, ...(input.tarification_index === undefined ? {} : { tarification_index: input.tarification_index }) },
    ...(input.auto_renew ? { recurring: renewalOf(periodDays, total, 'auto_renew') } : {}),
  };
}

// ---------------------------------------------------------------- recurring charges

/** What `auto_renew: true` on an order arms: a renewal every period, at a price ProxyJam does not publish. */
export function renewalOf(periodDays: number | undefined, periodPrice: number | null, field: string): Recurring {
  return {
    field,
    every: periodDays ? `every ${periodDays} days` : null,
    price_usd: null,
    note:
      periodPrice === null
        ? 'ProxyJam does not say what a renewal costs.'
        : `ProxyJam does not say what a renewal costs; this period costs ${periodPrice.toFixed(2)} USD (catalog estimate).`,
    off: 'proxyjam_set_auto_renew with enabled: false',
  };
}

// ---------------------------------------------------------------- changes to an order (vendors.md 6.1)

export const CHANGE_ESTIMATE_WARNING =
  'Estimated from the ProxyJam catalog: ProxyJam shows no price before it charges an extension or a top-up, and per-proxy pricing is inferred.';

const DAY_MS = 24 * 60 * 60 * 1000;

function day(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? 'unknown' : new Date(ms).toISOString().slice(0, 10);
}

/** What the change needs to know of the order, read from the vendor. */
export interface OrderFacts {
  order: Order;
  offer: VendorOffer | undefined;
  mobile: boolean;
}

function describeOrder(facts: OrderFacts): string {
  const quantity = toNumber(facts.order.quantity) ?? 1;
  return `ProxyJam order ${facts.order.id} (${quantity} × ${facts.offer ? offerLabel(facts.offer) : `offer ${facts.order.offer_id ?? '?'}`})`;
}

/** Only an order that exists as proxies can be changed: active, or (extend only) run out. */
function checkChangeable(facts: OrderFacts, what: string, expiredToo: boolean): void {
  const { state, status } = facts.order;
  if (state === 'active' || (expiredToo && state === 'expired')) return;
  throw invalid(
    state === 'expired'
      ? `${describeOrder(facts)} has expired: extend it (proxyjam_extend_order) before ${what}.`
      : `${describeOrder(facts)} is ${status}: it cannot be changed (${what}).`,
  );
}

function changeQuote(total: Price | null, summary: string, extra: string[] = []): VendorQuote {
  const usd = total?.usd ?? null;
  return {
    total_usd: usd,
    price_source: usd === null ? 'unknown' : 'catalog_estimate',
    summary,
    warnings: [total?.warning ?? (usd === null ? 'The price is known only after ProxyJam charges it.' : CHANGE_ESTIMATE_WARNING), ...extra],
  };
}

/** `POST /orders/{id}/extend`: `months` for static proxies, `tarification_index` for mobile rotating ones, never both. */
export function prepareExtend(facts: OrderFacts, input: ExtendOrderInput, now = Date.now()): PreparedOrder {
  const hasMonths = input.months !== undefined;
  if (hasMonths === (input.tarification_index !== undefined)) {
    throw invalid('Give exactly one of months (static proxies, 1-24) or tarification_index (mobile rotating proxies).');
  }
  checkChangeable(facts, 'extending it', true);
  const { order, offer, mobile } = facts;
  const quantity = toNumber(order.quantity) ?? 1;
  const oldEnd = Date.parse(String(order.expires_at ?? ''));
  let price: Price | null;
  let newEnd: number | undefined;
  let what: string;
  if (mobile) {
    if (input.tarification_index === undefined)
      throw invalid(`${describeOrder(facts)} is a mobile rotating proxy: extend it with tarification_index, not months.`);
    const option = offer?.options?.[input.tarification_index];
    if (offer && !option) throw invalid(`${offerLabel(offer)} has no option at tarification_index ${input.tarification_index}.`);
    price = option ? priceTimes(vendorPrice('ProxyJam', `offer ${offer!.id} option price`, option.price), quantity, `ProxyJam offer ${offer!.id}`) : null;
    const seconds = toNumber(option?.period_seconds) ?? (toNumber(option?.period_days) ?? 0) * 86400;
    newEnd = seconds > 0 ? now + seconds * 1000 : undefined;
    what = `a new cycle of tariff ${input.tarification_index}${option?.traffic_name ? ` (${option.traffic_name})` : ''} (time and traffic left are reset, not added)`;
  } else {
    if (input.months === undefined) throw invalid(`${describeOrder(facts)} is a static proxy: extend it with months (1-24), not tarification_index.`);
    const months = input.months;
    const options = offer?.options ?? [];
    const exact = options.find((option) => toNumber(option.period_months) === months);
    const monthly = options.find((option) => toNumber(option.period_months) === 1);
    const unit = exact
      ? vendorPrice('ProxyJam', `offer ${offer!.id} option price`, exact.price)
      : monthly
        ? priceTimes(vendorPrice('ProxyJam', `offer ${offer!.id} option price`, monthly.price), months, `ProxyJam offer ${offer!.id}`)
        : null;
    price = unit ? priceTimes(unit, quantity, `ProxyJam offer ${offer!.id}`) : null;
    newEnd = (Number.isFinite(oldEnd) ? Math.max(now, oldEnd) : now) + months * 30 * DAY_MS;
    what = `${months} month${months === 1 ? '' : 's'}`;
  }
  const request = {
    path: `/orders/${encodeURIComponent(order.id)}/extend`,
    json: mobile ? { tarification_index: input.tarification_index } : { months: input.months },
  };
  const change: OrderChange = {
    order_id: order.id,
    expires_at: Number.isFinite(oldEnd) ? new Date(oldEnd).toISOString() : null,
    new_expires_at: newEnd === undefined ? null : new Date(newEnd).toISOString(),
  };
  const summary = `Extend ${describeOrder(facts)} by ${what}: expires ${day(oldEnd)}, then about ${day(newEnd)}`;
  return {
    request,
    quote: changeQuote(price, summary, order.state === 'expired' ? ['The order has expired: the extension starts from today.'] : []),
    lookup: { operation: 'extend_order', order_id: order.id, expires_at: change.expires_at ?? '' },
    change,
  };
}

/** `POST /orders/{id}/bandwidth`: priced where the order's tariff names its traffic (price ÷ GB), else unknown. */
export function prepareBandwidth(facts: OrderFacts, input: AddBandwidthInput): PreparedOrder {
  checkChangeable(facts, 'adding traffic', false);
  const { order, offer } = facts;
  const quantity = toNumber(order.quantity) ?? 1;
  const index = toNumber(order.tarification_index);
  const tariff = index === null ? undefined : offer?.options?.[index];
  const gbs = (toNumber(tariff?.traffic_mb) ?? 0) / 1024;
  const unit = tariff && gbs > 0 ? vendorPrice('ProxyJam', `offer ${offer!.id} option price`, tariff.price) : null;
  const perGb = unit?.usd ? { usd: unit.usd / gbs } : unit;
  const price = perGb ? priceTimes(perGb, input.bandwidth_gb * quantity, `ProxyJam offer ${offer!.id}`) : null;
  const left = toNumber(order.traffic_left_gb);
  const summary = `Add ${input.bandwidth_gb} GB of traffic to ${describeOrder(facts)}${left === null ? '' : ` (${left} GB left now)`}`;
  const extra = price ? [] : ['ProxyJam publishes no price for traffic on this order: the total is known only after it is charged.'];
  return {
    request: { path: `/orders/${encodeURIComponent(order.id)}/bandwidth`, json: { bandwidth_gb: input.bandwidth_gb } },
    quote: changeQuote(price, summary, extra),
    lookup: {
      operation: 'add_bandwidth',
      order_id: order.id,
      bandwidth_total_gb: toNumber(order.bandwidth_total_gb) ?? -1,
      added_gb: input.bandwidth_gb,
    },
    change: { order_id: order.id, expires_at: typeof order.expires_at === 'string' ? order.expires_at : null },
  };
}

/** `POST /orders/{id}/auto-renew`: charges nothing now; `enabled: true` arms a renewal at every expiry. */
export function prepareAutoRenew(facts: OrderFacts, input: SetAutoRenewInput): PreparedOrder {
  const { order } = facts;
  if (['failed', 'cancelled', 'refunded'].includes(order.state)) throw invalid(`${describeOrder(facts)} is ${order.status}: there is nothing to renew.`);
  const periodDays = toNumber(order.period_days) ?? undefined;
  const summary = input.enabled
    ? `Turn automatic renewal ON for ${describeOrder(facts)} (nothing is charged now)`
    : `Turn automatic renewal off for ${describeOrder(facts)} (free)`;
  return {
    request: { path: `/orders/${encodeURIComponent(order.id)}/auto-renew`, json: { enabled: input.enabled } },
    quote: { total_usd: 0, price_source: 'vendor_quote', summary, warnings: [] },
    lookup: { operation: 'set_auto_renew', order_id: order.id },
    change: { order_id: order.id, expires_at: typeof order.expires_at === 'string' ? order.expires_at : null },
    charges: false,
    ...(input.enabled ? { recurring: renewalOf(periodDays, toNumber(order.total_usd), 'enabled') } : {}),
  };
}
