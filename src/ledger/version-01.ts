import type { LedgerEntry } from './entry.js';

// How 0.1 kept the books: each entry a keyv row `ledger:<id>` holding the envelope
// `{"value": <entry>, "expires": …}`. Read here once, by each backend's migration.

/** The entries among 0.1 rows (`[key, raw envelope]`); a row that is not one is skipped, never half-read. */
export function* entriesOfVersion01(rows: Iterable<[string, string]>): Generator<LedgerEntry> {
  for (const [key, raw] of rows) {
    let value: unknown;
    try {
      value = (JSON.parse(raw) as { value?: unknown }).value;
    } catch {
      continue;
    }
    if (isEntry(value) && key === `ledger:${value.id}`) yield value;
  }
}

function isEntry(value: unknown): value is LedgerEntry {
  const entry = value as Partial<LedgerEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.id === 'string' &&
    typeof entry.provider === 'string' &&
    typeof entry.createdAt === 'number' &&
    typeof entry.status === 'string' &&
    typeof entry.quote === 'object'
  );
}
