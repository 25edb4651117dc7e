import type pg from 'pg';
import { ProxycartError } from '../errors.js';
import type { Spending } from '../guard/policy.js';
import { log } from '../log.js';
import { roundCents } from '../money.js';
import { inTransaction, postgresReason } from '../postgres.js';
import { type Books, decodeCursor, type ExportQuery, encodeCursor, type ListQuery } from './books.js';
import { bookOf, DAY_MS, indexedFields, type LedgerEntry } from './entry.js';
import { version01Entry } from './version-01.js';

// The books of PROXYCART_STORE=postgres://…: one row per entry, the fields every question
// filters on as columns beside the entry itself, and an index for each question, so that
// each is a range scan of an index whatever the size of the history.
//
// The entry is kept as `json` (not `jsonb`): json keeps the text JSON.stringify wrote, so an
// entry reads back exactly as written, numbers and all. `id` sorts bytewise (COLLATE "C") like
// JavaScript's string comparison, which the memory books and the page cursor use.

const TABLE = 'proxycart_ledger';
const META = 'proxycart_meta';
const MIGRATED = 'ledger migrated from keyv';
/** The keyv table of the Postgres store (store-postgres.ts), where a 0.1-style ledger would be. */
const KEYV = 'public.keyv';

// Advisory locks are two int4 keys: ('pxlg', what). Transaction-scoped: released at commit or
// rollback (also when the connection dies), never by a timer.
const LOCK_CLASS = 0x70786c67;
const LOCK_SCHEMA = 0;
const lockOfBook = (book: 'live' | 'sandbox') => (book === 'live' ? 1 : 2);

const PAGE = 500;
/** Raised when SCHEMA changes, so that a running database gets the new tables or indexes. */
const SCHEMA_VERSION = '2';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
    id text COLLATE "C" PRIMARY KEY,
    book text NOT NULL CHECK (book IN ('live', 'sandbox')),
    provider text NOT NULL,
    identity text,
    args_hash text NOT NULL,
    status text NOT NULL,
    state text NOT NULL,
    order_id text,
    charged_usd numeric NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    entry json NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS ${META} (key text PRIMARY KEY, value text NOT NULL)`,
  // Pages of a book, newest first (scanned backwards), and the 24-hour sum of a book: the
  // INCLUDEd columns let the sum be read from the index alone.
  `CREATE INDEX IF NOT EXISTS ${TABLE}_book ON ${TABLE} (book, created_at, id) INCLUDE (status, charged_usd)`,
  // The same per client identity.
  `CREATE INDEX IF NOT EXISTS ${TABLE}_identity ON ${TABLE} (book, identity, created_at, id) INCLUDE (status, charged_usd)`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_provider ON ${TABLE} (book, provider, created_at, id)`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_state ON ${TABLE} (book, state, created_at, id)`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_provider_state ON ${TABLE} (book, provider, state, created_at, id)`,
  // Unknown outcomes are few at any time: a small partial index serves both questions on them.
  `CREATE INDEX IF NOT EXISTS ${TABLE}_unknown_args ON ${TABLE} (args_hash, created_at, id) WHERE status = 'outcome_unknown'`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_unknown_book ON ${TABLE} (book, created_at, id) WHERE status = 'outcome_unknown'`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_order ON ${TABLE} (provider, order_id) WHERE order_id IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_order_since ON ${TABLE} (provider, created_at) INCLUDE (order_id) WHERE order_id IS NOT NULL`,
  // The export of every book at once, oldest first.
  `CREATE INDEX IF NOT EXISTS ${TABLE}_created ON ${TABLE} (created_at, id)`,
  // Schema 2: what proxycart_orders watches orders by (see indexedFields); filled for older rows by createSchema.
  `ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS watch_key text, ADD COLUMN IF NOT EXISTS expires_at bigint, ADD COLUMN IF NOT EXISTS renewal text`,
  // Expiries in a window, and per order its newest entry that records one (an extend moves it).
  `CREATE INDEX IF NOT EXISTS ${TABLE}_expiry ON ${TABLE} (book, expires_at) WHERE expires_at IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_watch_expiry ON ${TABLE} (book, watch_key, created_at, id) WHERE expires_at IS NOT NULL`,
  // Recurring charges armed, and per order its newest renewal decision.
  `CREATE INDEX IF NOT EXISTS ${TABLE}_armed ON ${TABLE} (book, created_at, id) WHERE renewal = 'armed'`,
  `CREATE INDEX IF NOT EXISTS ${TABLE}_watch_renewal ON ${TABLE} (book, watch_key, created_at, id) WHERE renewal IS NOT NULL`,
];

