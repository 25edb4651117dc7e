import type { Database } from 'sqlite3';
import { ProxycartError } from '../errors.js';
import type { Spending } from '../guard/policy.js';
import { log } from '../log.js';
import { roundCents } from '../money.js';
import { type Books, decodeCursor, type ExportQuery, encodeCursor, type ListQuery } from './books.js';
import { bookOf, DAY_MS, indexedFields, type LedgerEntry } from './entry.js';
import { version01Entry } from './version-01.js';

// The books in the data folder's SQLite file, beside keyv's table: one row per order with the
// columns every question filters or sums on, and an index per question, so a question reads
// only the rows it answers with. SQLite's own write lock orders writes across
// processes. The checks that must be atomic with a write are part of that write's one
// statement (reserve) or a compare-and-swap (record), so no lock outlives a statement; only
// the schema and the one-time move of 0.1 data take a `BEGIN IMMEDIATE` transaction.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_entries (
  id TEXT PRIMARY KEY,
  book TEXT NOT NULL,
  provider TEXT NOT NULL,
  identity TEXT,
  args_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  order_id TEXT,
  charged_usd REAL NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  entry TEXT NOT NULL
);
-- Newest pages of a book, and its 24-hour sum read from the index alone.
CREATE INDEX IF NOT EXISTS ledger_book ON ledger_entries (book, created_at, id, status, charged_usd);
CREATE INDEX IF NOT EXISTS ledger_book_identity ON ledger_entries (book, identity, created_at, id, status, charged_usd);
CREATE INDEX IF NOT EXISTS ledger_book_provider ON ledger_entries (book, provider, created_at, id);
CREATE INDEX IF NOT EXISTS ledger_book_state ON ledger_entries (book, state, created_at, id);
CREATE INDEX IF NOT EXISTS ledger_book_provider_state ON ledger_entries (book, provider, state, created_at, id);
CREATE INDEX IF NOT EXISTS ledger_time ON ledger_entries (created_at, id);
CREATE INDEX IF NOT EXISTS ledger_order ON ledger_entries (provider, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_provider_time ON ledger_entries (provider, created_at, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_unknown ON ledger_entries (args_hash, created_at) WHERE status = 'outcome_unknown';
CREATE INDEX IF NOT EXISTS ledger_unknown_book ON ledger_entries (book, created_at) WHERE status = 'outcome_unknown';
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

// The columns `proxycart_orders` watches orders by (see indexedFields), added to files made
// before them by ALTER TABLE and filled from the entries in the same transaction.
const WATCH_COLUMNS = [
  ['watch_key', 'TEXT'],
  ['expires_at', 'INTEGER'],
  ['renewal', 'TEXT'],
] as const;
const WATCH_INDEXES = `
-- Expiries in a window, and per order its newest entry that records one (an extend moves it).
CREATE INDEX IF NOT EXISTS ledger_expiry ON ledger_entries (book, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_watch_expiry ON ledger_entries (book, watch_key, created_at, id) WHERE expires_at IS NOT NULL;
-- Recurring charges armed, and per order its newest renewal decision.
CREATE INDEX IF NOT EXISTS ledger_armed ON ledger_entries (book, created_at) WHERE renewal = 'armed';
CREATE INDEX IF NOT EXISTS ledger_watch_renewal ON ledger_entries (book, watch_key, created_at, id) WHERE renewal IS NOT NULL;
`;

// The 24-hour sums, read from the covering indexes alone (parameters: book, since; book, identity, since).
const WINDOW_SUM = `(SELECT ROUND(COALESCE(SUM(charged_usd), 0), 2) FROM ledger_entries INDEXED BY ledger_book
  WHERE book = ? AND created_at >= ? AND status <> 'failed')`;
const IDENTITY_WINDOW_SUM = `(SELECT ROUND(COALESCE(SUM(charged_usd), 0), 2) FROM ledger_entries INDEXED BY ledger_book_identity
  WHERE book = ? AND identity = ? AND created_at >= ? AND status <> 'failed')`;

const COLUMNS = 'id, book, provider, identity, args_hash, status, state, order_id, charged_usd, created_at, updated_at, entry, watch_key, expires_at, renewal';
const STREAM_PAGE = 500;
// Rows per INSERT: 15 parameters each, well under SQLite's limit of 32,766.
const INSERT_BATCH = 200;

type Row = Record<string, unknown>;

/**
 * Opens the books in `file` (the store's SQLite file); `keyvTable` is where 0.1 kept its
 * entries as `ledger:<id>` rows, migrated here once on first open.
 */
export async function openSqliteBooks(sqlite3: typeof import('sqlite3'), file: string, keyvTable = 'keyv'): Promise<Books> {
  const db = await new Promise<Database>((resolve, reject) => {
    const opened: Database = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  const all = (sql: string, ...params: unknown[]) =>
    new Promise<Row[]>((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as Row[]))));
  const run = (sql: string, ...params: unknown[]) =>
    new Promise<number>((resolve, reject) =>
      db.run(sql, params, function (this: { changes: number }, error: Error | null) {
        if (error) reject(error);
        else resolve(this.changes);
      }),
    );
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));

  // One transaction at a time on this connection (schema, migration); other processes wait in SQLite's busy handler.
  let queue: Promise<unknown> = Promise.resolve();
  const transaction = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(async () => {
      await run('BEGIN IMMEDIATE');
      try {
        const result = await work();
        await run('COMMIT');
        return result;
      } catch (error) {
        await run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  };

  await exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;');
  await transaction(async () => {
    await exec(SCHEMA);
    await addWatchColumns(all, run);
    await exec(WATCH_INDEXES);
  });

  const rowOf = (entry: LedgerEntry) => {
    const f = indexedFields(entry);
    return [
      entry.id,
      f.book,
      entry.provider,
      entry.identity ?? null,
      entry.argsHash,
      entry.status,
      f.state,
      f.orderId,
      f.chargedUsd,
      entry.createdAt,
      entry.updatedAt,
      JSON.stringify(entry),
      f.watchKey,
      f.expiresAt,
      f.renewal,
    ];
  };
  /** Inserts entries whose id is new, many rows per statement; returns how many were new. */
  const insert = async (entries: readonly LedgerEntry[]): Promise<number> => {
    let added = 0;
    for (let at = 0; at < entries.length; at += INSERT_BATCH) {
      const batch = entries.slice(at, at + INSERT_BATCH);
      const values = batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      added += await run(`INSERT INTO ledger_entries (${COLUMNS}) VALUES ${values} ON CONFLICT(id) DO NOTHING`, ...batch.flatMap(rowOf));
    }
    return added;
  };
  const one = async (sql: string, ...params: unknown[]) => {
    const [row] = await all(sql, ...params);
    return row ? (JSON.parse(row.entry as string) as LedgerEntry) : undefined;
  };
  const many = async (sql: string, ...params: unknown[]) => (await all(sql, ...params)).map((row) => JSON.parse(row.entry as string) as LedgerEntry);

  const spendingAt = async (sandbox: boolean, identity: string | undefined, now: number): Promise<Spending> => {
    // No upper bound on time: an entry stamped by a node whose clock runs ahead counts too.
    const [row] = await all(
      `SELECT ${WINDOW_SUM} AS total, ${IDENTITY_WINDOW_SUM} AS own`,
      bookOf(sandbox),
      now - DAY_MS,
      bookOf(sandbox),
      identity ?? null,
      now - DAY_MS,
    );
    const total = roundCents(Number(row!.total));
    return identity === undefined ? { total } : { total, identity: { name: identity, spent: roundCents(Number(row!.own)) } };
  };

  await migrateVersion01(all, run, transaction, insert, keyvTable);

  return {
    get: (id) => one('SELECT entry FROM ledger_entries WHERE id = ?', id),
    byOrderId: (provider, orderId) => one('SELECT entry FROM ledger_entries WHERE provider = ? AND order_id = ? LIMIT 1', provider, orderId),
    spending: spendingAt,
    unresolved: (argsHash) => one(`SELECT entry FROM ledger_entries WHERE args_hash = ? AND status = 'outcome_unknown' ORDER BY created_at LIMIT 1`, argsHash),
    unknownOutcomes: (sandbox, identity) =>
      many(
        `SELECT entry FROM ledger_entries WHERE book = ? AND status = 'outcome_unknown' ${identity === undefined ? '' : 'AND identity = ?'} ORDER BY created_at DESC`,
        bookOf(sandbox),
        ...(identity === undefined ? [] : [identity]),
      ),
    // Per order only its newest entry that records an expiry (or a renewal decision) counts:
    // the NOT EXISTS is one probe of the per-order index for each entry the window holds.
    expiring: (sandbox, from, to, identity) =>
      many(
        `SELECT entry FROM ledger_entries e INDEXED BY ledger_expiry
         WHERE e.book = ? AND e.expires_at >= ? AND e.expires_at <= ? ${identity === undefined ? '' : 'AND e.identity = ?'}
           AND NOT EXISTS (SELECT 1 FROM ledger_entries n INDEXED BY ledger_watch_expiry
             WHERE n.book = e.book AND n.watch_key = e.watch_key AND n.expires_at IS NOT NULL AND (n.created_at, n.id) > (e.created_at, e.id))
         ORDER BY e.expires_at, e.id`,
        bookOf(sandbox),
        from,
        to,
        ...(identity === undefined ? [] : [identity]),
      ),
    recurring: (sandbox, identity) =>
      many(
        `SELECT entry FROM ledger_entries e INDEXED BY ledger_armed
         WHERE e.book = ? AND e.renewal = 'armed' ${identity === undefined ? '' : 'AND e.identity = ?'}
           AND NOT EXISTS (SELECT 1 FROM ledger_entries n INDEXED BY ledger_watch_renewal
             WHERE n.book = e.book AND n.watch_key = e.watch_key AND n.renewal IS NOT NULL AND (n.created_at, n.id) > (e.created_at, e.id))
         ORDER BY e.created_at DESC, e.id DESC`,
        bookOf(sandbox),
        ...(identity === undefined ? [] : [identity]),
      ),
    async reserve(entry, budget, now) {
      const written: LedgerEntry = { ...entry, status: 'submitting', createdAt: now, updatedAt: now };
      const book = bookOf(entry.sandbox ?? false);
      const amount = entry.quote.total_usd ?? 0;
      const identityBudget = entry.identity === undefined ? null : (budget.identityBudgetUsd ?? null);
      // One statement: SQLite takes its write lock when the statement starts and releases it
      // when it ends, so the sums and the insert are one atomic step across processes, and
      // no lock is held while this process does anything else.
      const inserted = await all(
        `INSERT INTO ledger_entries (${COLUMNS})
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM ledger_entries WHERE id = ?)
           AND ${WINDOW_SUM} + ? <= ? + 1e-9
           AND (? IS NULL OR ${IDENTITY_WINDOW_SUM} + ? <= ? + 1e-9)
         RETURNING id`,
        ...rowOf(written),
        entry.id,
        book,
        now - DAY_MS,
        amount,
        budget.dailyBudgetUsd,
        identityBudget,
        book,
        entry.identity ?? null,
        now - DAY_MS,
        amount,
        identityBudget,
      );
      if (inserted.length === 1) return { outcome: 'reserved', entry: written };
      // Refused: an entry with this id is forever, so its absence now means the budget said no.
      const [exists] = await all('SELECT 1 FROM ledger_entries WHERE id = ?', entry.id);
      if (exists) return { outcome: 'exists' };
      return { outcome: 'over_budget', spending: await spendingAt(entry.sandbox ?? false, entry.identity, now) };
    },
    async record(id, change, now) {
      // Read, merge, and write only if nobody wrote in between (compare-and-swap on the stored text).
      for (;;) {
        const [row] = await all('SELECT entry FROM ledger_entries WHERE id = ?', id);
        if (!row) throw new ProxycartError('not_found', 'The ledger entry of this order is missing.');
        const next: LedgerEntry = { ...(JSON.parse(row.entry as string) as LedgerEntry), ...change, updatedAt: now };
        const f = indexedFields(next);
        const changed = await run(
          'UPDATE ledger_entries SET status = ?, state = ?, order_id = ?, charged_usd = ?, updated_at = ?, entry = ?, watch_key = ?, expires_at = ?, renewal = ? WHERE id = ? AND entry = ?',
          next.status,
          f.state,
          f.orderId,
          f.chargedUsd,
          now,
          JSON.stringify(next),
          f.watchKey,
          f.expiresAt,
          f.renewal,
          id,
          row.entry,
        );
        if (changed === 1) return next;
      }
    },
    async list(query: ListQuery) {
      const where = ['book = ?'];
      const params: unknown[] = [bookOf(query.sandbox)];
      for (const [column, value] of [
        ['provider', query.provider],
        ['state', query.state],
        ['identity', query.identity],
      ] as const) {
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (after) {
        where.push('(created_at, id) < (?, ?)');
        params.push(after.createdAt, after.id);
      }
      const entries = await many(
        `SELECT entry FROM ledger_entries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
        ...params,
        query.limit + 1,
      );
      if (entries.length <= query.limit) return { entries };
      entries.length = query.limit;
      return { entries, next: encodeCursor(entries.at(-1)!) };
    },
    async orderIdsSince(provider, since) {
      const rows = await all('SELECT order_id FROM ledger_entries WHERE provider = ? AND created_at >= ? AND order_id IS NOT NULL', provider, since);
      return rows.map((row) => String(row.order_id));
    },
    async *stream(query: ExportQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.sandbox !== undefined) {
        where.push('book = ?');
        params.push(bookOf(query.sandbox));
      }
      if (query.identity !== undefined) {
        where.push('identity = ?');
        params.push(query.identity);
      }
      if (query.to !== undefined) {
        where.push('created_at < ?');
        params.push(query.to);
      }
      let after: [number, string] = [query.from ?? Number.MIN_SAFE_INTEGER, ''];
      for (;;) {
        const page = await many(
          `SELECT entry FROM ledger_entries WHERE ${[...where, '(created_at, id) > (?, ?)'].join(' AND ')} ORDER BY created_at, id LIMIT ?`,
          ...params,
          ...after,
          STREAM_PAGE,
        );
        yield* page;
        if (page.length < STREAM_PAGE) return;
        const last = page.at(-1)!;
        after = [last.createdAt, last.id];
      }
    },
    // Each statement is atomic and skips ids already present, so no transaction is needed.
    append: (entries) => insert(entries),
    async durabilityWarning() {
      return undefined;
    },
    close: () => new Promise<void>((resolve) => db.close(() => resolve())),
  };
}

/**
 * Adds the watch columns to a table made before them, and fills them from the entries
 * already there (placed entries that record an expiry or a renewal), in the caller's schema transaction.
 */
async function addWatchColumns(all: (sql: string, ...params: unknown[]) => Promise<Row[]>, run: (sql: string, ...params: unknown[]) => Promise<number>) {
  const present = new Set((await all('PRAGMA table_info(ledger_entries)')).map((column) => String(column.name)));
  const missing = WATCH_COLUMNS.filter(([name]) => !present.has(name));
  if (missing.length === 0) return;
  for (const [name, type] of missing) await run(`ALTER TABLE ledger_entries ADD COLUMN ${name} ${type}`);
  let after = '';
  let filled = 0;
  for (;;) {
    const rows = await all(`SELECT id, entry FROM ledger_entries WHERE status = 'placed' AND id > ? ORDER BY id LIMIT ?`, after, STREAM_PAGE);
    for (const row of rows) {
      const f = indexedFields(JSON.parse(row.entry as string) as LedgerEntry);
      if (f.expiresAt !== null || f.renewal !== null)
        filled += await run('UPDATE ledger_entries SET watch_key = ?, expires_at = ?, renewal = ? WHERE id = ?', f.watchKey, f.expiresAt, f.renewal, row.id);
    }
    if (rows.length < STREAM_PAGE) break;
    after = String(rows.at(-1)!.id);
  }
  if (filled > 0) log('info', `ledger: indexed the expiry and renewal of ${filled} placed entries for proxycart_orders (once)`);
}

/**
 * 0.1 kept each entry as a keyv row `ledger:<id>` (and `order:<provider>:<id>` pointers).
 * Move them into the table once, in one transaction: a second process starting at the same
 * time waits for the lock, then finds the marker and nothing left to move.
 */
async function migrateVersion01(
  all: (sql: string, ...params: unknown[]) => Promise<Row[]>,
  run: (sql: string, ...params: unknown[]) => Promise<number>,
  transaction: <T>(work: () => Promise<T>) => Promise<T>,
  insert: (entries: readonly LedgerEntry[]) => Promise<number>,
  keyvTable: string,
): Promise<void> {
  const [done] = await all(`SELECT 1 FROM ledger_meta WHERE key = 'migrated-0.1'`);
  if (done) return;
  const moved = await transaction(async () => {
    const [again] = await all(`SELECT 1 FROM ledger_meta WHERE key = 'migrated-0.1'`);
    if (again) return 0;
    let count = 0;
    const [table] = await all(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, keyvTable);
    if (table) {
      // The key range of the primary key, not LIKE: an index range even on a large table.
      const rows = await all(`SELECT key, value FROM "${keyvTable}" WHERE key >= 'ledger:' AND key < 'ledger;'`);
      // A row that is not an entry is left where it is.
      count = await insert(rows.flatMap((row) => version01Entry(String(row.key), String(row.value)) ?? []));
      await run(`DELETE FROM "${keyvTable}" WHERE (key >= 'ledger:' AND key < 'ledger;') OR (key >= 'order:' AND key < 'order;') OR key = 'lock:spend'`);
    }
    await run(`INSERT INTO ledger_meta (key, value) VALUES ('migrated-0.1', ?)`, new Date().toISOString());
    return count;
  });
  if (moved > 0) log('info', `ledger: moved ${moved} orders from the 0.1 format into the ledger table (once; nothing was lost)`);
}
