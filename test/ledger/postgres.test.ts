import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Books } from '../../src/ledger/books.js';
import { DAY_MS } from '../../src/ledger/entry.js';
import { openPostgresBooks } from '../../src/ledger/postgres.js';
import { addLogSink } from '../../src/log.js';
import { createPostgresPool } from '../../src/postgres.js';
import { openPostgresStore } from '../../src/store-postgres.js';
import { postgresServer } from '../postgres-server.js';
import { intent, ledgerContract, pastEntry } from './contract.js';
import { Ledger as OldLedger } from './version-01-ledger.js';

// The Postgres books against a real server: the shared contract (a fresh database per
// open(), a second pool on it as the other process), the move of a 0.1-style ledger out of
// the keyv table, and the books at 100,000 past orders.

const server = await postgresServer();
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
  await server.stop();
});

function pool(url: string): pg.Pool {
  const made = createPostgresPool(url);
  pools.push(made);
  return made;
}

/** Books on their own pool; closing them ends it (the pool is the caller's, here the test's). */
async function booksOn(url: string): Promise<Books> {
  const own = pool(url);
  const books = await openPostgresBooks(own);
  return {
    ...books,
    async close() {
      await books.close();
      pools.splice(pools.indexOf(own), 1);
      await own.end();
    },
  };
}

let latest = '';
ledgerContract('postgres', {
  async open() {
    latest = await server.database();
    return booksOn(latest);
  },
  openAnother: () => booksOn(latest),
});

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const unlimited = { dailyBudgetUsd: 1e9 };

