import { afterEach, describe, expect, it } from 'vitest';
import type { Books, NewEntry } from '../../src/ledger/books.js';
import { DAY_MS, type LedgerEntry } from '../../src/ledger/entry.js';
import type { Order } from '../../src/providers/types.js';

// The one suite every ledger backend passes (keyv's keyvTestSuite pattern): each backend's
// test file calls `ledgerContract` with a way to open fresh, empty books, then adds its own
// edge cases (migration, persistence) below it.

export interface BooksFactory {
  /** Fresh, empty books; a second call while the first is open may return a second handle on the same books (`shared`). */
  open(): Promise<Books>;
  /** A second handle on the books the last `open` returned (another process or node would see the same). */
  openAnother?(): Promise<Books>;
}

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
let serial = 0;

export function intent(fields: Partial<NewEntry> & { total?: number | null } = {}): NewEntry {
  const { total = 10, ...rest } = fields;
  serial += 1;
  return {
    id: `q${serial.toString().padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    provider: 'proxyjam',
    sandbox: false,
    environment: 'live:proxyjam:https://x:abc',
    argsHash: `args-${serial}`,
    idempotencyKey: `key-${serial}`,
    prepared: { request: { offer_id: 42 }, quote: { total_usd: total, price_source: 'vendor_quote', summary: `order ${serial}` } },
    quote: {
      total_usd: total,
      currency: 'USD',
      price_source: 'vendor_quote',
      summary: `order ${serial}`,
      balance_usd: null,
      balance_after_usd: null,
      warnings: [],
    },
    ...rest,
  };
}

/** A complete past entry, as `append` takes it (migration, seeding). */
export function pastEntry(createdAt: number, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  const base = intent();
  const order: Order = { id: `V-${base.id}`, status: 'active', state: 'active', total_usd: 10, proxies: [] };
  return { ...base, status: 'placed', order, createdAt, updatedAt: createdAt, ...fields };
}

const unlimited = { dailyBudgetUsd: 1e9 };

export function ledgerContract(name: string, factory: BooksFactory): void {
  describe(`ledger contract: ${name}`, () => {
    const opened: Books[] = [];
    const open = async () => {
      const books = await factory.open();
      opened.push(books);
      return books;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it('reserves an intent once, stamps it submitting, and reads it back', async () => {
      const books = await open();
      const entry = intent({ identity: 'token:alice' });
      const first = await books.reserve(entry, unlimited, T0);
      expect(first.outcome).toBe('reserved');
      expect(await books.reserve(entry, unlimited, T0 + 1)).toEqual({ outcome: 'exists' });
      const read = await books.get(entry.id);
      expect(read).toMatchObject({ id: entry.id, status: 'submitting', createdAt: T0, updatedAt: T0, identity: 'token:alice', argsHash: entry.argsHash });
      expect(read?.quote).toEqual(entry.quote);
      expect(await books.get('nope')).toBeUndefined();
    });

    it('records what the vendor said, and finds the entry by the vendor order id', async () => {
      const books = await open();
      const entry = intent();
      await books.reserve(entry, unlimited, T0);
      const order: Order = { id: 'ORD-7', status: 'active', state: 'active', total_usd: 10, proxies: [] };
      const placed = await books.record(entry.id, { status: 'placed', order }, T0 + 5);
      expect(placed).toMatchObject({ status: 'placed', updatedAt: T0 + 5, createdAt: T0, order: { id: 'ORD-7' } });
      expect((await books.byOrderId('proxyjam', 'ORD-7'))?.id).toBe(entry.id);
      expect(await books.byOrderId('proxyscrape', 'ORD-7')).toBeUndefined();
      await expect(books.record('missing', { status: 'failed' }, T0)).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('sums 24 hours of one book: failed entries do not count, the larger of approved and charged does, the edge is inclusive, later stamps count', async () => {
      const books = await open();
      const now = T0 + DAY_MS;
      const atEdge = intent({ total: 1 });
      const tooOld = intent({ total: 100 });
      const failed = intent({ total: 1000 });
      const over = intent({ total: 5 });
      const sandbox = intent({ total: 70, sandbox: true, environment: 'sandbox:proxyjam' });
      const unpriced = intent({ total: null });
      await books.reserve(tooOld, unlimited, T0 - 1);
      await books.reserve(atEdge, unlimited, T0);
      await books.reserve(failed, unlimited, T0 + 10);
      await books.record(failed.id, { status: 'failed', error: { kind: 'vendor_error', message: 'no' } }, T0 + 11);
      await books.reserve(over, unlimited, T0 + 20);
      // The vendor says it charged more than approved: the larger counts; a nonsense total never lowers it.
      await books.record(over.id, { status: 'placed', order: { id: 'O1', status: 'x', state: 'active', total_usd: 7.25, proxies: [] } }, T0 + 21);
      await books.reserve(sandbox, unlimited, T0 + 30);
      await books.reserve(unpriced, unlimited, T0 + 40);
      expect(await books.spending(false, undefined, now)).toEqual({ total: 8.25 });
      expect(await books.spending(true, undefined, now)).toEqual({ total: 70 });
      expect((await books.spending(false, undefined, now + 1)).total).toBe(7.25);
      // An entry stamped after `now` (another node's clock runs ahead) still counts.
      expect((await books.spending(false, undefined, T0 - 1)).total).toBe(108.25);
    });

    it('keeps each identity’s share beside the total', async () => {
      const books = await open();
      await books.reserve(intent({ total: 3, identity: 'token:alice' }), unlimited, T0);
      await books.reserve(intent({ total: 4, identity: 'token:bob' }), unlimited, T0 + 1);
      await books.reserve(intent({ total: 5 }), unlimited, T0 + 2);
      expect(await books.spending(false, 'token:alice', T0 + 10)).toEqual({ total: 12, identity: { name: 'token:alice', spent: 3 } });
      expect(await books.spending(false, 'token:carol', T0 + 10)).toEqual({ total: 12, identity: { name: 'token:carol', spent: 0 } });
    });

    it('refuses a reservation over the daily or the identity budget, writing nothing', async () => {
      const books = await open();
      await books.reserve(intent({ total: 60, identity: 'token:alice' }), unlimited, T0);
      const tooMuch = intent({ total: 50, identity: 'token:bob' });
      expect(await books.reserve(tooMuch, { dailyBudgetUsd: 100 }, T0 + 1)).toEqual({
        outcome: 'over_budget',
        spending: { total: 60, identity: { name: 'token:bob', spent: 0 } },
      });
      expect(await books.get(tooMuch.id)).toBeUndefined();
      // Exactly at the budget is allowed.
      expect((await books.reserve(intent({ total: 40 }), { dailyBudgetUsd: 100 }, T0 + 2)).outcome).toBe('reserved');
      const alice = intent({ total: 10, identity: 'token:alice' });
      expect(await books.reserve(alice, { dailyBudgetUsd: 1000, identityBudgetUsd: 65 }, T0 + 3)).toMatchObject({ outcome: 'over_budget' });
      expect((await books.reserve(intent({ total: 10, identity: 'token:bob' }), { dailyBudgetUsd: 1000, identityBudgetUsd: 65 }, T0 + 4)).outcome).toBe(
        'reserved',
      );
    });

    it('lets exactly as many concurrent reservations through as the budget fits', async () => {
      const books = await open();
      const other = factory.openAnother ? await factory.openAnother() : books;
      if (other !== books) opened.push(other);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? other : books).reserve(intent({ total: 10 }), { dailyBudgetUsd: 100 }, T0 + i)),
      );
      expect(results.filter((r) => r.outcome === 'reserved')).toHaveLength(10);
      expect(results.filter((r) => r.outcome === 'over_budget')).toHaveLength(40);
      expect((await books.spending(false, undefined, T0 + 100)).total).toBe(100);
    });

    it('finds an identical order of unknown outcome by its arguments hash, until it is resolved', async () => {
      const books = await open();
      const first = intent({ argsHash: 'same' });
      const second = intent({ argsHash: 'same' });
      await books.reserve(first, unlimited, T0);
      await books.reserve(second, unlimited, T0 + 1);
      expect(await books.unresolved('same')).toBeUndefined();
      await books.record(second.id, { status: 'outcome_unknown', error: { kind: 'vendor_unavailable', message: 'timeout' } }, T0 + 2);
      await books.record(first.id, { status: 'outcome_unknown' }, T0 + 3);
      expect((await books.unresolved('same'))?.id).toBe(first.id);
      expect((await books.unknownOutcomes(false)).map((e) => e.id).sort()).toEqual([first.id, second.id].sort());
      expect(await books.unknownOutcomes(true)).toEqual([]);
      await books.record(first.id, { status: 'placed', order: { id: 'Z', status: 'ok', state: 'active', total_usd: 10, proxies: [] } }, T0 + 4);
      await books.record(second.id, { status: 'failed' }, T0 + 5);
      expect(await books.unresolved('same')).toBeUndefined();
      expect(await books.unknownOutcomes(false)).toEqual([]);
      expect(await books.unresolved('other')).toBeUndefined();
    });

    it('pages newest first with a cursor, filtered by provider, state and identity', async () => {
      const books = await open();
      const made: NewEntry[] = [];
      for (let i = 0; i < 7; i++) {
        const entry = intent({ provider: i % 2 ? 'proxyseller' : 'proxyjam', identity: i < 3 ? 'token:alice' : 'token:bob' });
        made.push(entry);
        await books.reserve(entry, unlimited, T0 + (i === 6 ? 5 : i)); // two share a time: the id breaks the tie
      }
      await books.reserve(intent({ sandbox: true }), unlimited, T0 + 3);
      await books.record(made[2]!.id, { status: 'failed' }, T0 + 10);
      await books.record(made[4]!.id, { status: 'placed', order: { id: 'A', status: 'ok', state: 'active', total_usd: 1, proxies: [] } }, T0 + 10);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await books.list({ sandbox: false, limit: 3, cursor });
        expect(page.entries.length).toBeLessThanOrEqual(3);
        seen.push(...page.entries.map((e) => e.id));
        cursor = page.next;
      } while (cursor);
      const expected = made
        .map((e, i) => ({ id: e.id, at: T0 + (i === 6 ? 5 : i) }))
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
        .map((e) => e.id);
      expect(seen).toEqual(expected);

      const full = await books.list({ sandbox: false, limit: 7 });
      expect(full.entries).toHaveLength(7);
      expect(full.next).toBeUndefined();
      expect((await books.list({ sandbox: false, limit: 10, provider: 'proxyseller' })).entries.map((e) => e.id)).toEqual(
        expected.filter((id) => made.findIndex((e) => e.id === id) % 2 === 1),
      );
      expect((await books.list({ sandbox: false, limit: 10, state: 'failed' })).entries.map((e) => e.id)).toEqual([made[2]!.id]);
      expect((await books.list({ sandbox: false, limit: 10, state: 'active' })).entries.map((e) => e.id)).toEqual([made[4]!.id]);
      expect((await books.list({ sandbox: false, limit: 10, state: 'pending', provider: 'proxyjam' })).entries.map((e) => e.id)).toEqual([
        made[6]!.id,
        made[0]!.id,
      ]);
      expect((await books.list({ sandbox: false, limit: 10, identity: 'token:alice' })).entries.map((e) => e.id)).toEqual(
        made
          .slice(0, 3)
          .map((e) => e.id)
          .reverse(),
      );
      expect((await books.list({ sandbox: true, limit: 10 })).entries).toHaveLength(1);
    });

    it('lists the vendor order ids recorded since a time', async () => {
      const books = await open();
      const old = intent();
      const recent = intent();
      const other = intent({ provider: 'novaproxy' });
      for (const [entry, at] of [
        [old, T0],
        [recent, T0 + 1000],
        [other, T0 + 1000],
      ] as const) {
        await books.reserve(entry, unlimited, at);
        await books.record(entry.id, { status: 'placed', order: { id: `O-${entry.id}`, status: 'ok', state: 'active', total_usd: 1, proxies: [] } }, at);
      }
      expect(await books.orderIdsSince('proxyjam', T0 + 500)).toEqual([`O-${recent.id}`]);
      expect((await books.orderIdsSince('proxyjam', T0)).sort()).toEqual([`O-${old.id}`, `O-${recent.id}`].sort());
    });

    it('appends complete entries once, keeping their times, and streams them oldest first with filters', async () => {
      const books = await open();
      const entries = Array.from({ length: 1200 }, (_, i) =>
        pastEntry(T0 - (1200 - i) * 1000, { identity: i % 3 === 0 ? 'token:alice' : undefined, sandbox: i % 5 === 0 }),
      );
      expect(await books.append(entries.slice(0, 700))).toBe(700);
      expect(await books.append(entries)).toBe(500);
      expect((await books.get(entries[10]!.id))?.createdAt).toBe(entries[10]!.createdAt);
      expect((await books.byOrderId('proxyjam', entries[11]!.order!.id))?.id).toBe(entries[11]!.id);

      const all: string[] = [];
      for await (const entry of books.stream({})) all.push(entry.id);
      expect(all).toEqual(entries.map((e) => e.id));
      const live: LedgerEntry[] = [];
      for await (const entry of books.stream({ sandbox: false, identity: 'token:alice', from: entries[300]!.createdAt, to: entries[900]!.createdAt })) {
        live.push(entry);
      }
      expect(live.map((e) => e.id)).toEqual(
        entries
          .slice(300, 900)
          .filter((_, i) => (i + 300) % 3 === 0 && (i + 300) % 5 !== 0)
          .map((e) => e.id),
      );
      // Past orders count for nothing once they are a day old, however many there are.
      expect((await books.spending(false, undefined, T0 + DAY_MS)).total).toBe(0);
    });

    describe('orders to watch (proxycart_orders: expiring, recurring)', () => {
      const iso = (at: number) => new Date(at).toISOString();
      const order = (id: string, expires: number | null): Order => ({
        id,
        status: 'active',
        state: 'active',
        total_usd: 10,
        proxies: [],
        ...(expires === null ? {} : { expires_at: iso(expires) }),
      });
      const recurring = { field: 'auto_renew', every: 'every 30 days', price_usd: 10, off: 'proxyjam_set_auto_renew' };
      const from = T0 - 7 * DAY_MS;
      const to = T0 + 7 * DAY_MS;
      const ids = (entries: LedgerEntry[]) => entries.map((e) => e.id);

      it('lists the orders whose expiry is in the window, soonest first, per book and per identity', async () => {
        const books = await open();
        const soon = pastEntry(T0 - 28 * DAY_MS, { order: order('SOON', T0 + 5 * DAY_MS), identity: 'token:alice' });
        const passed = pastEntry(T0 - 30 * DAY_MS, { order: order('PASSED', T0 - 2 * DAY_MS), identity: 'token:bob' });
        const later = pastEntry(T0 - 20 * DAY_MS, { order: order('LATER', T0 + 8 * DAY_MS) });
        const long = pastEntry(T0 - 90 * DAY_MS, { order: order('LONG', T0 - 8 * DAY_MS) });
        const none = pastEntry(T0 - 10 * DAY_MS, { order: order('NONE', null) });
        const sandbox = pastEntry(T0 - 10 * DAY_MS, { order: order('SANDBOX', T0 + 1 * DAY_MS), sandbox: true });
        const failed = pastEntry(T0 - 10 * DAY_MS, { status: 'failed', order: order('FAILED', T0 + 1 * DAY_MS) });
        await books.append([soon, passed, later, long, none, sandbox, failed]);
        expect(ids(await books.expiring(false, from, to))).toEqual([passed.id, soon.id]);
        expect(ids(await books.expiring(true, from, to))).toEqual([sandbox.id]);
        expect(ids(await books.expiring(false, from, to, 'token:alice'))).toEqual([soon.id]);
        expect(await books.expiring(false, from, to, 'token:carol')).toEqual([]);
        // The window's edges are inclusive.
        expect(ids(await books.expiring(false, T0 + 5 * DAY_MS, T0 + 8 * DAY_MS))).toEqual([soon.id, later.id]);
      });

      it('counts only the newest expiry of an order: an extend moves it out of the window, or into it', async () => {
        const books = await open();
        const bought = intent();
        await books.reserve(bought, unlimited, T0 - 25 * DAY_MS);
        await books.record(bought.id, { status: 'placed', order: order('EXT', T0 + 3 * DAY_MS) }, T0 - 25 * DAY_MS);
        expect(ids(await books.expiring(false, from, to))).toEqual([bought.id]);
        // Extended by 30 days: the change's entry records the new expiry, the old one no longer counts.
        const extend = intent({ operation: 'extend_order', target: 'EXT' });
        await books.reserve(extend, unlimited, T0 - 1000);
        expect(ids(await books.expiring(false, from, to))).toEqual([bought.id]); // not placed yet: nothing moved
        await books.record(extend.id, { status: 'placed', order: order('EXT', T0 + 33 * DAY_MS) }, T0 - 999);
        expect(await books.expiring(false, from, to)).toEqual([]);
        expect(ids(await books.expiring(false, T0, T0 + 40 * DAY_MS))).toEqual([extend.id]);
        // A change that records no expiry leaves the last one standing.
        const other = intent({ operation: 'set_auto_renew', target: 'EXT' });
        await books.reserve(other, unlimited, T0 - 500);
        await books.record(other.id, { status: 'placed', order: order('EXT', null) }, T0 - 499);
        expect(ids(await books.expiring(false, T0, T0 + 40 * DAY_MS))).toEqual([extend.id]);
        // An order of another provider with the same vendor id is another order.
        const namesake = pastEntry(T0 - 26 * DAY_MS, { provider: 'proxyseller', order: order('EXT', T0 + 2 * DAY_MS) });
        await books.append([namesake]);
        expect(ids(await books.expiring(false, from, to))).toEqual([namesake.id]);
      });

      it('lists the recurring charges still armed: the newest decision per order wins', async () => {
        const books = await open();
        const armed = pastEntry(T0 - 40 * DAY_MS, { order: order('AR', null), recurring, identity: 'token:alice' });
        const kept = pastEntry(T0 - 30 * DAY_MS, { order: order('KEEP', null), recurring });
        const sandbox = pastEntry(T0 - 30 * DAY_MS, { order: order('SB', null), recurring, sandbox: true });
        const plain = pastEntry(T0 - 30 * DAY_MS, { order: order('PLAIN', null) });
        await books.append([armed, kept, sandbox, plain]);
        expect(ids(await books.recurring(false))).toEqual([kept.id, armed.id]);
        expect(ids(await books.recurring(true))).toEqual([sandbox.id]);
        expect(ids(await books.recurring(false, 'token:alice'))).toEqual([armed.id]);
        // Turned off: a later set_auto_renew entry without `recurring`.
        const off = intent({ operation: 'set_auto_renew', target: 'AR', identity: 'token:alice' });
        await books.reserve(off, unlimited, T0 - 1000);
        expect(ids(await books.recurring(false))).toEqual([kept.id, armed.id]); // not placed yet
        await books.record(off.id, { status: 'placed', order: order('AR', null) }, T0 - 999);
        expect(ids(await books.recurring(false))).toEqual([kept.id]);
        expect(await books.recurring(false, 'token:alice')).toEqual([]);
        // An extend of the kept order decides nothing about its renewal.
        await books.append([pastEntry(T0 - 100, { operation: 'extend_order', target: 'KEEP', order: order('KEEP', T0 + DAY_MS) })]);
        expect(ids(await books.recurring(false))).toEqual([kept.id]);
        // Armed again.
        const on = pastEntry(T0 - 10, { operation: 'set_auto_renew', target: 'AR', order: order('AR', null), recurring });
        await books.append([on]);
        expect(ids(await books.recurring(false))).toEqual([on.id, kept.id]);
      });

      it('finds an old order expiring in 5 days behind 5,000 newer orders', async () => {
        const books = await open();
        const old = pastEntry(T0 - 28 * DAY_MS, { order: order('OLD', T0 + 5 * DAY_MS) });
        const newer = Array.from({ length: 5000 }, (_, i) => pastEntry(T0 - 27 * DAY_MS + i * 60_000, { order: order(`N${i}`, T0 + 60 * DAY_MS) }));
        await books.append([old, ...newer]);
        expect(ids(await books.expiring(false, from, to))).toEqual([old.id]);
      }, 60_000);
    });
  });
}
