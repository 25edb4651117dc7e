// The ledger as proxycart 0.1 wrote it (src/guard/ledger.ts at 0.1, kept verbatim but for
// its imports): the migration tests write their "old" books with this very code, so what is
// moved is exactly what 0.1 left behind.

import { randomUUID } from 'node:crypto';
import { ProxycartError } from '../../src/errors.js';
import type { Spending } from '../../src/guard/policy.js';
import type { Quote } from '../../src/guard/quote.js';
import { roundCents, usableAmount } from '../../src/money.js';
import type { Order, PreparedOrder, ProviderId } from '../../src/providers/types.js';
import type { Store } from '../../src/store.js';

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
  /** Set when a person resolved an unknown outcome from the vendor's dashboard (`proxycart ledger settle`). */
  settledByPerson?: { outcome: 'placed' | 'not-placed'; at: number };
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

/** The last 24 hours' spending of one book in `entries`, and the share of `identity` when given. */
export function spendingIn(entries: readonly LedgerEntry[], sandbox: boolean, identity?: string, now = Date.now()): Spending {
  let total = 0;
  let own = 0;
  for (const entry of entries) {
    if (entry.status === 'failed' || now - entry.createdAt > DAY_MS || (entry.sandbox ?? false) !== sandbox) continue;
    total += chargedUsd(entry);
    if (identity !== undefined && entry.identity === identity) own += chargedUsd(entry);
  }
  return { total: roundCents(total), ...(identity === undefined ? {} : { identity: { name: identity, spent: roundCents(own) } }) };
}

/** The entry in `entries` of an identical order (same environment and arguments) whose outcome is still unknown. */
export function unresolvedIn(entries: readonly LedgerEntry[], argsHash: string): LedgerEntry | undefined {
  return entries.find((entry) => entry.status === 'outcome_unknown' && entry.argsHash === argsHash);
}

/** Price differences within a cent are rounding, not a change. */
export const PRICE_TOLERANCE_USD = 0.01;

/** How an order of unknown outcome is named to people and tools: `unknown:<ledger id>`. */
export const UNKNOWN_PREFIX = 'unknown:';

const ENTRY = 'ledger:';
const ORDER_INDEX = 'order:';
const SPEND_LOCK = 'lock:spend';
const DAY_MS = 24 * 60 * 60 * 1000;
const LOCK_TTL_MS = 15_000;

export class Ledger {
  constructor(private readonly store: Store) {}

  get(id: string): Promise<LedgerEntry | undefined> {
    return this.store.get<LedgerEntry>(ENTRY + id);
  }

  /** The ledger entry of a vendor order placed through proxycart, if any. */
  async byOrderId(provider: ProviderId, orderId: string): Promise<LedgerEntry | undefined> {
    const id = await this.store.get<string>(`${ORDER_INDEX}${provider}:${orderId}`);
    return id ? this.get(id) : undefined;
  }

  /** Every entry, read once: the whole ledger is one scan of the store, so callers that need several views share it. */
  async entries(): Promise<LedgerEntry[]> {
    return (await this.store.entries<LedgerEntry>(ENTRY)).map(([, entry]) => entry);
  }

  /** Ids of the vendor orders already recorded for `provider`. */
  async orderIds(provider: ProviderId): Promise<string[]> {
    return (await this.entries()).flatMap((entry) => (entry.provider === provider && entry.order ? [entry.order.id] : []));
  }

  /** USD committed in the last 24 hours in one book (sandbox or live): placed orders, orders being sent, and unknown outcomes. */
  async spentLast24h(sandbox: boolean, now = Date.now()): Promise<number> {
    return spendingIn(await this.entries(), sandbox, undefined, now).total;
  }

  /** The same, with the share of one authenticated client when `identity` is given. */
  async spending(sandbox: boolean, identity?: string): Promise<Spending> {
    return spendingIn(await this.entries(), sandbox, identity);
  }

  /** An approved order with exactly these environment and arguments whose outcome is still unknown. */
  async unresolved(argsHash: string): Promise<LedgerEntry | undefined> {
    return unresolvedIn(await this.entries(), argsHash);
  }

  /**
   * Write the intent for an approved quote, atomically with the 24-hour budget check:
   * `check` sees the current spend under a store-wide lock, so two processes spending at
   * once cannot together pass the budget. Returns undefined when another caller already
   * wrote the intent for this quote (it won; nothing more may be sent).
   */
  async writeIntent(entry: Omit<LedgerEntry, 'status' | 'createdAt' | 'updatedAt'>, check: (spent: Spending) => void): Promise<LedgerEntry | undefined> {
    return this.withSpendLock(async () => {
      if (await this.get(entry.id)) return undefined;
      check(await this.spending(entry.sandbox ?? false, entry.identity));
      const now = Date.now();
      const intent: LedgerEntry = { ...entry, status: 'submitting', createdAt: now, updatedAt: now };
      return (await this.store.add(ENTRY + entry.id, intent)) ? intent : undefined;
    });
  }

  async record(id: string, change: Partial<Pick<LedgerEntry, 'status' | 'order' | 'error' | 'settledByPerson'>>): Promise<LedgerEntry> {
    const next = await this.store.update<LedgerEntry>(ENTRY + id, (current) => {
      if (!current) throw new ProxycartError('vendor_error', 'The ledger entry of this order is missing.');
      return { ...current, ...change, updatedAt: Date.now() };
    });
    if (change.order) await this.store.set(`${ORDER_INDEX}${next!.provider}:${change.order.id}`, id);
    return next!;
  }

  /**
   * A person's verdict on an order of unknown outcome, read off the vendor's dashboard: the
   * only way out where the vendor's API cannot tell. `placed` keeps it on the books (with the
   * vendor's order id when given); `not-placed` takes it off.
   */
  async settleByPerson(id: string, outcome: 'placed' | 'not-placed', vendorOrderId?: string): Promise<LedgerEntry> {
    const entry = await this.get(id);
    if (!entry) throw new ProxycartError('not_found', `The ledger has no order ${UNKNOWN_PREFIX}${id}.`);
    if (entry.status !== 'outcome_unknown') {
      throw new ProxycartError('policy', `Order ${UNKNOWN_PREFIX}${id} is ${entry.status}, not of unknown outcome: there is nothing to settle.`);
    }
    const settledByPerson = { outcome, at: Date.now() };
    if (outcome === 'not-placed') {
      return this.record(id, {
        status: 'failed',
        error: { kind: 'vendor_error', message: 'a person found no such order on the vendor dashboard' },
        settledByPerson,
      });
    }
    const order: Order = {
      id: vendorOrderId ?? `${UNKNOWN_PREFIX}${id}`,
      status: 'placed (confirmed by a person)',
      state: 'active',
      total_usd: entry.quote.total_usd,
      proxies: [],
    };
    return this.record(id, { status: 'placed', order, settledByPerson });
  }

  private async withSpendLock<T>(work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + LOCK_TTL_MS * 2;
    while (!(await this.store.add(SPEND_LOCK, owner, LOCK_TTL_MS))) {
      if (Date.now() > deadline) {
        throw new ProxycartError('vendor_unavailable', 'Another order is being recorded and the ledger stayed busy.', {
          advice: 'Nothing was charged. Try again in a few seconds.',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
    try {
      return await work();
    } finally {
      await this.store.update<string>(SPEND_LOCK, (current) => (current === owner ? undefined : current));
    }
  }
}
