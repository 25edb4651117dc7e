import { keyFingerprint } from '../environment.js';
import type { Connection } from './types.js';

// Catalogs and reference data change slowly and are read by list_offers, compare_offers
// and every quote. One process keeps each answer for a short time and asks the vendor once
// for callers that arrive together (single-flight). Every key starts with the environment
// (base URL plus a fingerprint of the key), so sandbox and live, or two accounts, never
// share an entry. A fresh read (the re-pricing right before a money call) always asks the
// vendor, and its answer replaces the cached one. In teams mode the nodes also share one
// cache in the store (Connection.sharedCatalog), so a catalog is fetched once for all of them.

interface Entry {
  value: Promise<unknown>;
  /** When the answer arrived (ms); undefined while the fetch is in flight. */
  at?: number;
}

const entries = new Map<string, Entry>();

export type CatalogReader = <T>(what: string, load: () => Promise<T>, fresh?: boolean) => Promise<T>;

/** Where a fingerprint of the API key goes: never the key itself. */
function cacheScope(connection: Pick<Connection, 'baseUrl' | 'apiKey'>): string {
  return `${connection.baseUrl.replace(/\/+$/, '')}#${keyFingerprint(connection.apiKey)}`;
}

/** A reader bound to one connection's environment and TTL. */
export function catalogReader(connection: Connection): CatalogReader {
  const environment = cacheScope(connection);
  const ttlMs = connection.catalogTtlMs ?? 0;
  return <T>(what: string, load: () => Promise<T>, fresh = false): Promise<T> => {
    const key = `${environment} ${what}`;
    const now = Date.now();
    const current = entries.get(key);
    if (!fresh && current && (current.at === undefined || now - current.at < ttlMs)) return current.value as Promise<T>;
    // A cache shared by the nodes of a team (fresh reads always go to the vendor).
    const shared = connection.sharedCatalog && ttlMs > 0 && !fresh ? connection.sharedCatalog : undefined;
    const entry: Entry = { value: shared ? shared.read(key, load, ttlMs) : load() };
    entries.set(key, entry);
    entry.value.then(
      () => {
        entry.at = Date.now();
        if (ttlMs === 0 && entries.get(key) === entry) entries.delete(key);
      },
      () => {
        if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry.value as Promise<T>;
  };
}

/** Forget everything (tests and benchmarks that want a cold cache). */
export function clearCatalogCache(): void {
  entries.clear();
}
