import { createHash, randomUUID } from 'node:crypto';
import { ProxycartError } from './errors.js';
import type { SharedCatalog } from './providers/types.js';
import type { Store } from './store.js';
import { sleep } from './wait.js';

// The catalog cache of a team's nodes, in the shared store: the first node to miss takes a
// fill lock (insert-if-absent, so one winner across nodes), asks the vendor and writes the
// answer; the others wait for it instead of asking the vendor too. A lock whose holder died
// expires, and a waiter then fills the entry itself.

const FILL_LOCK_MS = 15_000;
const POLL_MS = 50;

export function storeCatalog(store: () => Promise<Store>): SharedCatalog {
  return {
    async read<T>(key: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
      let loading: Promise<T> | undefined;
      const loadOnce = () => {
        loading ??= load();
        return loading;
      };
      try {
        return await readThrough(await store(), key, loadOnce, ttlMs);
      } catch (error) {
        // The shared cache saves vendor reads; a store that is away must not stop a read that needs none.
        if (error instanceof ProxycartError && error.kind === 'storage') return loadOnce();
        throw error;
      }
    },
  };
}

async function readThrough<T>(s: Store, key: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
  // Keys carry base URLs and query strings: a hash keeps them short and uniform.
  const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
  const valueKey = `catalog:${id}`;
  const fillKey = `catalog-fill:${id}`;
  for (;;) {
    const hit = await s.get<{ value: T }>(valueKey);
    if (hit) return hit.value;
    const owner = randomUUID();
    if (await s.add(fillKey, owner, FILL_LOCK_MS)) {
      try {
        // Another node may have filled it and let go of the lock between our miss and our lock.
        const filled = await s.get<{ value: T }>(valueKey);
        if (filled) return filled.value;
        const value = await load();
        await s.set(valueKey, { value }, ttlMs);
        return value;
      } finally {
        await s.update<string>(fillKey, (current) => (current === owner ? undefined : current)).catch(() => undefined);
      }
    }
    await sleep(POLL_MS);
  }
}
