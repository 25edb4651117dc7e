import type { VendorOrder } from './schemas.js';

// Finding an order whose POST /orders got no answer. NovaProxy has no idempotency key and no
// client reference on orders, so the only evidence is its complete order list (GET /orders,
// newest first, not paginated): an order of the same plan (and bandwidth) created after the
// request was sent.

/** Allowance for the vendor's clock running behind ours when comparing created_at with sentAt. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * How long after sending we wait before saying "not placed": a request the vendor is still
 * working on may not be in the list yet. Web stacks cut requests off well within two minutes.
 */
export const SETTLE_MS = 120_000;

export type MatchResult = { kind: 'found'; order: VendorOrder } | { kind: 'none' } | { kind: 'ambiguous'; reason: string };

const GIB = 1024 ** 3;
const GB = 1000 ** 3;

function sameBandwidth(order: VendorOrder, gigabytes: number): boolean {
  const bytes = order.initial_bandwidth_in_bytes;
  // Without a byte count the order cannot be ruled out.
  if (bytes === null || bytes === undefined) return true;
  // The current docs count 1 GB as 2^30 bytes, an older page as 10^9: accept both.
  return bytes === gigabytes * GIB || bytes === gigabytes * GB;
}

export function findPlacedOrder(orders: VendorOrder[], request: Record<string, unknown>, sentAt: number, knownOrderIds: readonly string[] = []): MatchResult {
  const since = sentAt - CLOCK_SKEW_MS;
  const matches: VendorOrder[] = [];
  for (const order of orders) {
    // Orders already recorded for other approvals (placed moments before, within the skew) are not ours.
    if (knownOrderIds.includes(order.uuid)) continue;
    const created = order.created_at ? Date.parse(order.created_at) : Number.NaN;
    const slug = order.plan?.slug;
    if (Number.isNaN(created) || !slug) {
      // An order we cannot date or place on a plan could be ours: that is not a clear "no".
      return { kind: 'ambiguous', reason: 'an order in the list has no readable plan or creation time' };
    }
    if (created < since || slug !== request.plan) continue;
    if (typeof request.bandwidth === 'number' && !sameBandwidth(order, request.bandwidth)) continue;
    matches.push(order);
  }
  if (matches.length === 1) return { kind: 'found', order: matches[0] };
  if (matches.length > 1) return { kind: 'ambiguous', reason: `${matches.length} orders of plan ${String(request.plan)} were created since the request` };
  return { kind: 'none' };
}