const COLUMNS = 'id, book, provider, identity, args_hash, status, state, order_id, charged_usd, created_at, updated_at, entry, watch_key, expires_at, renewal';
const COLUMN_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'numeric', 'bigint', 'bigint', 'json', 'text', 'bigint', 'text'];

function row(entry: LedgerEntry): unknown[] {
  const { book, state, chargedUsd, orderId, watchKey, expiresAt, renewal } = indexedFields(entry);
  return [
    entry.id,
    book,
    entry.provider,
    entry.identity ?? null,
    entry.argsHash,
    entry.status,
    state,
    orderId,
    chargedUsd,
    entry.createdAt,
    entry.updatedAt,
    JSON.stringify(entry),
    watchKey,
    expiresAt,
    renewal,
  ];
}

// The 24-hour window starts at now - 24 h (that edge counts) and has no end: an entry stamped
// by a node whose clock runs ahead of ours counts too.
const SPENDING = `SELECT
  (SELECT coalesce(sum(charged_usd), 0) FROM ${TABLE}
    WHERE book = $1 AND created_at >= $2 AND status <> 'failed') AS total,
  (SELECT coalesce(sum(charged_usd), 0) FROM ${TABLE}
    WHERE book = $1 AND identity = $3 AND created_at >= $2 AND status <> 'failed') AS own`;

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

async function spendingOn(db: Queryable, sandbox: boolean, identity: string | undefined, now: number): Promise<Spending> {
  const { rows } = await db.query(SPENDING, [bookOf(sandbox), now - DAY_MS, identity ?? null]);
  const total = roundCents(Number(rows[0].total));
  return identity === undefined ? { total } : { total, identity: { name: identity, spent: roundCents(Number(rows[0].own)) } };
}

/** Rows written in one multi-row INSERT (arrays unnested), existing ids left alone; how many were new. */
async function insertRows(db: Queryable, entries: readonly LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const rows = entries.map(row);
  const columns = COLUMN_TYPES.map((_, i) => rows.map((r) => r[i]));
  const unnest = COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  const result = await db.query(`INSERT INTO ${TABLE} (${COLUMNS}) SELECT * FROM unnest(${unnest}) ON CONFLICT (id) DO NOTHING`, columns);
  return result.rowCount ?? 0;
}

/**
 * The books in the database `pool` connects to: tables and indexes are created if missing,
 * and a 0.1-style ledger in the store's keyv table is moved over once. The caller owns the
 * pool: `close()` leaves it open (the store or the runtime that made it ends it).
 */
