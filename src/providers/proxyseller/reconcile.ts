import type { Order, UnknownOutcome } from '../types.js';
import type { ProxySellerApi } from './api.js';
import { balanceFrom, orderFromItems, parseVendorDate, proxyItemsOf } from './map.js';
import { PROXY_TYPES, type ProxyItem, type ProxyType } from './schemas.js';

// v1 has neither an order list nor an idempotency key, so after an order/make that got no
// answer we can only read two traces an order leaves:
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
const DAY_MS = 24 * 60 * 60 * 1000;
const CENT = 0.005;

export function proxyTypeOf(value: unknown): ProxyType | undefined {
  return PROXY_TYPES.find((type) => type === value);
}

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

export async function reconcileOrder(api: ProxySellerApi, unknown: UnknownOutcome, now = Date.now()): Promise<Order | null | undefined> {
  const { prepared, sentAt } = unknown;
  const type = proxyTypeOf(prepared.lookup?.type);
  const total = prepared.quote.total_usd;
  const before = prepared.quote.balance_usd ?? null;

  let dropped: number | undefined;
  try {
    const nowBalance = balanceFrom(await api.balanceGet());
    if (before !== null) dropped = before - nowBalance;
  } catch {
    dropped = undefined;
  }
  const chargedExactly = dropped !== undefined && total !== null && Math.abs(dropped - total) < CENT;
  const unchanged = dropped !== undefined && Math.abs(dropped) < CENT;

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
