import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv from 'keyv';
import { ProxycartError } from './errors.js';
import { importPackage } from './import-package.js';
import { redact } from './redact.js';
import { loadSqliteDriver } from './sqlite-driver.js';
import { guarded, storageReason } from './storage-error.js';
import type { StoreUrl } from './store-url.js';

// Durable state (quotes, claims, the ledger) in keyv: SQLite by default, Redis or Postgres
// (store-postgres.ts) for teams sharing one server fleet, memory for tests. keyv gives get/set/delete/iterate with TTLs;
// the two atomic operations the money path needs (insert-if-absent and compare-and-swap)
// go to the backend directly, on the same keys and in the same serialised format.

interface Envelope {
  value: unknown;
  expires?: number;
}

/** The backend's own atomic primitives on serialised envelopes. */
export interface AtomicDriver {
  getRaw(key: string): Promise<string | undefined>;
  /** Write `raw` only if `key` holds nothing; true when written. */
  insertRaw(key: string, raw: string, ttlMs?: number): Promise<boolean>;
  /** Replace (or delete, when `next` is undefined) only if the key still holds `expected`. */
  swapRaw(key: string, expected: string, next: string | undefined, ttlMs?: number): Promise<boolean>;
  /** Every key starting with `prefix` and its value, where the backend can list them itself. */
  listRaw?(prefix: string): AsyncIterable<[string, string]>;
  close(): Promise<void>;
}

/** What the ledger opens its books on: the same backend as the key-value data, its own tables or keys. */
export type StoreBackend =
  | { kind: 'memory' }
  | { kind: 'sqlite'; file: string; table: string }
  | { kind: 'redis'; client: RedisClient }
  /** The store's pool: the books run their queries on it, and the store ends it. */
  | { kind: 'postgres'; pool: import('pg').Pool };

type RedisClient = Awaited<ReturnType<import('@keyv/redis').default<unknown>['getClient']>>;

export class Store {
  private readonly keyv: Keyv;
  private readonly driver: AtomicDriver;

  constructor(
    keyv: Keyv,
    driver: AtomicDriver,
    readonly backend: StoreBackend,
  ) {
    // keyv's default is to swallow a backend failure (a read answers "nothing", a write
    // answers false): on the money path that would read as "no such quote" or "no spending".
    keyv.throwOnErrors = true;
    keyv.on('error', () => undefined); // thrown to the caller instead
    this.keyv = keyv;
    this.driver = driver;
  }

  get<T>(key: string): Promise<T | undefined> {
    return guarded(async () => (await this.keyv.get(key)) as T | undefined);
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return guarded(async () => {
      if (!(await this.keyv.set(key, value, ttlMs))) throw new Error(`the write of ${key.split(':')[0]} was refused`);
    });
  }

  delete(key: string): Promise<void> {
    return guarded(async () => void (await this.keyv.delete(key)));
  }

  /** Every live entry whose key starts with `prefix`. */
  entries<T>(prefix: string): Promise<Array<[string, T]>> {
    return guarded(async () => {
      const out: Array<[string, T]> = [];
      if (this.driver.listRaw) {
        for await (const [key, raw] of this.driver.listRaw(prefix)) {
          if (!isExpired(raw)) out.push([key, parse(raw).value as T]);
        }
        return out;
      }
      if (!this.keyv.iterator) return out;
      for await (const [key, value] of this.keyv.iterator(undefined)) {
        if (typeof key === 'string' && key.startsWith(prefix) && value !== undefined) out.push([key, value as T]);
      }
      return out;
    });
  }

  /** Atomically create `key` when it is absent or expired. One caller wins across processes. */
  add(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return guarded(() => this.insert(key, value, ttlMs));
  }

