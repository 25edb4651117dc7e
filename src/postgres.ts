import pg from 'pg';
import { ProxycartError } from './errors.js';
import { redact, registerSecret } from './redact.js';

// What the Postgres store (store-postgres.ts) and the Postgres books (ledger/postgres.ts)
// share: one pool per URL, failures told without the password, and transactions. Loaded
// only when PROXYCART_STORE is postgres://, never at start-up.

const ADVICE =
  'Nothing was sent to a vendor. Check that the Postgres server in PROXYCART_STORE is running and reachable from this machine, that its user, password and database exist, and that the user may create tables there.';

/** The URL as a person may see it: no password, no query (libpq takes `?password=` too). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${parsed.username}${parsed.password ? ':***' : ''}@` : '';
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres://… (not a valid URL)';
  }
}

/**
 * A pool on `url`; whoever calls this owns the pool and ends it. The password becomes a
 * registered secret first, so that no error or log line can carry it from here on.
 */
export function createPostgresPool(url: string): pg.Pool {
  try {
    const parsed = new URL(url);
    registerSecret(decodeURIComponent(parsed.password) || undefined);
    registerSecret(parsed.searchParams.get('password') ?? undefined);
  } catch {
    // Not a URL: pg's own parser reports it on the first query.
  }
  // connectionTimeoutMillis: an unreachable server fails a call within seconds rather than
  // hanging it; statement_timeout bounds a query stuck behind a lock the same way.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, statement_timeout: 30_000 });
  // An idle connection the server drops emits `error` on the pool; unheard, it would end the
  // process. The next query simply takes a fresh connection.
  pool.on('error', () => undefined);
  return pool;
}

/** A failure talking to Postgres as a `storage` error naming the server (never its password). */
export function postgresError(url: string, error: unknown): ProxycartError {
  if (error instanceof ProxycartError) return error;
  return new ProxycartError('storage', `PROXYCART_STORE: Postgres at ${describePostgresUrl(url)} failed (${postgresReason(error)}).`, { advice: ADVICE });
}

export function postgresReason(error: unknown): string {
  if (!(error instanceof Error)) return redact(String(error)).slice(0, 200);
  // A server's own error (`database "x" does not exist`) says more than its SQLSTATE; a
  // socket error's message is often empty (AggregateError) where its code is not.
  const server = 'severity' in error;
  const code = (error as NodeJS.ErrnoException).code;
  return redact(server || !code ? error.message || String(code) : code).slice(0, 200);
}

/** Run `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
