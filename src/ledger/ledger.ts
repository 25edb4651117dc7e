import { ProxycartError } from '../errors.js';
import { checkBudget, type Limits, type Spending } from '../guard/policy.js';
import type { Order, ProviderId } from '../providers/types.js';
import { guarded } from '../storage-error.js';
import { type Books, decodeCursor, type ExportQuery, type LedgerChange, type ListQuery, type NewEntry, type Page } from './books.js';
import { type LedgerEntry, UNKNOWN_PREFIX } from './entry.js';

/**
 * The books as the money path and the tools use them, over one backend. The backend answers
 * each question from an index and reserves budget atomically; this class adds what is the
 * same for every backend: a backend failure reaches callers as a `storage` error, a refused
 * reservation as the policy error a person reads, and a person's verdict on an unknown outcome.
 */
export class Ledger {
  constructor(readonly books: Books) {}

  get(id: string): Promise<LedgerEntry | undefined> {
    return guarded(() => this.books.get(id));
  }

  byOrderId(provider: ProviderId, orderId: string): Promise<LedgerEntry | undefined> {
    return guarded(() => this.books.byOrderId(provider, orderId));
  }

  /** The last 24 hours' spending of one book, with the share of `identity` when given. */
  spending(sandbox: boolean, identity?: string, now = Date.now()): Promise<Spending> {
    return guarded(() => this.books.spending(sandbox, identity, now));
  }

  /** An approved order with exactly these environment and arguments whose outcome is still unknown. */
  unresolved(argsHash: string): Promise<LedgerEntry | undefined> {
    return guarded(() => this.books.unresolved(argsHash));
  }

  unknownOutcomes(sandbox: boolean, identity?: string): Promise<LedgerEntry[]> {
    return guarded(() => this.books.unknownOutcomes(sandbox, identity));
  }

  /** Orders whose current expiry is within [from, to] (ms): the entry that records it, soonest first. */
  expiring(sandbox: boolean, from: number, to: number, identity?: string): Promise<LedgerEntry[]> {
    return guarded(() => this.books.expiring(sandbox, from, to, identity));
  }

  /** The recurring charges still armed: the entry that armed each, newest first. */
  recurring(sandbox: boolean, identity?: string): Promise<LedgerEntry[]> {
    return guarded(() => this.books.recurring(sandbox, identity));
  }

  list(query: ListQuery): Promise<Page> {
    if (query.cursor !== undefined && !decodeCursor(query.cursor)) {
      throw new ProxycartError('invalid_input', 'This cursor is not one proxycart_orders gave.', { advice: 'Call without cursor for the newest orders.' });
    }
    return guarded(() => this.books.list(query));
  }

  /** Vendor order ids the ledger attributes to orders sent since `since`: a lost order's look-up never takes one of them. */
  orderIdsSince(provider: ProviderId, since: number): Promise<string[]> {
    return guarded(() => this.books.orderIdsSince(provider, since));
  }

  async *stream(query: ExportQuery): AsyncIterable<LedgerEntry> {
    const pages = this.books.stream(query)[Symbol.asyncIterator]();
    for (;;) {
      const next = await guarded(() => pages.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /**
   * Write the intent for an approved quote, atomically with the 24-hour budget check (the
   * server's and the calling client's). Returns undefined when another call already wrote the
   * intent for this quote: it won, and nothing more may be sent. Throws `policy` when the
   * budget would be exceeded.
   */
  async writeIntent(entry: NewEntry, limits: Limits): Promise<LedgerEntry | undefined> {
    const budget = {
      dailyBudgetUsd: limits.dailyBudgetUsd,
      ...(limits.identityBudgetUsd === undefined ? {} : { identityBudgetUsd: limits.identityBudgetUsd }),
    };
    const reserved = await guarded(() => this.books.reserve(entry, budget, Date.now()));
    if (reserved.outcome === 'exists') return undefined;
    if (reserved.outcome === 'over_budget') {
      checkBudget(entry.quote, limits, reserved.spending);
      // The backend's sum and ours agree on cents; should they ever differ, the backend's refusal stands.
      throw new ProxycartError('policy', "This order would take the last 24 hours' spending over the budget.");
    }
    return reserved.entry;
  }

  record(id: string, change: LedgerChange): Promise<LedgerEntry> {
    return guarded(() => this.books.record(id, change, Date.now()));
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

  /** A sentence about how durable the books are (Redis without persistence), if there is one to say. */
  durabilityWarning(): Promise<string | undefined> {
    return guarded(() => this.books.durabilityWarning());
  }

  close(): Promise<void> {
    return this.books.close();
  }
}
