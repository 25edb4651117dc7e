import type { Spending } from '../guard/policy.js';
import type { ProviderId } from '../providers/types.js';
import type { LedgerEntry } from './entry.js';

// The contract every ledger backend keeps (SQLite, Redis, Postgres, memory). Each method
// answers one question the money path or a person asks, in time that does not grow with the
// number of past orders: the books keep every order forever, and old ones cost nothing.
// test/ledger/contract.ts is the one suite every backend passes.

/** An approved order's intent, before the backend stamps its status and times. */
export type NewEntry = Omit<LedgerEntry, 'status' | 'createdAt' | 'updatedAt'>;

/** The caps a reservation is checked against, atomically with writing it. */
export interface Budget {
  dailyBudgetUsd: number;
  /** Per authenticated client, when set and the entry has an identity. */
  identityBudgetUsd?: number;
}

export type Reservation =
  /** The intent is written and its amount counts from now on. */
  | { outcome: 'reserved'; entry: LedgerEntry }
  /** An entry with this id exists already: another call holds this quote. */
  | { outcome: 'exists' }
  /** Writing it would exceed a budget; nothing was written. `spending` is what the check saw. */
  | { outcome: 'over_budget'; spending: Spending };

export type LedgerChange = Partial<Pick<LedgerEntry, 'status' | 'order' | 'error' | 'settledByPerson'>>;

export interface ListQuery {
  sandbox: boolean;
  provider?: ProviderId;
  /** The state `stateOf` gives (`pending`, `active`, `failed`, `outcome_unknown`, …). */
  state?: string;
  /** Only this client's entries. */
  identity?: string;
  limit: number;
  /** From a previous page's `next`. */
  cursor?: string;
}

export interface Page {
  /** Newest first. */
  entries: LedgerEntry[];
  /** The cursor of the next (older) page; absent on the last one. */
  next?: string;
}

export interface ExportQuery {
  sandbox?: boolean;
  identity?: string;
  /** Inclusive lower bound of `createdAt` (ms). */
  from?: number;
  /** Exclusive upper bound of `createdAt` (ms). */
  to?: number;
}

export interface Books {
  get(id: string): Promise<LedgerEntry | undefined>;
  /** The entry of a vendor order placed through proxycart. */
  byOrderId(provider: ProviderId, orderId: string): Promise<LedgerEntry | undefined>;
  /** What counts against the budget from 24 hours before `now` on (later stamps too: clocks differ across nodes): every entry but failed ones, at `chargedUsd`. */
  spending(sandbox: boolean, identity: string | undefined, now: number): Promise<Spending>;
  /** An entry of unknown outcome with this arguments hash (environment + arguments), the oldest first. */
  unresolved(argsHash: string): Promise<LedgerEntry | undefined>;
  /** Every entry of unknown outcome in a book (they are few: each waits for a person or the vendor). */
  unknownOutcomes(sandbox: boolean, identity?: string): Promise<LedgerEntry[]>;
  /**
   * Entries that record an order's current expiry (per order, the newest entry that records
   * one: an extend moves it) within [from, to] (ms), soonest first; with `identity`, only
   * those of that client.
   */
  expiring(sandbox: boolean, from: number, to: number, identity?: string): Promise<LedgerEntry[]>;
  /** The entries that armed a recurring charge still armed (no newer entry of the order turned it off), newest first. */
  recurring(sandbox: boolean, identity?: string): Promise<LedgerEntry[]>;
  /**
   * Check the budget and write the intent as one atomic step across processes and nodes.
   * The entry's amount is its quote's total (0 when unpriced); its `createdAt` is `now`.
   */
  reserve(entry: NewEntry, budget: Budget, now: number): Promise<Reservation>;
  /** Apply `change` to an existing entry (read, merge, write atomically); throws `not_found` when absent. */
  record(id: string, change: LedgerChange, now: number): Promise<LedgerEntry>;
  /** Newest first, filtered, one page at a time. */
  list(query: ListQuery): Promise<Page>;
  /** Vendor order ids recorded for `provider` from entries created since `since` (ms). */
  orderIdsSince(provider: ProviderId, since: number): Promise<string[]>;
  /** Oldest first, in pages read as the consumer goes: memory stays flat at any size. */
  stream(query: ExportQuery): AsyncIterable<LedgerEntry>;
  /** Write complete entries as they are (migration, benchmarks, tests); an id already present is left alone. */
  append(entries: readonly LedgerEntry[]): Promise<number>;
  /** Something a person should know about how durable these books are (Redis without persistence), if anything. */
  durabilityWarning(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** A page cursor: the last entry's time and id, opaque to callers. */
export function encodeCursor(entry: Pick<LedgerEntry, 'createdAt' | 'id'>): string {
  return Buffer.from(`${entry.createdAt}:${entry.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  const at = text.indexOf(':');
  const createdAt = Number(text.slice(0, at));
  if (at < 1 || !Number.isSafeInteger(createdAt)) return undefined;
  return { createdAt, id: text.slice(at + 1) };
}

/** Entries older than the cursor in the listing order (createdAt, then id, both descending). */
export function isBefore(entry: Pick<LedgerEntry, 'createdAt' | 'id'>, cursor: { createdAt: number; id: string }): boolean {
  return entry.createdAt < cursor.createdAt || (entry.createdAt === cursor.createdAt && entry.id < cursor.id);
}
