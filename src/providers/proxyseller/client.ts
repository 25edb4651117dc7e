import { ProxycartError } from '../../errors.js';
import { roundCents } from '../../money.js';
import { closest, countryIs, daysOf, MAX_QUOTE_CALLS } from '../compare.js';
import type { CompareAsk, CompareCandidate, Connection, Order, OrderHint, PreparedOrder, ProviderClient, UnknownOutcome } from '../types.js';
import type { ProxyItem } from './api.js';
import { createApi, type ProxySellerApi } from './api.js';
import { VENDOR } from './errors.js';
import {
  belongsTo,
  DAY_MS,
  latestEnd,
  offersFrom,
  orderFromItems,
  orderFromMake,
  PRICE_NOTE,
  parseAllReferences,
  parseTypeReference,
  parseVendorDate,
  pendingOrder,
  proxyItemsByType,
  proxyItemsOf,
  proxyTypeOf,
  quoteFrom,
  residentOrder,
  TYPE_TITLES,
} from './map.js';
import { buildRequest, checkAgainstReference, checkFields, checkProlong, prolongBody, summarize } from './rules.js';
import { extendOrderInput, type ListOffersInput, type PlaceOrderInput, type ProxyType } from './schemas.js';

// Proxy-Seller's operations: the v1 endpoints (api.ts), translated (map.ts), orders checked
// against the vendor's rules and reference (rules.ts). Inputs arrive parsed by the server
// with the spec's schemas.

/** The newest order id among the type's latest proxies, so a lost order can be told from old ones. */
async function newestOrderId(api: ProxySellerApi, type: ProxyType): Promise<number | undefined> {
  try {
    const ids = proxyItemsOf(await api.proxyList(type, { latest: 'Y' }))
      .map((item) => Number(item.order_id))
      .filter(Number.isFinite);
    return ids.length ? Math.max(...ids) : 0;
  } catch {
    // Only findLostOrder uses it, and it copes without: never fail a quote for it.
    return undefined;
  }
}

function placedHere(hint: OrderHint | undefined): boolean {
  return hint !== undefined && (hint.lookup !== undefined || (hint.references?.length ?? 0) > 0);
}