export async function openPostgresBooks(pool: pg.Pool): Promise<Books> {
  await storage(() =>
    inTransaction(pool, async (client) => {
      // Two processes opening at once: the second waits here, then finds it all done.
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_SCHEMA]);
      await createSchema(client);
      await migrateFromKeyv(client);
    }),
  );

  const books: Books = {
    get: (id) =>
      storage(async () => {
        const { rows } = await pool.query(`SELECT entry FROM ${TABLE} WHERE id = $1`, [id]);
        return rows[0]?.entry as LedgerEntry | undefined;
      }),

    byOrderId: (provider, orderId) =>
      storage(async () => {
        // Should two entries ever name one vendor order, the one recorded last answers.
        const { rows } = await pool.query(
          `SELECT entry FROM ${TABLE} WHERE provider = $1 AND order_id = $2 AND order_id IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 1`,
          [provider, orderId],
        );
        return rows[0]?.entry as LedgerEntry | undefined;
      }),

    spending: (sandbox, identity, now) => storage(() => spendingOn(pool, sandbox, identity, now)),

    unresolved: (argsHash) =>
      storage(async () => {
        const { rows } = await pool.query(`SELECT entry FROM ${TABLE} WHERE args_hash = $1 AND status = 'outcome_unknown' ORDER BY created_at, id LIMIT 1`, [
          argsHash,
        ]);
        return rows[0]?.entry as LedgerEntry | undefined;
      }),

    unknownOutcomes: (sandbox, identity) =>
      storage(async () => {
        const { rows } = await pool.query(
          `SELECT entry FROM ${TABLE} WHERE book = $1 AND status = 'outcome_unknown' AND ($2::text IS NULL OR identity = $2)
           ORDER BY created_at DESC, id DESC`,
          [bookOf(sandbox), identity ?? null],
        );
        return rows.map((r) => r.entry as LedgerEntry);
      }),

    // Per order only its newest entry that records an expiry (or a renewal decision) counts:
    // the NOT EXISTS is one probe of the per-order index for each entry the window holds.
    expiring: (sandbox, from, to, identity) =>
      storage(async () => {
        const { rows } = await pool.query(
          `SELECT e.entry FROM ${TABLE} e
           WHERE e.book = $1 AND e.expires_at >= $2 AND e.expires_at <= $3 AND ($4::text IS NULL OR e.identity = $4)
             AND NOT EXISTS (SELECT 1 FROM ${TABLE} n
               WHERE n.book = e.book AND n.watch_key = e.watch_key AND n.expires_at IS NOT NULL AND (n.created_at, n.id) > (e.created_at, e.id))
           ORDER BY e.expires_at, e.id`,
          [bookOf(sandbox), from, to, identity ?? null],
        );
        return rows.map((r) => r.entry as LedgerEntry);
      }),

    recurring: (sandbox, identity) =>
      storage(async () => {
        const { rows } = await pool.query(
          `SELECT e.entry FROM ${TABLE} e
           WHERE e.book = $1 AND e.renewal = 'armed' AND ($2::text IS NULL OR e.identity = $2)
             AND NOT EXISTS (SELECT 1 FROM ${TABLE} n
               WHERE n.book = e.book AND n.watch_key = e.watch_key AND n.renewal IS NOT NULL AND (n.created_at, n.id) > (e.created_at, e.id))
           ORDER BY e.created_at DESC, e.id DESC`,
          [bookOf(sandbox), identity ?? null],
        );
        return rows.map((r) => r.entry as LedgerEntry);
      }),

    reserve: (entry, budget, now) =>
      storage(() =>
        inTransaction(pool, async (client) => {
          const book = bookOf(entry.sandbox ?? false);
          // One reservation at a time per book, across every process and node on this
          // database: the sums below and the insert see no other reservation in between.
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lockOfBook(book)]);
          if ((await client.query(`SELECT 1 FROM ${TABLE} WHERE id = $1`, [entry.id])).rowCount) return { outcome: 'exists' as const };
          // Entries stamped after `now` count too: another node's clock may run ahead of ours,
          // and what it reserved is spent all the same.
          const spent = await spendingOn(client, entry.sandbox ?? false, entry.identity, now);
          const amount = entry.quote.total_usd ?? 0;
          const overIdentity = budget.identityBudgetUsd !== undefined && spent.identity && spent.identity.spent + amount > budget.identityBudgetUsd + 1e-9;
          if (spent.total + amount > budget.dailyBudgetUsd + 1e-9 || overIdentity) return { outcome: 'over_budget' as const, spending: spent };
          const written: LedgerEntry = { ...entry, status: 'submitting', createdAt: now, updatedAt: now };
          // An id taken meanwhile in the other book (the lock is per book) is still `exists`.
          if ((await insertRows(client, [written])) === 0) return { outcome: 'exists' as const };
          return { outcome: 'reserved' as const, entry: written };
        }),
      ),

    record: (id, change, now) =>
      storage(() =>
        inTransaction(pool, async (client) => {
          const { rows } = await client.query(`SELECT entry FROM ${TABLE} WHERE id = $1 FOR UPDATE`, [id]);
          if (rows.length === 0) throw new ProxycartError('not_found', 'The ledger entry of this order is missing.');
          const next: LedgerEntry = { ...(rows[0].entry as LedgerEntry), ...change, updatedAt: now };
          // Every column again from the merged entry, so that they can never disagree with it.
          const columns = COLUMNS.split(', ').slice(1);
          const assigned = columns.map((_, n) => `$${n + 2}`).join(', ');
          await client.query(`UPDATE ${TABLE} SET (${columns.join(', ')}) = (${assigned}) WHERE id = $1`, row(next));
          return next;
        }),
      ),

    list: (query) =>
      storage(async () => {
        const { where, values } = listFilter(query);
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        if (after) {
          values.push(after.createdAt, after.id);
          where.push(`(created_at, id) < ($${values.length - 1}, $${values.length})`);
        }
        values.push(query.limit + 1);
        const { rows } = await pool.query(
          `SELECT entry FROM ${TABLE} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
          values,
        );
        const entries = rows.slice(0, query.limit).map((r) => r.entry as LedgerEntry);
        return rows.length > query.limit ? { entries, next: encodeCursor(entries.at(-1)!) } : { entries };
      }),

    orderIdsSince: (provider, since) =>
      storage(async () => {
        const { rows } = await pool.query(
          `SELECT order_id FROM ${TABLE} WHERE provider = $1 AND order_id IS NOT NULL AND created_at >= $2 ORDER BY created_at DESC`,
          [provider, since],
        );
        return rows.map((r) => r.order_id as string);
      }),

    stream: (query) => streamEntries(pool, query),

    append: (entries) =>
      storage(async () => {
        let added = 0;
        for (let i = 0; i < entries.length; i += 1000) added += await insertRows(pool, entries.slice(i, i + 1000));
        return added;
      }),

    async durabilityWarning() {
      // Postgres commits are durable (WAL, fsync) unless its operator turned that off.
      return undefined;
    },

    async close() {
      // The pool is the caller's (see above): nothing of the books' own to release.
    },
  };
  return books;
}

function listFilter(query: ListQuery): { where: string[]; values: unknown[] } {
  const where = ['book = $1'];
  const values: unknown[] = [bookOf(query.sandbox)];
  for (const [column, value] of [
    ['provider', query.provider],
    ['state', query.state],
    ['identity', query.identity],
  ] as const) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} = $${values.length}`);
  }
  return { where, values };
}

