import type { LedgerEntry } from './entry.js';

// How 0.1 kept the books: each entry a keyv row `ledger:<id>` holding the envelope
// `{"value": <entry>, "expires": …}`. Read here, the one reader of every backend's migration;
// what a backend does with a row that is not an entry is its own rule.

/** The entry in a 0.1 row, or undefined when the row is not one (never half-read). */
export function version01Entry(key: string, raw: string): LedgerEntry | undefined {
  let value: Partial<LedgerEntry> | undefined;
  try {
    value = (JSON.parse(raw) as { value?: Partial<LedgerEntry> }).value;
  } catch {
    return undefined;
  }
  const sound =
    typeof value === 'object' &&
    value !== null &&
    typeof value.id === 'string' &&
    key === `ledger:${value.id}` &&
    typeof value.provider === 'string' &&
    typeof value.argsHash === 'string' &&
    typeof value.status === 'string' &&
    Number.isSafeInteger(value.createdAt) &&
    Number.isSafeInteger(value.updatedAt) &&
    typeof value.quote === 'object';
  return sound ? (value as LedgerEntry) : undefined;
}