export function createClient(connection: Connection): ProviderClient<ListOffersInput, PlaceOrderInput> {
  const api = createApi(connection);

  async function findProxies(orderId: string, type: ProxyType | undefined, references: string[]): Promise<[ProxyType | undefined, ProxyItem[]]> {
    if (type) return [type, proxyItemsOf(await api.proxyList(type)).filter((item) => belongsTo(item, orderId, references))];
    // Type unknown (an order placed elsewhere): one call lists every type.
    for (const [listedType, items] of proxyItemsByType(await api.proxyList())) {
      const found = items.filter((item) => belongsTo(item, orderId, references));
      if (found.length) return [listedType, found];
    }
    return [undefined, []];
  }

  const client: ProviderClient<ListOffersInput, PlaceOrderInput> = {
    async listOffers({ type }) {
      const refs = type ? [parseTypeReference(type, await api.referenceList(type))] : parseAllReferences(await api.referenceList());
      const notes = [PRICE_NOTE];
      const offers = offersFrom(refs);
      if (!offers.length) notes.push(`${VENDOR}'s reference listed nothing${type ? ` for type "${type}"` : ''}.`);
      return { offers, notes };
    },

    async prepareOrder(order, options): Promise<PreparedOrder> {
      checkFields(order);
      const ref = parseTypeReference(order.type, await api.referenceList(order.type, options));
      checkAgainstReference(order, ref);
      const request = buildRequest(order);
      const quote = quoteFrom(await api.orderCalc(request), summarize(order, ref));
      const lookup: Record<string, string | number> = { type: order.type };
      if (order.type !== 'resident') {
        const known = await newestOrderId(api, order.type);
        if (known !== undefined) lookup.knownOrderId = known;
      }
      return { request, quote, lookup };
    },

    async placeOrder(prepared): Promise<Order> {
      // v1 takes no idempotency key: the one call is sent once and never retried.
      return orderFromMake(await api.orderMake(prepared.request), proxyTypeOf(prepared.lookup?.type));
    },

    async orderStatus(orderId, hint): Promise<Order> {
      const id = orderId.trim();
      if (!id || id.length > 100) throw new ProxycartError('invalid_input', `"${id.slice(0, 40)}" is not a ${VENDOR} order id.`);
      const type = proxyTypeOf(hint?.lookup?.type);
      const references = hint?.references ?? [];
      if (type === 'resident' && placedHere(hint)) return residentOrder(id, references);
      const [foundType, found] = type === 'resident' ? [undefined, []] : await findProxies(id, type, references);
      if (found.length) return orderFromItems(id, found, foundType, references);
      if (placedHere(hint)) return pendingOrder(id, type, references);
      throw new ProxycartError('not_found', `${VENDOR} lists no proxies for order ${id}.`, {
        advice:
          'API v1 has no order lookup: an order shows only through its proxies, which appear up to a minute after it is placed. Check the id, or look in the Proxy-Seller dashboard.',
      });
    },

    async walletBalance() {
      return { balance: (await api.balanceGet()).summ, currency: 'USD' };
    },

    async prepareChange(operation, input, options): Promise<PreparedOrder> {
      if (operation !== 'extend_order') throw new ProxycartError('not_supported', `${VENDOR} API v1 has no ${operation}.`);
      const change = extendOrderInput.parse(input);
      const orderId = change.order_id.trim();
      // The order exists in this account when its proxies are listed (v1 has no order lookup).
      const [type, items] = await findProxies(orderId, undefined, []);
      if (!items.length) throw new ProxycartError('not_found', `${VENDOR} lists no proxies for order ${orderId} in this account.`);
      const ref = type ? parseTypeReference(type, await api.referenceList(type, options)) : undefined;
      const prolongType = checkProlong(orderId, type, items, change, ref);
      const body = prolongBody(items, change);
      const oldEnd = latestEnd(items);
      const days = daysOf(change.periodId);
      const newEnd = oldEnd !== undefined && days !== undefined ? Math.max(oldEnd, Math.floor(Date.now() / DAY_MS) * DAY_MS) + days * DAY_MS : undefined;
      const period = ref?.periods.find((p) => String(p.id) === change.periodId)?.name ?? change.periodId;
      const day = (ms: number | undefined) => (ms === undefined ? 'unknown' : new Date(ms).toISOString().slice(0, 10));
      const summary = `Renew ${VENDOR} order ${orderId} (${items.length} × ${TYPE_TITLES[prolongType]}) for ${period}: expires ${day(oldEnd)}, then about ${day(newEnd)}`;
      return {
        request: { type: prolongType, body },
        quote: quoteFrom(await api.prolongCalc(prolongType, body), summary, 'prolong/calc'),
        lookup: { type: prolongType, operation: 'extend_order', order_id: orderId, date_end: oldEnd ?? -1 },
        change: { order_id: orderId, expires_at: oldEnd === undefined ? null : day(oldEnd), new_expires_at: newEnd === undefined ? null : day(newEnd) },
      };
    },

    async applyChange(prepared): Promise<Order> {
      const { type, body } = prepared.request as { type: ProxyType; body: Record<string, unknown> };
      const orderId = String(prepared.lookup?.order_id);
      // v1 takes no idempotency key: sent once, never retried.
      const made = await api.prolongMake(type, body);
      const renewal = { total_usd: orderFromMake(made, type).total_usd, renewal_order_id: String(made.orderId), balance_usd: made.balance ?? null };
      // The proxy ids change with a renewal: read the order's proxies again for its new end.
      try {
        const [, items] = await findProxies(orderId, type, []);
        if (items.length) return { ...orderFromItems(orderId, items, type), ...renewal };
      } catch {
        // The renewal is paid; only the new dates could not be read.
      }
      return { ...pendingOrder(orderId, type), status: 'renewed', state: 'active', ...renewal };
    },

    findLostOrder: (unknown) => (unknown.prepared.lookup?.operation === 'extend_order' ? lostRenewal(api, unknown) : lostOrderFrom(api, unknown)),

    compareCandidates: (ask) => proxysellerCandidates(client, ask),
  };
  return client;
}

// ---- findLostOrder: v1 has neither an order list nor an idempotency key, so after an
// order/make that got no answer we can only read two traces an order leaves:
//  1. the wallet: calc told us the balance and the total; a fall by exactly that total
//     since the quote says the order was charged, an unchanged balance says it was not;
//  2. the proxies: an order issued after the send, newer than the newest order we saw when
//     quoting (`lookup.knownOrderId`), with the quantity asked for.
// The order is returned when its proxies are there and the wallet agrees (or cannot be read
// but the proxies match the request exactly); null only when nothing was charged and no new
// proxies appeared after a settling time (make can be slow to finish on the vendor's side);
// otherwise undefined: ask again later.

/** How long after the send an unchanged balance is taken as "not placed". */
export const SETTLE_MS = 2 * 60 * 1000;

