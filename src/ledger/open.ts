import type { Store } from '../store.js';
import type { Books } from './books.js';

/** The books on the store's own backend: the SQLite file, the Redis server, the Postgres database, or this process's memory. */
export async function openBooks(store: Store): Promise<Books> {
  const backend = store.backend;
  switch (backend.kind) {
    case 'sqlite': {
      // The store loaded the driver already (or said why it could not): the same module here.
      const [{ openSqliteBooks }, { loadSqliteDriver }] = await Promise.all([import('./sqlite.js'), import('../sqlite-driver.js')]);
      return openSqliteBooks(loadSqliteDriver(), backend.file, backend.table);
    }
    case 'redis': {
      const { openRedisBooks } = await import('./redis.js');
      return openRedisBooks(backend.client as Parameters<typeof openRedisBooks>[0]);
    }
    case 'postgres':
      return (await import('./postgres.js')).openPostgresBooks(backend.pool);
    case 'memory':
      return (await import('./memory.js')).memoryBooks();
  }
}
