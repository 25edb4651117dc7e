import type { Quote } from '../guard/quote.js';
import type { RecoverRule } from '../guard/reconcile.js';
import { roundCents, usableAmount } from '../money.js';
import type { Order, PreparedOrder, ProviderId, Recurring } from '../providers/types.js';

// The ledger is the record of every money call: written as an intent before the vendor
// is called, and updated with what the vendor answered. It is what makes a second charge
// impossible (one entry per approved quote) and what the 24-hour budget is summed from.

export type LedgerStatus = 'submitting' | 'placed' | 'failed' | 'outcome_unknown';

export interface LedgerEntry {
  /** The approved quote's id (hash of its confirmation token). */
  id: string;
  provider: ProviderId;
  /** Sandbox (play money) and live orders are separate books; entries written before this field are live. */
  sandbox?: boolean;
  /** The environment id the quote was bound to (see environment.ts). */
  environment?: string;
  /** The authenticated client that confirmed it (HTTP mode): `token:<name>` or `oauth:<subject>`. */
  identity?: string;
  /** Hash of the environment and the approved arguments: a replay with other arguments is refused. */
  argsHash: string;
  idempotencyKey: string;
  status: LedgerStatus;
  prepared: PreparedOrder;
  quote: Quote;
  createdAt: number;
  updatedAt: number;
  /** Present once placed (credentials masked: the store never keeps proxy passwords). */
  order?: Order;
  /** Present when failed: what the vendor said. */
  error?: { kind: string; message: string };
  /** The operation this call made on an existing order, and that order (absent: a new order). */
  operation?: string;
  target?: string;
  /** How its lost answer is recovered, when not the provider's own rule (an operation's). */
  recover?: RecoverRule;
  /** The charge this call armed to come back later without asking (auto-renew, a subscription). */
  recurring?: Recurring;
  /** Set when a person resolved an unknown outcome from the vendor's dashboard (`proxycart ledger settle`). */
  settledByPerson?: { outcome: 'placed' | 'not-placed'; at: number };
  /** Who approved it on the approval page and when: the passkey's name and identity when one signed. */
  approvedBy?: { passkey?: string; identity?: string; at: number };
}

/**
 * What an order counts against the budget: the larger of the approved total and what the
 * vendor says it charged. A vendor total that is missing, negative or not a number is not
 * a charge and cannot lower it.
 */
export function chargedUsd(entry: LedgerEntry): number {
  return Math.max(entry.quote.total_usd ?? 0, usableAmount(entry.order?.total_usd) ?? 0);
}

/** The amount the vendor reports above the approved total (beyond rounding), if any. */
export function overcharge(entry: LedgerEntry): { approved_usd: number; charged_usd: number } | undefined {
  const charged = usableAmount(entry.order?.total_usd);
  const approved = entry.quote.total_usd;
  if (charged === null || approved === null || charged <= approved + PRICE_TOLERANCE_USD) return undefined;
  return { approved_usd: approved, charged_usd: roundCents(charged) };
}

/** Price differences within a cent are rounding, not a change. */
export const PRICE_TOLERANCE_USD = 0.01;

/** How an order of unknown outcome is named to people and tools: `unknown:<ledger id>`. */
export const UNKNOWN_PREFIX = 'unknown:';

/** The 24-hour window of the budget. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The state `proxycart_orders` shows and filters by: the vendor's word once placed, ours before. */
export function stateOf(entry: LedgerEntry): string {
  if (entry.status === 'failed') return 'failed';
  if (entry.status === 'outcome_unknown') return 'outcome_unknown';
  if (entry.status === 'submitting') return 'pending';
  return entry.order?.state ?? 'pending';
}

/** What a backend keeps beside the entry so that every question is an index look-up. */
export interface IndexedFields {
  book: 'live' | 'sandbox';
  state: string;
  chargedUsd: number;
  orderId: string | null;
  /** The order a placed entry placed or changed, `<provider>:<vendor id>` (a change's `target`). */
  watchKey: string | null;
  /** The expiry (ms) a placed entry records for that order, when it records one. */
  expiresAt: number | null;
  /** What a placed entry decided about that order's renewal: it armed a recurring charge, or turned it off. */
  renewal: 'armed' | 'off' | null;
}

export function indexedFields(entry: LedgerEntry): IndexedFields {
  return {
    book: bookOf(entry.sandbox ?? false),
    state: stateOf(entry),
    chargedUsd: roundCents(chargedUsd(entry)),
    // Only a new order is indexed by its vendor id: changes to it (the `target`) are not another order.
    orderId: entry.status === 'placed' && entry.order && entry.target === undefined ? entry.order.id : null,
    ...watchFields(entry),
  };
}

/** The vendor id of the order an entry placed or changed, once the vendor answered. */
export function watchedOrderId(entry: LedgerEntry): string | undefined {
  if (entry.status !== 'placed' || !entry.order) return undefined;
  return entry.target ?? entry.order.id;
}

/**
 * What `proxycart_orders` watches per order: the newest entry of an order that records an
 * expiry holds its current expiry (an extend moves it), and the newest entry that arms a
 * recurring charge or turns it off decides whether it is armed.
 */
function watchFields(entry: LedgerEntry): Pick<IndexedFields, 'watchKey' | 'expiresAt' | 'renewal'> {
  const orderId = watchedOrderId(entry);
  if (orderId === undefined) return { watchKey: null, expiresAt: null, renewal: null };
  const expires = typeof entry.order!.expires_at === 'string' ? Date.parse(entry.order!.expires_at) : Number.NaN;
  return {
    watchKey: `${entry.provider}:${orderId}`,
    expiresAt: Number.isFinite(expires) ? expires : null,
    renewal: entry.recurring ? 'armed' : entry.operation === 'set_auto_renew' ? 'off' : null,
  };
}

export function bookOf(sandbox: boolean): 'live' | 'sandbox' {
  return sandbox ? 'sandbox' : 'live';
}