/** The orders whose proxies appeared after the send, by order id. */
function freshOrders(items: ProxyItem[], sentAt: number, knownOrderId: number | undefined, recorded: readonly string[]): Map<string, ProxyItem[]> {
  // date_start is a calendar day in the vendor's time zone (unknown): allow one day before.
  const earliest = Math.floor(sentAt / DAY_MS) * DAY_MS - DAY_MS;
  const groups = new Map<string, ProxyItem[]>();
  for (const item of items) {
    if (item.order_id === undefined || item.order_id === null) continue;
    const start = parseVendorDate(item.date_start);
    if (start === undefined || start < earliest) continue;
    if (knownOrderId !== undefined && !(Number(item.order_id) > knownOrderId)) continue;
    // Orders recorded for other approvals since the quote are not this one.
    if (recorded.includes(String(item.order_id))) continue;
    const id = String(item.order_id);
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return groups;
}

async function lostOrderFrom(api: ProxySellerApi, unknown: UnknownOutcome, now = Date.now()): Promise<Order | null | undefined> {
  const { prepared, sentAt } = unknown;
  const type = proxyTypeOf(prepared.lookup?.type);
  const total = prepared.quote.total_usd;
  const before = prepared.quote.balance_usd ?? null;

  let dropped: number | undefined;
  try {
    const nowBalance = (await api.balanceGet()).summ;
    if (before !== null) dropped = before - nowBalance;
  } catch {
    dropped = undefined;
  }
  // Compared in whole cents: the balance and the total are cent amounts, their difference is not exactly.
  const chargedExactly = dropped !== undefined && total !== null && roundCents(dropped) === roundCents(total);
  const unchanged = dropped !== undefined && roundCents(dropped) === 0;

  let fresh = new Map<string, ProxyItem[]>();
  let listed = false;
  if (type && type !== 'resident') {
    try {
      const known = Number(prepared.lookup?.knownOrderId);
      fresh = freshOrders(proxyItemsOf(await api.proxyList(type)), sentAt, Number.isFinite(known) ? known : undefined, unknown.knownOrderIds);
      listed = true;
    } catch {
      listed = false;
    }
  }

  if (fresh.size === 1) {
    const [[orderId, items]] = [...fresh];
    const quantityMatches = prepared.request.quantity === undefined || items.length === Number(prepared.request.quantity);
    if (chargedExactly || (dropped === undefined && quantityMatches)) {
      return { ...orderFromItems(orderId, items, type), total_usd: total };
    }
  }
  // Resident orders list no proxies, so for them the wallet alone must say "not placed".
  const noNewProxies = type === 'resident' || (listed && fresh.size === 0);
  if (unchanged && noNewProxies && now - sentAt >= SETTLE_MS) return null;
  return undefined;
}

/**
 * A renewal that got no answer: its order's proxies end later than they did when it was
 * quoted → it went through. Otherwise nothing tells (the vendor may still be processing),
 * so a person settles it; it is never sent again.
 */
async function lostRenewal(api: ProxySellerApi, unknown: UnknownOutcome): Promise<Order | undefined> {
  const { lookup } = unknown.prepared;
  const type = proxyTypeOf(lookup?.type);
  const orderId = String(lookup?.order_id);
  const items = proxyItemsOf(await api.proxyList(type)).filter((item) => belongsTo(item, orderId));
  const before = Number(lookup?.date_end);
  const now = latestEnd(items);
  if (before >= 0 && now !== undefined && now > before) return { ...orderFromItems(orderId, items, type), total_usd: null };
  return undefined;
}

// ---- proxycart_compare_offers: candidate orders from the normalised offer list

const PS_TYPES: Record<CompareAsk['kind'], ProxyType> = { datacenter: 'ipv4', isp: 'isp', mobile: 'mobile', residential: 'resident' };

async function proxysellerCandidates(client: Pick<ProviderClient<ListOffersInput>, 'listOffers'>, ask: CompareAsk): Promise<CompareCandidate[]> {
  const type = PS_TYPES[ask.kind];
  const { offers } = await client.listOffers({ type });
  const quantity = ask.quantity ?? 1;
  const out: CompareCandidate[] = [];
  if (type === 'resident') {
    const sized = offers
      .map((offer) => ({ offer, gb: Number(/(\d+(?:\.\d+)?)\s*GB/i.exec(offer.name)?.[1] ?? NaN) }))
      .filter((t) => Number.isFinite(t.gb) && (!ask.bandwidth_gb || t.gb >= ask.bandwidth_gb))
      .sort((a, b) => a.gb - b.gb);
    // With an amount asked, the smallest packages that hold it; otherwise every size.
    for (const { offer, gb } of ask.bandwidth_gb ? sized.slice(0, 2) : sized) {
      out.push({ args: { type, tarifId: offer.tarifId }, unit: 'gb', units: gb, country: null });
    }
    return out.slice(0, MAX_QUOTE_CALLS);
  }
  for (const offer of offers.filter((o) => countryIs(ask.country, o.country, o.name))) {
    const periods = (offer.options ?? []) as Array<{ periodId: string }>;
    const period = closest(periods, (p) => daysOf(p.periodId), ask.period_days ?? 30);
    const days = period ? daysOf(period.periodId) : undefined;
    const sizes = Array.isArray(offer.quantities) ? (offer.quantities as number[]) : undefined;
    const amount = sizes ? sizes.find((n) => n >= quantity) : quantity;
    if (!period || !days || amount === undefined) continue;
    const args: Record<string, unknown> = { type, countryId: offer.countryId, periodId: period.periodId, quantity: amount };
    if (type === 'mobile') {
      const operator = (
        offer.operators as Array<{ operatorId: string; mobileServiceType: string; rotations: Array<{ rotationId: number }> }> | undefined
      )?.find((op) => op.rotations.length > 0);
      if (!operator) continue;
      Object.assign(args, { mobileServiceType: operator.mobileServiceType, operatorId: operator.operatorId, rotationId: operator.rotations[0]!.rotationId });
    }
    out.push({ args, unit: 'ip_month', units: (amount * days) / 30, ips: amount, days, country: typeof offer.country === 'string' ? offer.country : null });
  }
  return out.slice(0, MAX_QUOTE_CALLS);
}