describe('postgres books: moving a 0.1 ledger out of the keyv table', () => {
  /** A keyv table holding a ledger written by the 0.1 code (test/ledger/version-01-ledger.ts) through the Postgres store. */
  async function oldLedger(url: string) {
    const store = await openPostgresStore(url, pool(url));
    const old = new OldLedger(store);
    const alice = intent({ identity: 'token:alice', environment: 'live:proxyjam:https://x:abc' });
    const unknown = intent({ identity: 'oauth:bob', argsHash: 'args-unknown', total: 12.5 });
    const sandbox = intent({ sandbox: true, environment: 'sandbox:proxyjam' });
    const failed = intent({ total: 99 });
    for (const entry of [alice, unknown, sandbox, failed]) await old.writeIntent(entry, () => undefined);
    await old.record(alice.id, { status: 'placed', order: { id: 'ORD-1', status: 'active', state: 'active', total_usd: 10.75, proxies: [] } });
    await old.record(unknown.id, { status: 'outcome_unknown', error: { kind: 'vendor_unavailable', message: 'timeout' } });
    await old.record(failed.id, { status: 'failed', error: { kind: 'vendor_error', message: 'no' } });
    const written = await old.entries();
    return { store, old, written, ids: { alice: alice.id, unknown: unknown.id, sandbox: sandbox.id, failed: failed.id } };
  }

  function captureLog() {
    const lines: string[] = [];
    const remove = addLogSink((level, message) => {
      if (message.startsWith('ledger: moved')) lines.push(`${level}: ${message}`);
    });
    return { lines, remove };
  }

  it('moves every entry once, exactly as written: unknown outcomes, identities and environments survive', async () => {
    const url = await server.database();
    const { store, old, written, ids } = await oldLedger(url);
    const log = captureLog();
    const books = await openPostgresBooks(pool(url));
    expect(log.lines).toEqual(['info: ledger: moved 4 entries of the key-value ledger (proxycart 0.1) into the proxycart_ledger table']);
    for (const entry of written) expect(await books.get(entry.id)).toStrictEqual(entry);
    expect((await books.unresolved('args-unknown'))?.id).toBe(ids.unknown);
    expect((await books.unknownOutcomes(false, 'oauth:bob')).map((e) => e.identity)).toEqual(['oauth:bob']);
    expect((await books.byOrderId('proxyjam', 'ORD-1'))?.id).toBe(ids.alice);
    // The same 24-hour sums the 0.1 code computes from the same rows.
    const now = Date.now() + 1000;
    expect(await books.spending(false, 'token:alice', now)).toEqual(await old.spending(false, 'token:alice'));
    expect((await books.spending(true, undefined, now)).total).toBe(await old.spentLast24h(true, now));

    // Opening again moves nothing and says nothing, even with a keyv ledger row added since.
    await store.set('ledger:late', { ...written[0], id: 'late' });
    const statements: Array<{ text: string; values: unknown[] }> = [];
    const again = await openPostgresBooks(recording(pool(url), statements));
    expect(log.lines).toHaveLength(1);
    // Nor does it run DDL again (CREATE INDEX IF NOT EXISTS would wait on every writer).
    expect(statements.filter((s) => /\bCREATE\b/.test(s.text))).toEqual([]);
    expect(await again.get('late')).toBeUndefined();
    expect((await again.list({ sandbox: false, limit: 10 })).entries).toHaveLength(3);
    log.remove();
  });

  it('is safe when two processes open at once: one moves, the other finds it done', async () => {
    const url = await server.database();
    const { written } = await oldLedger(url);
    const log = captureLog();
    const [a, b] = await Promise.all([openPostgresBooks(pool(url)), openPostgresBooks(pool(url))]);
    expect(log.lines).toHaveLength(1);
    for (const entry of written) {
      expect(await a.get(entry.id)).toStrictEqual(entry);
      expect(await b.get(entry.id)).toStrictEqual(entry);
    }
    log.remove();
  });

  it('moves all or nothing: a row that cannot be moved leaves the books empty, and a later start moves everything', async () => {
    const url = await server.database();
    const setup = pool(url);
    await openPostgresStore(url, setup); // creates the keyv table
    // 1,200 entries (three pages of the move) and, sorting last, one whose time is not a number.
    const entries = Array.from({ length: 1200 }, (_, i) => pastEntry(T0 - i * 1000));
    const raw = (entry: unknown) => JSON.stringify({ value: entry, expires: null });
    await setup.query('INSERT INTO keyv (key, value) SELECT * FROM unnest($1::text[], $2::text[])', [entries.map((e) => `ledger:${e.id}`), entries.map(raw)]);
    await setup.query('INSERT INTO keyv (key, value) VALUES ($1, $2)', ['ledger:~broken', raw({ ...entries[0], id: '~broken', createdAt: 'yesterday' })]);

    await expect(openPostgresBooks(setup)).rejects.toMatchObject({ kind: 'storage', message: expect.stringContaining('ledger:~broken') });
    // The schema is part of the same transaction: nothing at all was left behind.
    expect((await setup.query(`SELECT to_regclass('proxycart_ledger') AS books`)).rows[0].books).toBeNull();

    await setup.query(`DELETE FROM keyv WHERE key = 'ledger:~broken'`);
    const books = await openPostgresBooks(setup);
    expect((await setup.query('SELECT count(*)::int AS n FROM proxycart_ledger')).rows[0].n).toBe(1200);
    expect(await books.get(entries[700]!.id)).toStrictEqual(entries[700]);
  });
});

