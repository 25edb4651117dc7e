import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store.js';
import { openPostgresStore } from '../../src/store-postgres.js';
import { type PostgresServer, postgresServer } from '../postgres-server.js';

// What only a network Postgres store has to get right (store.test.ts runs the common cases
// against it): two processes on one database, listing past a page, who ends the pool, and
// failures that name the server without its password.

let server: PostgresServer;
let url: string;
const stores: Store[] = [];
const open = async (pool?: pg.Pool) => {
  const store = pool ? await openPostgresStore(url, pool) : await openStore({ kind: 'postgres', url });
  stores.push(store);
  return store;
};

beforeAll(async () => {
  server = await postgresServer();
  url = await server.database();
});
afterAll(async () => {
  for (const store of stores.splice(0)) await store.close();
  await server.stop();
});

describe('postgres store shared by two processes', () => {
  it('lets exactly one of two connection pools win a claim, and loses no concurrent update', async () => {
    // Two stores opened at once also race to create the table.
    const [a, b] = await Promise.all([open(), open()]);
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).add('claim:shared', i)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await a.get('claim:shared')).toBe(claims.indexOf(true));
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).update<number>('counter:shared', (n) => (n ?? 0) + 1)));
    expect(await b.get('counter:shared')).toBe(30);
  });

  it('lists a prefix past one page, taking LIKE wildcards in the prefix literally', async () => {
    const store = await open();
    const keys = Array.from({ length: 1234 }, (_, i) => `list_%:${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 200) await Promise.all(keys.slice(i, i + 200).map((key, j) => store.set(key, i + j)));
    await store.set('listX%:9999', 'not under the prefix');
    await store.set('list_%', 'the prefix itself is not under it either');
    await store.set('list_%:gone', 'expired', 1);
    await new Promise((r) => setTimeout(r, 5));
    const listed = await store.entries<number>('list_%:');
    expect(listed.map(([key]) => key)).toEqual(keys);
    expect(listed.map(([, value]) => value)).toEqual(keys.map((_, i) => i));
  });
});

describe('postgres store pool ownership', () => {
  it('ends a pool it made on close, and leaves a pool it was given open', async () => {
    const given = new pg.Pool({ connectionString: url, max: 2 });
    const borrowed = await openPostgresStore(url, given);
    await borrowed.set('k:borrowed', 1);
    await borrowed.close();
    expect((await given.query('SELECT count(*)::int AS n FROM keyv')).rows[0].n).toBeGreaterThan(0);
    await given.end();

    const owned = await openStore({ kind: 'postgres', url });
    await owned.close();
    await expect(owned.get('k:borrowed')).rejects.toMatchObject({ kind: 'storage' });
  });
});

describe('an unusable Postgres', () => {
  const password = 's3cret-Pa55/word';
  const withPassword = (base: string, database: string, user = 'proxycart') => {
    const next = new URL(base);
    next.username = user;
    next.password = encodeURIComponent(password);
    next.pathname = `/${database}`;
    return next.toString();
  };
  const leaks = (error: unknown) => {
    const { message, advice } = error as { message: string; advice: string };
    return [message, advice].some((text) => text.includes('s3cret') || text.includes(encodeURIComponent(password)));
  };

  it('fails to open within seconds with a storage error that names the server but not the password', async () => {
    const error = await openStore({ kind: 'postgres', url: withPassword('postgres://127.0.0.1:1', 'proxycart') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'storage' });
    expect((error as Error).message).toContain('postgres://proxycart:***@127.0.0.1:1/proxycart');
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as { advice: string }).advice).toMatch(/PROXYCART_STORE/);
    expect(leaks(error)).toBe(false);
  }, 15_000);

  it('says which database is missing, still without the password', async () => {
    const role = `proxycart_${Date.now()}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.end();
    const error = await openStore({ kind: 'postgres', url: withPassword(server.url, 'no_such_db', role) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'storage' });
    expect((error as Error).message).toMatch(/"no_such_db" does not exist/);
    expect(leaks(error)).toBe(false);
  });
});
