import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from './config.js';
import { ProxycartError } from './errors.js';
import type { ExportQuery } from './ledger/books.js';
import { type LedgerEntry, UNKNOWN_PREFIX } from './ledger/entry.js';
import { type ExportFormat, exportLines } from './ledger/export.js';
import type { Ledger } from './ledger/ledger.js';
import { formatUsd } from './money.js';

// `proxycart ledger`: what a person does with the books. Listing shows orders whose outcome
// the vendor could not tell (a vendor with `recover: false` never can); `settle` records what
// the person saw on the vendor's dashboard, which lets the same order be quoted and approved
// again; `export` writes the books for accounting.

export const LEDGER_USAGE = `proxycart ledger                                          list orders of unknown outcome
proxycart ledger settle <unknown:id> placed [--order-id ID]  a person saw the order on the vendor dashboard
proxycart ledger settle <unknown:id> not-placed            a person saw no such order and no charge
proxycart ledger export [--format csv|jsonl] [--book live|sandbox] [--from DATE] [--to DATE]
                        [--identity NAME] [--output FILE]  the books for accounting, oldest first`;

export async function runLedgerCommand(argv: string[], config: Config, out: Writable): Promise<void> {
  const [verb, ...rest] = argv;
  const write = (line: string) => out.write(`${line}\n`);
  // Arguments are checked before the store opens, so a typo costs nothing.
  const exportArgs = verb === 'export' ? parseExportArgs(rest) : undefined;
  const { openStore } = await import('./store.js');
  const store = await openStore(config.store);
  let ledger: Ledger | undefined;
  try {
    const [{ openBooks }, { Ledger }] = await Promise.all([import('./ledger/open.js'), import('./ledger/ledger.js')]);
    ledger = new Ledger(await openBooks(store));
    if (exportArgs) {
      const lines = Readable.from(exportLines(ledger.stream(exportArgs.query), exportArgs.format));
      await pipeline(lines, exportArgs.output ? createWriteStream(exportArgs.output, { mode: 0o600 }) : out, { end: Boolean(exportArgs.output) });
      return;
    }
    if (verb === undefined || verb === 'list') {
      const open = [...(await ledger.unknownOutcomes(false)), ...(await ledger.unknownOutcomes(true))];
      if (open.length === 0) return void write('No orders of unknown outcome.');
      for (const entry of open) write(describe(entry));
      return;
    }
    if (verb !== 'settle') throw usage(`Unknown ledger command ${JSON.stringify(verb)}.`);
    const [rawId, outcome, flag, orderId] = rest;
    if (!rawId || (outcome !== 'placed' && outcome !== 'not-placed')) throw usage('settle needs an unknown:<id> and placed or not-placed.');
    if (flag !== undefined && (flag !== '--order-id' || !orderId || outcome !== 'placed')) throw usage('--order-id ID goes only with placed.');
    const id = rawId.startsWith(UNKNOWN_PREFIX) ? rawId.slice(UNKNOWN_PREFIX.length) : rawId;
    const entry = await ledger.settleByPerson(id, outcome, orderId);
    write(`${UNKNOWN_PREFIX}${id} settled as ${outcome}: ${describe(entry)}`);
  } finally {
    await ledger?.close();
    await store.close();
  }
}

function parseExportArgs(args: string[]): { query: ExportQuery; format: ExportFormat; output?: string } {
  const query: ExportQuery = {};
  let format: ExportFormat = 'csv';
  let output: string | undefined;
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (value === undefined || value.startsWith('--')) throw usage(`${flag} needs a value.`);
    switch (flag) {
      case '--format':
        if (value !== 'csv' && value !== 'jsonl') throw usage('--format is csv or jsonl.');
        format = value;
        break;
      case '--book':
        if (value !== 'live' && value !== 'sandbox') throw usage('--book is live or sandbox.');
        query.sandbox = value === 'sandbox';
        break;
      case '--from':
        query.from = parseDate(flag, value);
        break;
      case '--to':
        query.to = parseDate(flag, value);
        break;
      case '--identity':
        query.identity = value;
        break;
      case '--output':
        output = value;
        break;
      default:
        throw usage(`Unknown export option ${JSON.stringify(flag.slice(0, 40))}.`);
    }
  }
  if (query.from !== undefined && query.to !== undefined && query.to <= query.from) throw usage('--to must be after --from.');
  return { query, format, ...(output === undefined ? {} : { output }) };
}

/** A date (`2026-12-01`, a day in UTC) or a full ISO time. */
function parseDate(flag: string, value: string): number {
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at)) throw usage(`${flag} ${JSON.stringify(value.slice(0, 40))} is not a date (use 2026-12-01 or an ISO time).`);
  return at;
}

function describe(entry: LedgerEntry): string {
  const total = entry.quote.total_usd === null ? 'price unknown' : formatUsd(entry.quote.total_usd);
  const book = entry.sandbox ? 'sandbox' : 'live';
  return `${UNKNOWN_PREFIX}${entry.id}  ${entry.provider} (${book})  ${new Date(entry.createdAt).toISOString()}  ${total}  ${entry.status}  ${entry.quote.summary}`;
}

function usage(message: string): ProxycartError {
  return new ProxycartError('configuration', `${message}\nUsage:\n${LEDGER_USAGE}`);
}
