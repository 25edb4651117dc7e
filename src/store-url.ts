import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

// Where the store lives, as configured, and a cheap look at it at start-up. Kept apart from
// store.ts so that reading the configuration does not load keyv and its drivers.

export type StoreUrl = { kind: 'sqlite'; file: string } | { kind: 'redis'; url: string } | { kind: 'postgres'; url: string } | { kind: 'memory' };

/** `sqlite://<file>`, `redis://…` / `rediss://…`, `postgres://…` / `postgresql://…` or `memory`; undefined for anything else. */
export function parseStoreUrl(value: string): StoreUrl | undefined {
  if (value === 'memory') return { kind: 'memory' };
  if (value.startsWith('sqlite://')) {
    const file = value.slice('sqlite://'.length);
    return file ? { kind: 'sqlite', file } : undefined;
  }
  if (value.startsWith('redis://') || value.startsWith('rediss://')) return { kind: 'redis', url: value };
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) return URL.canParse(value) ? { kind: 'postgres', url: value } : undefined;
  return undefined;
}

/** A store several processes and nodes share (Redis, Postgres), first contacted on use. */
export function isSharedStore(store: StoreUrl): store is Extract<StoreUrl, { url: string }> {
  return store.kind === 'redis' || store.kind === 'postgres';
}

/**
 * A cheap look at the SQLite store at start-up (the store itself opens on first use, to keep
 * start-up fast): a data folder that cannot be created or written is said on stderr at once,
 * not first on a person's order. A Redis or Postgres store is not contacted before a client asks for
 * something; its failures come back as `storage` errors on the call.
 */
export function checkStoreAtStart(store: StoreUrl): string | undefined {
  if (store.kind !== 'sqlite') return undefined;
  const folder = dirname(store.file);
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
    if (existsSync(store.file)) accessSync(store.file, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return `The store ${store.file} cannot be written (${code}): check that PROXYCART_HOME is writable by this user, or set PROXYCART_STORE.`;
  }
}