/** Oldest first, one keyset page at a time: only a page is ever held, however long the books. */
async function* streamEntries(pool: pg.Pool, query: ExportQuery): AsyncGenerator<LedgerEntry> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (at: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (query.sandbox !== undefined) add((at) => `book = ${at}`, bookOf(query.sandbox));
  if (query.identity !== undefined) add((at) => `identity = ${at}`, query.identity);
  if (query.from !== undefined) add((at) => `created_at >= ${at}`, query.from);
  if (query.to !== undefined) add((at) => `created_at < ${at}`, query.to);
  let after: LedgerEntry | undefined;
  for (;;) {
    const page = [...values];
    const clauses = [...where];
    if (after) {
      page.push(after.createdAt, after.id);
      clauses.push(`(created_at, id) > ($${page.length - 1}, $${page.length})`);
    }
    page.push(PAGE);
    const filter = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const { rows } = await storage(() => pool.query(`SELECT entry FROM ${TABLE} ${filter} ORDER BY created_at, id LIMIT $${page.length}`, page));
    for (const r of rows) yield r.entry as LedgerEntry;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.entry as LedgerEntry;
  }
}

/**
 * Tables and indexes, once per schema version. Skipped when done: CREATE INDEX IF NOT EXISTS
 * locks the table against writes before it finds the index there, which would hold up
 * every node's orders while another node starts.
 */
