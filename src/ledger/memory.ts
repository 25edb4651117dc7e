import { ProxycartError } from '../errors.js';
import type { Spending } from '../guard/policy.js';
import { roundCents } from '../money.js';
import { type Books, decodeCursor, encodeCursor, isBefore } from './books.js';
import { DAY_MS, indexedFields, type LedgerEntry } from './entry.js';

// The books of PROXYCART_STORE=memory: one process, gone when it exits (tests, a quick try).
// Entries are kept in creation order, so the budget window and the newest page are read from
// the end, and an id map answers look-ups. Filters walk the list: fine for a process's life.

export function memoryBooks(): Books {
  const byId = new Map<string, LedgerEntry>();
  const byOrder = new Map<string, string>();
  // Ids in (createdAt, id) order; appended at the end except for imported old entries.
  const order: string[] = [];

  const place = (entry: LedgerEntry) => {
    byId.set(entry.id, entry);
    let at = order.length;
    while (at > 0 && !isBefore(byId.get(order[at - 1]!)!, entry)) at--;
    order.splice(at, 0, entry.id);
    index(entry);
  };
  const index = (entry: LedgerEntry) => {
    const { orderId } = indexedFields(entry);
    if (orderId) byOrder.set(`${entry.provider}:${orderId}`, entry.id);
  };
  const spendingAt = (sandbox: boolean, identity: string | undefined, now: number): Spending => {
    let total = 0;
    let own = 0;
    for (const entry of newest()) {
      if (entry.createdAt < now - DAY_MS) break;
      if ((entry.sandbox ?? false) !== sandbox || entry.status === 'failed') continue;
      const { chargedUsd } = indexedFields(entry);
      total += chargedUsd;
      if (identity !== undefined && entry.identity === identity) own += chargedUsd;
    }
    return { total: roundCents(total), ...(identity === undefined ? {} : { identity: { name: identity, spent: roundCents(own) } }) };
  };
  // Newest first.
  function* newest(): Generator<LedgerEntry> {
    for (let i = order.length - 1; i >= 0; i--) yield byId.get(order[i]!)!;
  }

  const books: Books = {
    async get(id) {
      return byId.get(id);
    },
    async byOrderId(provider, orderId) {
      const id = byOrder.get(`${provider}:${orderId}`);
      return id ? byId.get(id) : undefined;
    },
    async spending(sandbox, identity, now) {
      return spendingAt(sandbox, identity, now);
    },
    async unresolved(argsHash) {
      return [...byId.values()].filter((e) => e.status === 'outcome_unknown' && e.argsHash === argsHash).sort((a, b) => a.createdAt - b.createdAt)[0];
    },
    async unknownOutcomes(sandbox, identity) {
      return [...newest()].filter(
        (e) => e.status === 'outcome_unknown' && (e.sandbox ?? false) === sandbox && (identity === undefined || e.identity === identity),
      );
    },
    async expiring(sandbox, from, to, identity) {
      const seen = new Set<string>();
      const found: LedgerEntry[] = [];
      for (const entry of newest()) {
        const { watchKey, expiresAt } = indexedFields(entry);
        if ((entry.sandbox ?? false) !== sandbox || watchKey === null || expiresAt === null || seen.has(watchKey)) continue;
        seen.add(watchKey);
        if (expiresAt >= from && expiresAt <= to && (identity === undefined || entry.identity === identity)) found.push(entry);
      }
      const at = (e: LedgerEntry) => indexedFields(e).expiresAt!;
      return found.sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : 1));
    },
    async recurring(sandbox, identity) {
      const decided = new Set<string>();
      const found: LedgerEntry[] = [];
      for (const entry of newest()) {
        const { watchKey, renewal } = indexedFields(entry);
        if ((entry.sandbox ?? false) !== sandbox || watchKey === null || renewal === null || decided.has(watchKey)) continue;
        decided.add(watchKey);
        if (renewal === 'armed' && (identity === undefined || entry.identity === identity)) found.push(entry);
      }
      return found;
    },
    async reserve(entry, budget, now) {
      if (byId.has(entry.id)) return { outcome: 'exists' };
      // No await between the check and the write: in one process that is what makes it atomic.
      const spent = spendingAt(entry.sandbox ?? false, entry.identity, now);
      const amount = entry.quote.total_usd ?? 0;
      const overIdentity = budget.identityBudgetUsd !== undefined && spent.identity && spent.identity.spent + amount > budget.identityBudgetUsd + 1e-9;
      if (spent.total + amount > budget.dailyBudgetUsd + 1e-9 || overIdentity) return { outcome: 'over_budget', spending: spent };
      const written: LedgerEntry = { ...entry, status: 'submitting', createdAt: now, updatedAt: now };
      place(written);
      return { outcome: 'reserved', entry: written };
    },
    async record(id, change, now) {
      const current = byId.get(id);
      if (!current) throw new ProxycartError('not_found', 'The ledger entry of this order is missing.');
      const next: LedgerEntry = { ...current, ...change, updatedAt: now };
      byId.set(id, next);
      index(next);
      return next;
    },
    async list(query) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const entries: LedgerEntry[] = [];
      for (const entry of newest()) {
        if (after && !isBefore(entry, after)) continue;
        if ((entry.sandbox ?? false) !== query.sandbox) continue;
        if (query.provider !== undefined && entry.provider !== query.provider) continue;
        if (query.identity !== undefined && entry.identity !== query.identity) continue;
        if (query.state !== undefined && indexedFields(entry).state !== query.state) continue;
        if (entries.length === query.limit) return { entries, next: encodeCursor(entries.at(-1)!) };
        entries.push(entry);
      }
      return { entries };
    },
    async orderIdsSince(provider, since) {
      const ids: string[] = [];
      for (const entry of newest()) {
        if (entry.createdAt < since) break;
        const { orderId } = indexedFields(entry);
        if (entry.provider === provider && orderId) ids.push(orderId);
      }
      return ids;
    },
    async *stream(query) {
      // A snapshot of the ids, so entries added meanwhile do not shift the walk.
      for (const id of [...order]) {
        const entry = byId.get(id)!;
        if (query.sandbox !== undefined && (entry.sandbox ?? false) !== query.sandbox) continue;
        if (query.identity !== undefined && entry.identity !== query.identity) continue;
        if (query.from !== undefined && entry.createdAt < query.from) continue;
        if (query.to !== undefined && entry.createdAt >= query.to) continue;
        yield entry;
      }
    },
    async append(entries) {
      let added = 0;
      for (const entry of entries) {
        if (byId.has(entry.id)) continue;
        place(entry);
        added++;
      }
      return added;
    },
    async durabilityWarning() {
      return undefined;
    },
    async close() {},
  };
  return books;
}
