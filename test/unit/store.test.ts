import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store.js';
import { parseStoreUrl, type StoreUrl } from '../../src/store-url.js';
import { postgresServer } from '../postgres-server.js';

const dir = mkdtempSync(join(tmpdir(), 'proxycart-store-'));
const backends: Array<[string, StoreUrl]> = [
  ['memory', { kind: 'memory' }],
  ['sqlite', { kind: 'sqlite', file: join(dir, 'state.sqlite') }],
];
if (process.env.PROXYCART_TEST_REDIS_URL) backends.push(['redis', { kind: 'redis', url: process.env.PROXYCART_TEST_REDIS_URL }]);
// Postgres is always tested: the helper starts a server of its own when CI gave none.
const postgres = await postgresServer();
afterAll(() => postgres.stop());
backends.push(['postgres', { kind: 'postgres', url: await postgres.database() }]);

describe.each(backends)('store on %s', (_name, url) => {
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it('keeps values and forgets them after their TTL', async () => {
    const store = await open();
    await store.set('t:plain', { a: 1 });
    await store.set('t:short', 'soon gone', 200);
    expect(await store.get('t:plain')).toEqual({ a: 1 });
    expect(await store.get('t:short')).toBe('soon gone');
    await new Promise((r) => setTimeout(r, 250));
    expect(await store.get('t:short')).toBeUndefined();
  });

  it('add() lets exactly one of many concurrent callers win, and values written raw read back through keyv', async () => {
    const store = await open();
    const key = `t:claim:${Math.random()}`;
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.add(key, { winner: i })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.get(key)).toEqual({ winner });
  });

  it('add() takes over an expired entry', async () => {
    const store = await open();
    const key = `t:lock:${Math.random()}`;
    expect(await store.add(key, 'first', 300)).toBe(true);
    expect(await store.add(key, 'second', 300)).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    expect(await store.add(key, 'third', 1000)).toBe(true);
    expect(await store.get(key)).toBe('third');
  });

  it('update() applies concurrent changes without losing any', async () => {
    const store = await open();
    const key = `t:counter:${Math.random()}`;
    await Promise.all(Array.from({ length: 20 }, () => store.update<number>(key, (n) => (n ?? 0) + 1)));
    expect(await store.get(key)).toBe(20);
    await store.update<number>(key, () => undefined);
    expect(await store.get(key)).toBeUndefined();
  });

  it('entries() lists live values under a prefix only', async () => {
    const store = await open();
    const prefix = `t:list:${Math.random()}:`;
    await store.set(`${prefix}a`, 1);
    await store.set(`${prefix}b`, 2);
    await store.set(`t:other:${Math.random()}`, 3);
    const entries = await store.entries<number>(prefix);
    expect(entries.map(([, v]) => v).sort()).toEqual([1, 2]);
  });
});

describe('sqlite store shared by two connections', () => {
  it('lets one of two connections win a claim and see the other side', async () => {
    const url: StoreUrl = { kind: 'sqlite', file: join(dir, 'shared.sqlite') };
    const [a, b] = [await openStore(url), await openStore(url)];
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).add('claim:shared', i)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await a.get('claim:shared')).toEqual(await b.get('claim:shared'));
    await a.close();
    await b.close();
  });
});

describe('parseStoreUrl', () => {
  it('understands the four forms and refuses others', () => {
    expect(parseStoreUrl('memory')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('sqlite:///tmp/x.sqlite')).toEqual({ kind: 'sqlite', file: '/tmp/x.sqlite' });
    expect(parseStoreUrl('redis://localhost:6379')).toEqual({ kind: 'redis', url: 'redis://localhost:6379' });
    expect(parseStoreUrl('postgres://u:p@db:5432/proxycart')).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/proxycart' });
    expect(parseStoreUrl('postgresql://db/proxycart')).toEqual({ kind: 'postgres', url: 'postgresql://db/proxycart' });
    expect(parseStoreUrl('postgres://[bad')).toBeUndefined();
    expect(parseStoreUrl('mysql://x')).toBeUndefined();
    expect(parseStoreUrl('sqlite://')).toBeUndefined();
  });
});

describe('an unreachable Redis', () => {
  it('fails to open within seconds with a storage error, instead of hanging', async () => {
    await expect(openStore({ kind: 'redis', url: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ kind: 'storage' });
  }, 15_000);
});
