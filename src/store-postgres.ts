import { KeyvPostgres } from '@keyv/postgres';
import Keyv from 'keyv';
import type pg from 'pg';
import { createPostgresPool, inTransaction, postgresError } from './postgres.js';
import { type AtomicDriver, KEYV_OPTIONS, Store } from './store.js';

// PROXYCART_STORE=postgres://…: the key-value part (quotes, approvals, catalog cache) in the
// table @keyv/postgres uses, `public.keyv (key VARCHAR(255) PRIMARY KEY, value TEXT)`, with
// the atomic operations as single statements on the same rows. Values are keyv's
// serialised envelopes and expire the way SQLite's do: by the `expires` inside them.

const TABLE = 'public.keyv';
// One lock id for creating the table: two processes starting at once would otherwise race
// in CREATE TABLE IF NOT EXISTS (which can fail with a duplicate catalog row).
const SCHEMA_LOCK = 0x70786b76; // 'pxkv'

/**
 * The store on `url`. With `pool` given, the caller owns it (and ends it after closing the
 * store); without, the store makes its own and ends it on close.
 */
export async function openPostgresStore(url: string, pool?: pg.Pool): Promise<Store> {
  const own = pool ?? createPostgresPool(url);
  const query = async (sql: string, values?: unknown[]) => (await own.query(sql, values)).rows as Array<Record<string, unknown>>;
  // @keyv/postgres 2.2 keeps one module-wide pool (swapped, not ended, when another URL
  // opens) and any instance's disconnect() ends whichever is current: this adapter runs its
  // queries on our pool instead, which only its owner ends.
  const Adapter = class extends KeyvPostgres {
    override async connect() {
      return query;
    }
  };
  let adapter: KeyvPostgres;
  try {
    await inTransaction(own, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    });
    adapter = new Adapter({ table: 'keyv', schema: 'public' });
    // Its constructor runs its own CREATE TABLE IF NOT EXISTS (a no-op now) without waiting:
    // wait here, so that nothing of the adapter's is still in flight on the pool.
    await adapter.query('SELECT 1');
  } catch (error) {
    if (!pool) await own.end().catch(() => undefined);
    throw postgresError(url, error);
  }

  const driver: AtomicDriver = {
    async getRaw(key) {
      const rows = await query(`SELECT value FROM ${TABLE} WHERE key = $1`, [key]);
      return rows[0]?.value as string | undefined;
    },
    async insertRaw(key, raw) {
      const rows = await query(`INSERT INTO ${TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`, [key, raw]);
      return rows.length === 1;
    },
    async swapRaw(key, expected, next) {
      const rows =
        next === undefined
          ? await query(`DELETE FROM ${TABLE} WHERE key = $1 AND value = $2 RETURNING key`, [key, expected])
          : await query(`UPDATE ${TABLE} SET value = $3 WHERE key = $1 AND value = $2 RETURNING key`, [key, expected, next]);
      return rows.length === 1;
    },
    // In key order from the prefix on, a page at a time: every key starting with the prefix
    // sorts at or after it in any collation, and the primary key serves the order.
    async *listRaw(prefix) {
      const pattern = `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
      let after = prefix;
      let first = true;
      for (;;) {
        const rows = await query(`SELECT key, value FROM ${TABLE} WHERE (key > $1 OR (key = $1 AND $2)) AND key LIKE $3 ORDER BY key LIMIT 500`, [
          after,
          first,
          pattern,
        ]);
        for (const row of rows) yield [row.key as string, row.value as string] as [string, string];
        if (rows.length < 500) return;
        after = rows.at(-1)!.key as string;
        first = false;
      }
    },
    async close() {
      if (!pool) await own.end();
    },
  };
  return new Store(new Keyv({ store: adapter, ...KEYV_OPTIONS }), driver, { kind: 'postgres', pool: own });
}
