import type { Config } from './config.js';
import { ProxycartError } from './errors.js';
import { type LedgerEntry, UNKNOWN_PREFIX } from './guard/ledger.js';
import { formatUsd } from './money.js';

// `proxycart ledger`: what a person does with orders whose outcome the vendor could not
// tell (a vendor with `recover: false` never can). Listing shows them; `settle` records what the person saw on
// the vendor's dashboard, which lets the same order be quoted and approved again.

export const LEDGER_USAGE = `proxycart ledger                                          list orders of unknown outcome
proxycart ledger settle <unknown:id> placed [--order-id ID]  a person saw the order on the vendor dashboard
proxycart ledger settle <unknown:id> not-placed            a person saw no such order and no charge`;

export async function runLedgerCommand(argv: string[], config: Config, write: (line: string) => void): Promise<void> {
  const [verb, ...rest] = argv;
  const { openStore } = await import('./store.js');
  const { Ledger } = await import('./guard/ledger.js');
  const store = await openStore(config.store);
  try {
    const ledger = new Ledger(store);
    if (verb === undefined || verb === 'list') {
      const open = (await store.entries<LedgerEntry>('ledger:')).map(([, entry]) => entry).filter((entry) => entry.status === 'outcome_unknown');
      if (open.length === 0) return write('No orders of unknown outcome.');
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
    await store.close();
  }
}

function describe(entry: LedgerEntry): string {
  const total = entry.quote.total_usd === null ? 'price unknown' : formatUsd(entry.quote.total_usd);
  const book = entry.sandbox ? 'sandbox' : 'live';
  return `${UNKNOWN_PREFIX}${entry.id}  ${entry.provider} (${book})  ${new Date(entry.createdAt).toISOString()}  ${total}  ${entry.status}  ${entry.quote.summary}`;
}

function usage(message: string): ProxycartError {
  return new ProxycartError('configuration', `${message}\nUsage:\n${LEDGER_USAGE}`);
}
