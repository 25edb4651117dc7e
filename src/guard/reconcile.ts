import { maskCredentials } from '../credentials.js';
import { asProxycartError, type ErrorKind, ProxycartError } from '../errors.js';
import { type LedgerEntry, UNKNOWN_PREFIX } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Capabilities, Order, PreparedOrder, ProviderClient, UnknownOutcome } from '../providers/types.js';

// What became of an approved order that was already sent: wait for a call still in
// flight, and ask the vendor about calls that got no answer or whose process died. This
// is the one place that decides it, by the provider's `recover` capability. The vendor is
// never sent the order a second time, except as an idempotent replay (`recover: 'replay'`),
// which the vendor itself de-duplicates.

/** How the outcome of a money call that got no answer is learnt (Capabilities.recover). */
export type RecoverRule = Pick<Capabilities, 'recover' | 'replayWindowMs'>;

/** The one money call of a prepared order or change: the provider's placeOrder, or its applyChange for a change. */
export function sendPrepared(client: ProviderClient, prepared: PreparedOrder, idempotencyKey: string): Promise<Order> {
  if (!prepared.change) return client.placeOrder(prepared, idempotencyKey);
  if (!client.applyChange) throw new ProxycartError('not_supported', 'This vendor changes no orders.');
  return client.applyChange(prepared, idempotencyKey);
}

export interface SettleDeps {
  client: ProviderClient;
  ledger: Ledger;
  vendor: string;
  /** The provider's own rule; an entry that carries one of its own (an operation's) goes by that. */
  capabilities: RecoverRule;
  /** How long a money call may take; a `submitting` entry older than this (plus a margin) was interrupted. */
  moneyTimeoutMs: number;
}

/**
 * How far back recorded orders may still look new on the vendor's side: a look-up reads the
 * vendor's records from the day before the lost call (Proxy-Seller dates proxies by day).
 */
const KNOWN_ORDERS_MARGIN_MS = 3 * 24 * 60 * 60 * 1000;

export type Settled = { entry: LedgerEntry; order: Order; why?: undefined } | { entry: LedgerEntry; order?: undefined; why: string };

/** The placed order, or why its outcome is still unknown. Throws when the vendor certainly did not take it. */
export async function settleEntry(deps: SettleDeps, entry: LedgerEntry): Promise<Settled> {
  const stale = entry.createdAt + deps.moneyTimeoutMs + 5_000;
  while (entry.status === 'submitting' && Date.now() < stale) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    entry = (await deps.ledger.get(entry.id))!;
  }
  if (entry.status === 'placed') return { entry, order: entry.order! };
  if (entry.status === 'failed') {
    if (entry.settledByPerson) {
      throw new ProxycartError('vendor_error', 'A person checked the vendor dashboard and found that this order was never placed. Nothing was charged.', {
        advice: 'Call place_order without a token for a new quote if the person still wants it.',
      });
    }
    throw new ProxycartError(
      (entry.error?.kind as ErrorKind) ?? 'vendor_error',
      `This approved order was already sent and the vendor refused it (${entry.error?.message ?? 'no reason given'}). Nothing was charged.`,
      {
        advice: 'Call place_order without a token for a new quote.',
      },
    );
  }
  const rule = entry.recover ?? deps.capabilities;
  if (!rule.recover) return { entry, why: `${deps.vendor} offers no way to look the order up.` };
  let found: Order | null | undefined;
  try {
    found = await recoverLostOrder(deps.client, rule, {
      idempotencyKey: entry.idempotencyKey,
      prepared: entry.prepared,
      sentAt: entry.createdAt,
      // Orders recorded from a while before this one was sent: older ones cannot be its answer.
      knownOrderIds: await deps.ledger.orderIdsSince(entry.provider, entry.createdAt - KNOWN_ORDERS_MARGIN_MS),
    });
  } catch (error) {
    return { entry, why: `Looking the order up failed (${asProxycartError(error).message})` };
  }
  if (found === undefined) return { entry, why: `${deps.vendor} cannot tell yet whether the order was placed.` };
  if (found === null) {
    await deps.ledger.record(entry.id, { status: 'failed', error: { kind: 'vendor_error', message: 'the vendor shows no such order' } });
    throw new ProxycartError('vendor_error', 'The vendor shows that this order was never placed. Nothing was charged.', {
      advice: 'Call place_order without a token for a new quote if the person still wants it.',
    });
  }
  const placed = await deps.ledger.record(entry.id, { status: 'placed', order: maskCredentials(found) });
  return { entry: placed, order: found };
}

/** What became of a lost money call: the order, null when the vendor shows it was not placed, undefined when it cannot tell. */
export async function recoverLostOrder(client: ProviderClient, capabilities: RecoverRule, unknown: UnknownOutcome): Promise<Order | null | undefined> {
  switch (capabilities.recover) {
    case 'lookup':
      return client.findLostOrder?.(unknown);
    case 'replay':
      return replay(client, unknown, capabilities.replayWindowMs ?? 0);
    default:
      return undefined;
  }
}

/**
 * Send the unanswered order again with its idempotency key and exact body. The vendor
 * answers with the original order when the first call went through; when it did not, the
 * replay places the very order the person approved. Only inside the window in which the
 * vendor keeps the key: after it a replay would be a new, charged order. A refusal means
 * no order exists; silence tells nothing.
 */
async function replay(client: ProviderClient, unknown: UnknownOutcome, windowMs: number): Promise<Order | null | undefined> {
  if (Date.now() - unknown.sentAt > windowMs) return undefined;
  try {
    return await sendPrepared(client, unknown.prepared, unknown.idempotencyKey);
  } catch (error) {
    if (!(error instanceof ProxycartError)) throw error;
    switch (error.kind) {
      case 'insufficient_funds':
      case 'invalid_input':
      case 'not_found':
        return null;
      case 'vendor_error':
        // 409: this key belongs to another body; whether an order exists is not known here.
        return error.details.httpStatus === 409 ? undefined : null;
      default:
        return undefined;
    }
  }
}

/** How an order of unknown outcome is shown, with the id order_status takes to check on it. */
export function unknownOrder(entry: LedgerEntry): Order {
  return { id: `${UNKNOWN_PREFIX}${entry.id}`, status: 'unknown', state: 'outcome_unknown', total_usd: entry.quote.total_usd, proxies: [] };
}
