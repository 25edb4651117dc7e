import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store.js';
import { type RedisServer, redisServer } from '../e2e/http-harness.js';

// Listing a prefix on Redis while other nodes delete keys (used quotes, the spend lock):
// keyv's own iterator threw on a key that vanished between SCAN and MGET, which failed
// budget checks under load in HTTP mode.

let redis: RedisServer;
let store: Store;

beforeAll(async () => {
  redis = await redisServer();
  store = await openStore({ kind: 'redis', url: redis.url });
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

it('lists a prefix while keys are deleted concurrently, and only that prefix', async () => {
  const other = await openStore({ kind: 'redis', url: redis.url }); // another node
  for (let i = 0; i < 300; i++) await store.set(`ledger:${i}`, { n: i });
  let deleted = 0;
  let listed = 0;
  // Keys come and go on the other node for as long as this node keeps listing.
  let listing = true;
  const churn = (async () => {
    while (listing) {
      const batch = Array.from({ length: 50 }, (_, i) => `quote:${deleted + i}`);
      await Promise.all(batch.map((key) => other.set(key, { key })));
      await Promise.all(batch.map((key) => other.delete(key)));
      deleted += batch.length;
    }
  })();
  try {
    for (let round = 0; round < 40; round++) {
      const listings = await Promise.all(Array.from({ length: 4 }, () => store.entries<{ n: number }>('ledger:')));
      for (const found of listings) expect(found).toHaveLength(300);
      listed += listings.length;
    }
  } finally {
    listing = false;
    await churn;
    await other.close();
  }
  expect(listed).toBe(160);
  expect(deleted).toBeGreaterThan(0);
});

it('skips expired entries and escapes glob characters in the prefix', async () => {
  await store.set('odd*[key]:1', 1);
  await store.set('odd*[key]:2', 2, 1);
  await store.set('oddXkey:3', 3);
  await new Promise((r) => setTimeout(r, 20));
  expect((await store.entries('odd*[key]:')).map(([k]) => k)).toEqual(['odd*[key]:1']);
});