describe('postgres books made before schema 2 (the watch columns)', () => {
  it('adds the columns and fills them from the entries already there, once', async () => {
    const url = await server.database();
    const first = await openPostgresBooks(pool(url));
    const soon = pastEntry(T0 - 28 * DAY_MS, {
      order: { id: 'OLD', status: 'active', state: 'active', total_usd: 10, proxies: [], expires_at: new Date(T0 + 5 * DAY_MS).toISOString() },
      recurring: { field: 'auto_renew', every: 'every 30 days', price_usd: 10, off: 'the dashboard' },
    });
    await first.append([soon, pastEntry(T0 - DAY_MS)]);
    // Back to schema 1: no watch columns or indexes, and the version says so.
    const admin = pool(url);
    await admin.query(`DROP INDEX proxycart_ledger_expiry, proxycart_ledger_watch_expiry, proxycart_ledger_armed, proxycart_ledger_watch_renewal`);
    await admin.query(`ALTER TABLE proxycart_ledger DROP COLUMN watch_key, DROP COLUMN expires_at, DROP COLUMN renewal`);
    await admin.query(`UPDATE proxycart_meta SET value = '1' WHERE key = 'schema'`);
    const said: string[] = [];
    const stop = addLogSink((_level, message) => said.push(message));
    try {
      const books = await openPostgresBooks(pool(url));
      expect((await books.expiring(false, T0 - 7 * DAY_MS, T0 + 7 * DAY_MS)).map((e) => e.id)).toEqual([soon.id]);
      expect((await books.recurring(false)).map((e) => e.id)).toEqual([soon.id]);
      expect((await admin.query(`SELECT value FROM proxycart_meta WHERE key = 'schema'`)).rows[0].value).toBe('2');
    } finally {
      stop();
    }
    expect(said.filter((m) => m.includes('indexed the expiry and renewal of 1 placed entries'))).toHaveLength(1);
  });
});