  private async insert(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    const raw = serialise(value, ttlMs);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.driver.insertRaw(key, raw, ttlMs)) return true;
      const current = await this.driver.getRaw(key);
      if (current === undefined) continue; // deleted in between: try the insert again
      if (!isExpired(current)) return false;
      if (await this.driver.swapRaw(key, current, raw, ttlMs)) return true;
    }
    return false;
  }

  /**
   * Atomically read-modify-write `key`: `change` gets the current value (undefined when
   * absent) and returns the next one (undefined deletes). Retried when another writer got
   * in between, so `change` may run more than once and must not have side effects.
   * Returning `current` itself leaves the entry untouched.
   */
  update<T>(key: string, change: (current: T | undefined) => T | undefined, ttlMs?: number): Promise<T | undefined> {
    return guarded(() => this.swap(key, change, ttlMs));
  }

  private async swap<T>(key: string, change: (current: T | undefined) => T | undefined, ttlMs?: number): Promise<T | undefined> {
    for (;;) {
      const raw = await this.driver.getRaw(key);
      const live = raw !== undefined && !isExpired(raw) ? raw : undefined;
      const current = live === undefined ? undefined : (parse(live).value as T);
      const next = change(current);
      if (next === current) return next; // unchanged: keep the stored value and its expiry
      if (live === undefined) {
        if (next === undefined) return undefined;
        const written =
          raw === undefined
            ? await this.driver.insertRaw(key, serialise(next, ttlMs), ttlMs)
            : await this.driver.swapRaw(key, raw, serialise(next, ttlMs), ttlMs);
        if (written) return next;
      } else if (await this.driver.swapRaw(key, live, next === undefined ? undefined : serialise(next, ttlMs), ttlMs)) {
        return next;
      }
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

function serialise(value: unknown, ttlMs?: number): string {
  const envelope: Envelope = { value, expires: ttlMs ? Date.now() + ttlMs : undefined };
  return JSON.stringify(envelope);
}

function parse(raw: string): Envelope {
  return JSON.parse(raw) as Envelope;
}

function isExpired(raw: string): boolean {
  const { expires } = parse(raw);
  return typeof expires === 'number' && Date.now() > expires;
}

export const KEYV_OPTIONS = { namespace: undefined, useKeyPrefix: false, serialize: JSON.stringify, deserialize: JSON.parse } as const;

/** Opens the store; a store that cannot be opened is a `storage` error naming what to check. */
export async function openStore(url: StoreUrl): Promise<Store> {
  if (url.kind === 'memory') return openMemoryStore();
  if (url.kind === 'sqlite') {
    return openSqliteStore(url.file).catch((error: unknown) => {
      if (error instanceof ProxycartError) throw error;
      throw new ProxycartError('storage', `The store file ${url.file} cannot be opened for writing (${storageReason(error)}).`);
    });
  }
  if (url.kind === 'postgres') return (await import('./store-postgres.js')).openPostgresStore(url.url);
  return openRedisStore(url.url);
}

function openMemoryStore(): Store {
  const map = new Map<string, string>();
  const driver: AtomicDriver = {
    async getRaw(key) {
      return map.get(key);
    },
    async insertRaw(key, raw) {
      if (map.has(key)) return false;
      map.set(key, raw);
      return true;
    },
    async swapRaw(key, expected, next) {
      if (map.get(key) !== expected) return false;
      if (next === undefined) map.delete(key);
      else map.set(key, next);
      return true;
    },
    async close() {},
  };
  return new Store(new Keyv({ store: map, ...KEYV_OPTIONS }), driver, { kind: 'memory' });
}

async function openSqliteStore(file: string): Promise<Store> {
  loadSqliteDriver(); // before @keyv/sqlite imports it: a driver that cannot load must not end the process
  mkdirSync(dirname(file), { recursive: true });
  const { default: KeyvSqlite } = await importPackage<typeof import('@keyv/sqlite')>('@keyv/sqlite');
  // busyTimeout: several server processes may share one file and write at the same moment.
  const sqlite = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
  const table = sqlite.opts.table as string;
  const query = sqlite.query as (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;
  await query('PRAGMA journal_mode=WAL');
  const driver: AtomicDriver = {
    async getRaw(key) {
      const rows = await query(`SELECT value FROM ${table} WHERE key = ?`, key);
      return rows[0]?.value as string | undefined;
    },
    async insertRaw(key, raw) {
      const rows = await query(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING RETURNING key`, key, raw);
      return rows.length === 1;
    },
    async swapRaw(key, expected, next) {
      const rows =
        next === undefined
          ? await query(`DELETE FROM ${table} WHERE key = ? AND value = ? RETURNING key`, key, expected)
          : await query(`UPDATE ${table} SET value = ? WHERE key = ? AND value = ? RETURNING key`, next, key, expected);
      return rows.length === 1;
    },
    async close() {
      await sqlite.close();
    },
  };
  return new Store(new Keyv({ store: sqlite, ...KEYV_OPTIONS }), driver, { kind: 'sqlite', file, table });
}

// Compare-and-swap in one Redis round trip (the script runs atomically on the server).
const REDIS_SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) return 1 end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

const REDIS_ADVICE =
  'Nothing was sent to a vendor. Check that Redis is running and accepts connections at the address in PROXYCART_STORE (host, port, password; rediss:// for TLS), or point PROXYCART_STORE at another store.';

async function openRedisStore(url: string): Promise<Store> {
  const { default: KeyvRedis } = await importPackage<typeof import('@keyv/redis')>('@keyv/redis');
  // The first connection is tried once: a refused or failed connect is the answer at once,
  // not retried until a time limit (every call would wait for it). Once connected, a lost
  // connection is retried in the background. No offline queue: while Redis is away a command
  // fails at once (an error result) rather than waiting for a reconnect.
  let connected = false;
  let cause: unknown;
  const reconnectStrategy = (retries: number) => (connected ? Math.min(2 ** retries * 100, 2_000) : false);
  const redis = new KeyvRedis(
    { url, disableOfflineQueue: true, socket: { connectTimeout: 5_000, reconnectStrategy } },
    { throwOnErrors: true, throwOnConnectError: true },
  );
  // Reported through the failing command instead; the first one is the cause of a failed connect.
  redis.on('error', (error: unknown) => {
    cause ??= error;
  });
  let timer: NodeJS.Timeout | undefined;
  const unreachable = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProxycartError('storage', `PROXYCART_STORE: Redis at ${redact(url)} did not answer within 5 s.`, { advice: REDIS_ADVICE })),
      5_000,
    );
  });
  const client = await Promise.race([redis.getClient(), unreachable])
    .catch(async (error: unknown) => {
      await redis.disconnect().catch(() => undefined);
      if (error instanceof ProxycartError) throw error;
      throw new ProxycartError('storage', `PROXYCART_STORE: cannot connect to Redis at ${redact(url)} (${storageReason(cause ?? error)}).`, {
        advice: REDIS_ADVICE,
      });
    })
    .finally(() => clearTimeout(timer));
  connected = true;
  const driver: AtomicDriver = {
    async getRaw(key) {
      const value = await client.get(key);
      return value === null ? undefined : String(value);
    },
    async insertRaw(key, raw, ttlMs) {
      const result = await client.set(key, raw, ttlMs ? { NX: true, PX: ttlMs } : { NX: true });
      return result === 'OK';
    },
    async swapRaw(key, expected, next, ttlMs) {
      const result = await client.eval(REDIS_SWAP, { keys: [key], arguments: [expected, next ?? '', String(ttlMs ?? 0)] });
      return Number(result) === 1;
    },
    // keyv's Redis iterator scans every key and then reads them with MGET; a key deleted in
    // between (a used quote, the spend lock) comes back null and makes keyv throw. Scan only
    // the prefix, and skip what vanished.
    async *listRaw(prefix) {
      let cursor = '0';
      do {
        const page = await client.scan(cursor, { MATCH: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 500 });
        cursor = String(page.cursor);
        if (page.keys.length === 0) continue;
        const values = await client.mGet(page.keys);
        for (const [i, key] of page.keys.entries()) {
          const value = values[i];
          if (value !== null && value !== undefined) yield [String(key), String(value)] as [string, string];
        }
      } while (cursor !== '0');
    },
    async close() {
      await redis.disconnect();
    },
  };
  return new Store(new Keyv({ store: redis, ...KEYV_OPTIONS }), driver, { kind: 'redis', client });
}
