import { chargedUsd, type LedgerEntry, stateOf, UNKNOWN_PREFIX } from './entry.js';

// The books as a person hands them to accounting: one line per order, oldest first, as CSV
// or JSON lines. Lines are made as the entries stream in, so memory stays flat at any size.

export type ExportFormat = 'csv' | 'jsonl';

const COLUMNS = [
  'at',
  'book',
  'provider',
  'order_id',
  'state',
  'approved_usd',
  'charged_usd',
  'identity',
  'what',
  'approved_by',
  'approved_at',
  'ledger_id',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

function rowOf(entry: LedgerEntry): Row {
  return {
    at: new Date(entry.createdAt).toISOString(),
    book: entry.sandbox ? 'sandbox' : 'live',
    provider: entry.provider,
    order_id: entry.status === 'placed' && entry.order ? entry.order.id : entry.status === 'failed' ? null : `${UNKNOWN_PREFIX}${entry.id}`,
    state: stateOf(entry),
    approved_usd: entry.quote.total_usd,
    // What counts against the budget: nothing for a refused order.
    charged_usd: entry.status === 'failed' ? 0 : chargedUsd(entry),
    identity: entry.identity ?? null,
    what: entry.quote.summary,
    // The receipt of a page approval: the passkey that signed it (and its owner in teams mode).
    approved_by: entry.approvedBy?.passkey === undefined ? null : [entry.approvedBy.passkey, entry.approvedBy.identity].filter(Boolean).join(' / '),
    approved_at: entry.approvedBy ? new Date(entry.approvedBy.at).toISOString() : null,
    ledger_id: entry.id,
  };
}

export async function* exportLines(entries: AsyncIterable<LedgerEntry>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${COLUMNS.join(',')}\n`;
  for await (const entry of entries) {
    const row = rowOf(entry);
    yield format === 'jsonl' ? `${JSON.stringify(row)}\n` : `${COLUMNS.map((column) => csvField(row[column])).join(',')}\n`;
  }
}

/** RFC 4180 quoting; text a spreadsheet would run as a formula gets a leading apostrophe. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