describe('postgres books at 100,000 past orders', () => {
  it('sums nothing old, reserves, pages the newest, and answers every question from an index', async () => {
    const url = await server.database();
    const statements: Array<{ text: string; values: unknown[] }> = [];
    const books = await openPostgresBooks(recording(pool(url), statements));
    const now = T0 + 10 * DAY_MS;
    // Past orders, a second apart, all older than 24 hours; a third per client, a few unknown.
    const past = Array.from({ length: 100_000 }, (_, i) =>
      pastEntry(now - DAY_MS - 1 - i * 1000, {
        identity: i % 3 === 0 ? 'token:alice' : undefined,
        provider: i % 2 ? 'proxyseller' : 'proxyjam',
        ...(i % 10_000 === 5 ? { status: 'outcome_unknown' as const, order: undefined, argsHash: `args-old-${i}` } : {}),
      }),
    );
    const seeded = Date.now();
    expect(await books.append(past)).toBe(100_000);
    const seedMs = Date.now() - seeded;

    expect(await books.spending(false, 'token:alice', now)).toEqual({ total: 0, identity: { name: 'token:alice', spent: 0 } });
    const fresh = intent({ total: 10, identity: 'token:alice' });
    expect((await books.reserve(fresh, { dailyBudgetUsd: 15 }, now)).outcome).toBe('reserved');
    expect(await books.reserve(intent({ total: 10 }), { dailyBudgetUsd: 15 }, now + 1)).toMatchObject({ outcome: 'over_budget', spending: { total: 10 } });

    const newest = past.slice(0, 20).map((e) => e.id);
    const first = await books.list({ sandbox: false, limit: 21 });
    expect(first.entries.map((e) => e.id)).toEqual([fresh.id, ...newest]);
    const second = await books.list({ sandbox: false, limit: 21, cursor: first.next });
    expect(second.entries.map((e) => e.id)).toEqual(past.slice(20, 41).map((e) => e.id));
    expect((await books.list({ sandbox: false, limit: 5, identity: 'token:alice', provider: 'proxyjam', state: 'active' })).entries.map((e) => e.id)).toEqual(
      past
        .filter((_, i) => i % 6 === 0 && i % 10_000 !== 5)
        .slice(0, 5)
        .map((e) => e.id),
    );

    // Every question once more, on a table the planner knows the size of: none may read the
    // table from end to end (a sequential scan), and the sums read an index alone.
    await books.record(fresh.id, { status: 'outcome_unknown' }, now + 2);
    await pool(url).query('VACUUM ANALYZE proxycart_ledger');
    statements.length = 0;
    await books.get(past[500]!.id);
    await books.byOrderId('proxyjam', past[500]!.order!.id);
    await books.spending(false, 'token:alice', now);
    await books.unresolved(fresh.argsHash);
    await books.unknownOutcomes(false, 'token:alice');
    await books.list({ sandbox: false, limit: 50, provider: 'proxyseller', cursor: first.next });
    await books.list({ sandbox: false, limit: 50, state: 'outcome_unknown' });
    await books.list({ sandbox: false, limit: 50, provider: 'proxyjam', state: 'active' });
    await books.list({ sandbox: false, limit: 50, identity: 'token:alice' });
    await books.orderIdsSince('proxyjam', now - 60_000);
    await books.expiring(false, now - 7 * DAY_MS, now + 7 * DAY_MS, 'token:alice');
    await books.recurring(false);
    for await (const _ of books.stream({ sandbox: false, from: now - 2 * DAY_MS })) break;
    await books.reserve(intent({ total: 1 }), unlimited, now + 3);
    const reads = statements.filter((s) => /^\s*SELECT\b/.test(s.text) && s.text.includes('proxycart_ledger'));
    expect(reads).toHaveLength(15);
    const admin = pool(url);
    for (const { text, values } of reads) {
      const plan = JSON.stringify((await admin.query(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows[0]['QUERY PLAN']);
      expect(plan, text).not.toContain('"Seq Scan"');
      // The sums read the index alone (a sum without an identity needs no second scan at all).
      if (text.includes('sum(charged_usd)')) expect(plan, text).toMatch(/^(?!.*"(Index|Bitmap Heap) Scan").*"Index Only Scan"/);
    }

    if (process.env.PROXYCART_LEDGER_TIMINGS) await printTimings(url, books, now, seedMs);
  }, 180_000);
});

/** The pool, with every statement run on it (directly or in a transaction) written to `into`. */
function recording(target: pg.Pool, into: Array<{ text: string; values: unknown[] }>): pg.Pool {
  const spy = <T extends object>(object: T): T =>
    new Proxy(object, {
      get(t, key) {
        const value = Reflect.get(t, key, t);
        if (key === 'query') {
          return (text: unknown, values: unknown[] = []) => {
            if (typeof text === 'string') into.push({ text, values });
            return (value as (...a: unknown[]) => unknown).call(t, text, values);
          };
        }
        if (key === 'connect') return async () => spy(await (value as () => Promise<object>).call(t));
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  return spy(target);
}

/** Median times of the money path's questions on 1 entry and on the 100,001 here (PROXYCART_LEDGER_TIMINGS=1). */
async function printTimings(url: string, grown: Books, now: number, seedMs: number): Promise<void> {
  const small = await openPostgresBooks(pool(await server.database()));
  await small.append([pastEntry(now - DAY_MS - 1)]);
  const median = async (work: (i: number) => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = process.hrtime.bigint();
      await work(i);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times.sort((a, b) => a - b)[100]!.toFixed(2);
  };
  const row = async (books: Books) => [
    await median((i) => books.reserve(intent({ total: 0.01 }), unlimited, now + 10 + i)),
    await median(() => books.spending(false, 'token:alice', now)),
    await median(() => books.list({ sandbox: false, limit: 50 })),
    await median(() => books.list({ sandbox: false, limit: 50, provider: 'proxyseller', state: 'active' })),
  ];
  const lines = [
    `postgres books (${url.replace(/\/[^/]*$/, '/…')}), median of 200 calls in ms: reserve | spending (+identity) | newest 50 | newest 50 by provider+state`,
    `1 entry:        ${(await row(small)).join(' | ')}`,
    `100,001 entries: ${(await row(grown)).join(' | ')}`,
    `seeding 100,000 with append: ${seedMs} ms`,
  ];
  console.log(lines.join('\n'));
}

describe('postgres books when the database goes away', () => {
  it('answers with a storage error, never a vendor error (nothing was sent)', async () => {
    const own = createPostgresPool(await server.database());
    const books = await openPostgresBooks(own);
    await own.end();
    await expect(books.get('any')).rejects.toMatchObject({ kind: 'storage', message: expect.stringContaining('Postgres ledger') });
    await expect(books.reserve(intent(), unlimited, T0)).rejects.toMatchObject({ kind: 'storage' });
    const stream = books.stream({})[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject({ kind: 'storage' });
  });
});