async function createSchema(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query(`SELECT to_regclass($1) AS meta`, [META]);
  if (rows[0].meta && (await client.query(`SELECT 1 FROM ${META} WHERE key = 'schema' AND value = $1`, [SCHEMA_VERSION])).rowCount) return;
  for (const statement of SCHEMA) await client.query(statement);
  await fillWatchColumns(client);
  await client.query(`INSERT INTO ${META} (key, value) VALUES ('schema', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [SCHEMA_VERSION]);
}

/** Fills the schema-2 columns of placed rows written before them that record an expiry or a renewal (once: the schema version then says 2). */
async function fillWatchColumns(client: pg.PoolClient): Promise<void> {
  let after = '';
  let filled = 0;
  for (;;) {
    const { rows } = await client.query(`SELECT id, entry FROM ${TABLE} WHERE status = 'placed' AND watch_key IS NULL AND id > $1 ORDER BY id LIMIT $2`, [
      after,
      PAGE,
    ]);
    const fields = rows
      .map((r) => ({ id: r.id as string, ...indexedFields(r.entry as LedgerEntry) }))
      .filter((f) => f.expiresAt !== null || f.renewal !== null);
    if (fields.length > 0) {
      const result = await client.query(
        `UPDATE ${TABLE} t SET watch_key = f.watch_key, expires_at = f.expires_at, renewal = f.renewal
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS f(id, watch_key, expires_at, renewal) WHERE t.id = f.id`,
        [fields.map((f) => f.id), fields.map((f) => f.watchKey), fields.map((f) => f.expiresAt), fields.map((f) => f.renewal)],
      );
      filled += result.rowCount ?? 0;
    }
    if (rows.length < PAGE) break;
    after = rows.at(-1)!.id as string;
  }
  if (filled > 0) log('info', `ledger: indexed the expiry and renewal of ${filled} placed entries for proxycart_orders (once)`);
}

/**
 * Moves the entries of a ledger kept in the keyv table (`ledger:<id>` rows, as 0.1 wrote
 * them) into the books, once: in the caller's transaction, under the schema lock, and marked
 * done in the same transaction, so that a crash leaves either nothing or everything moved.
 * The keyv rows stay where they are (a downgrade still finds them).
 */
async function migrateFromKeyv(client: pg.PoolClient): Promise<void> {
  if ((await client.query(`SELECT 1 FROM ${META} WHERE key = $1`, [MIGRATED])).rowCount) return;
  let moved = 0;
  let found = 0;
  if ((await client.query(`SELECT to_regclass($1) AS keyv`, [KEYV])).rows[0].keyv) {
    let after = 'ledger:';
    for (;;) {
      // Keyset pages in key order: every `ledger:` key sorts after the bare prefix.
      const { rows } = await client.query(`SELECT key, value FROM ${KEYV} WHERE key > $1 AND starts_with(key, 'ledger:') ORDER BY key LIMIT $2`, [after, PAGE]);
      const entries = rows.map((r) => keyvEntry(r.key as string, r.value as string));
      found += entries.length;
      moved += await insertRows(client, entries);
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.key as string;
    }
  }
  await client.query(`INSERT INTO ${META} (key, value) VALUES ($1, $2)`, [MIGRATED, JSON.stringify({ at: Date.now(), found, moved })]);
  if (moved > 0) log('info', `ledger: moved ${moved} entries of the key-value ledger (proxycart 0.1) into the ${TABLE} table`);
}

/** The entry in a keyv row; a row that is not one stops the move (a money record is never dropped quietly). */
function keyvEntry(key: string, raw: string): LedgerEntry {
  const entry = version01Entry(key, raw);
  if (!entry) {
    throw new ProxycartError(
      'storage',
      `The keyv row ${key.slice(0, 120)} is not a proxycart 0.1 ledger entry, so the 0.1 ledger was not moved (nothing of it was).`,
      {
        advice:
          'Nothing was sent to a vendor. Look at that row of the keyv table (a backup, or a write by another program?): repair or delete it, then start proxycart again.',
      },
    );
  }
  return entry;
}

/** Database failures become `storage` errors (nothing was sent to a vendor); our own refusals pass through. */
async function storage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProxycartError) throw error;
    throw new ProxycartError('storage', `The Postgres ledger could not be read or written (${postgresReason(error)}).`);
  }
}
