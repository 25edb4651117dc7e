import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/ledger/entry.js';
import { openSqliteBooks } from '../../src/ledger/sqlite.js';
import { addLogSink } from '../../src/log.js';
import { openStore } from '../../src/store.js';
import { CLI, tempDir } from '../e2e/harness.js';
import { ledgerContract, pastEntry } from './contract.js';
import { withLedger } from './with-ledger.js';

const run = promisify(execFile);

let file = '';
ledgerContract('sqlite', {
  async open() {
    file = join(tempDir('ledger-sqlite'), 'state.sqlite');
    return openSqliteBooks(sqlite3, file);
  },
  openAnother: () => openSqliteBooks(sqlite3, file),
});

const HOUR = 60 * 60 * 1000;

/** A data folder as 0.1 left it: each entry a keyv row `ledger:<id>`, written through the same Store 0.1 used. */
async function version01Folder() {
  const home = tempDir('ledger-01');
  const now = Date.now();
  const entries = [
    pastEntry(now - 2 * HOUR, { identity: 'token:alice', environment: 'live:proxyjam:https://api:fp' }),
    pastEntry(now - HOUR, { status: 'outcome_unknown', order: undefined, argsHash: 'unknown-args', sandbox: true, environment: 'sandbox:proxyjam' }),
    pastEntry(now - 30 * HOUR, { status: 'failed', order: undefined, error: { kind: 'vendor_error', message: 'no' } }),
  ];
  // 0.1 had no `sandbox` field on its first entries: they are live.
  delete (entries[0] as { sandbox?: boolean }).sandbox;
  const store = await openStore({ kind: 'sqlite', file: join(home, 'state.sqlite') });
  for (const entry of entries) await store.set(`ledger:${entry.id}`, entry);
  await store.set(`order:proxyjam:${entries[0]!.order!.id}`, entries[0]!.id);
  await store.set('quote:abc', { kept: true });
  await store.close();
  return { home, entries };
}

describe('sqlite books in a file made before the watch columns', () => {
  it('adds the columns and fills them from the entries already there, once', async () => {
    const made = join(tempDir('ledger-sqlite-watch'), 'state.sqlite');
    const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
    const soon = pastEntry(T0 - 28 * DAY_MS, {
      order: { id: 'OLD', status: 'active', state: 'active', total_usd: 10, proxies: [], expires_at: new Date(T0 + 5 * DAY_MS).toISOString() },
      recurring: { field: 'auto_renew', every: 'every 30 days', price_usd: 10, off: 'the dashboard' },
    });
    const first = await openSqliteBooks(sqlite3, made);
    await first.append([soon, pastEntry(T0 - DAY_MS)]);
    await first.close();
    // Back to the table as the schema before them made it: no watch columns or indexes.
    const db = new sqlite3.Database(made);
    await new Promise<void>((resolve, reject) =>
      db.exec(
        `DROP INDEX ledger_expiry; DROP INDEX ledger_watch_expiry; DROP INDEX ledger_armed; DROP INDEX ledger_watch_renewal;
         ALTER TABLE ledger_entries DROP COLUMN watch_key; ALTER TABLE ledger_entries DROP COLUMN expires_at; ALTER TABLE ledger_entries DROP COLUMN renewal;`,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const said: string[] = [];
    const stop = addLogSink((_level, message) => said.push(message));
    try {
      for (let open = 0; open < 2; open++) {
        const books = await openSqliteBooks(sqlite3, made);
        expect((await books.expiring(false, T0 - 7 * DAY_MS, T0 + 7 * DAY_MS)).map((e) => e.id)).toEqual([soon.id]);
        expect((await books.recurring(false)).map((e) => e.id)).toEqual([soon.id]);
        await books.close();
      }
    } finally {
      stop();
    }
    expect(said.filter((m) => m.includes('indexed the expiry and renewal of 1 placed entries'))).toHaveLength(1);
  });
});

describe('sqlite books: moving 0.1 data', () => {
  it('moves every entry once when two processes start at once, and keeps what 0.1 knew', async () => {
    const { home, entries } = await version01Folder();
    const env = { ...process.env, PROXYCART_HOME: home, PROXYCART_SANDBOX: '1', PROXYCART_LOG_LEVEL: 'info' };
    // Two real processes open the same folder at the same moment.
    const [a, b] = await Promise.all([run(process.execPath, [CLI, 'ledger'], { env }), run(process.execPath, [CLI, 'ledger'], { env })]);
    const moved = [a.stderr, b.stderr].filter((text) => text.includes('moved 3 orders'));
    expect(moved).toHaveLength(1);
    // The unknown outcome is listed by both, as it was before the move.
    for (const out of [a.stdout, b.stdout]) expect(out).toContain(`unknown:${entries[1]!.id}`);

    await withLedger({ kind: 'sqlite', file: join(home, 'state.sqlite') }, async (ledger) => {
      for (const entry of entries) expect(await ledger.get(entry.id)).toEqual(entry);
      expect((await ledger.byOrderId('proxyjam', entries[0]!.order!.id))?.id).toBe(entries[0]!.id);
      expect((await ledger.unresolved('unknown-args'))?.id).toBe(entries[1]!.id);
      expect(await ledger.spending(false, 'token:alice')).toEqual({ total: 10, identity: { name: 'token:alice', spent: 10 } });
      expect((await ledger.spending(true)).total).toBe(10);
    });
    // The old rows are gone (nothing counts twice), the other keyv data stays.
    const store = await openStore({ kind: 'sqlite', file: join(home, 'state.sqlite') });
    expect(await store.get(`ledger:${entries[0]!.id}`)).toBeUndefined();
    expect(await store.get(`order:proxyjam:${entries[0]!.order!.id}`)).toBeUndefined();
    expect(await store.get('quote:abc')).toEqual({ kept: true });
    await store.close();
    // A later start moves nothing and says nothing.
    const again = await run(process.execPath, [CLI, 'ledger'], { env });
    expect(again.stderr).not.toContain('moved');
  });
});

describe('proxycart ledger export', () => {
  it('streams 100,000 entries in a heap far smaller than the books', async () => {
    const home = tempDir('ledger-export');
    const start = Date.UTC(2026, 0, 1);
    await withLedger({ kind: 'sqlite', file: join(home, 'state.sqlite') }, async (ledger) => {
      for (let batch = 0; batch < 10; batch++) {
        await ledger.books.append(
          Array.from({ length: 10_000 }, (_, i) =>
            pastEntry(start + (batch * 10_000 + i) * 1000, {
              identity: i % 2 ? 'token:alice' : 'token:bob',
              quote: { ...pastEntry(0).quote, summary: `order "${i}", 1 IP` },
            }),
          ),
        );
      }
    });
    const output = join(home, 'books.jsonl');
    const env = { ...process.env, PROXYCART_HOME: home, PROXYCART_SANDBOX: '1' };
    // 100,000 entries take well over 40 MB as objects: a 40 MB heap holds only a stream.
    await run(process.execPath, ['--max-old-space-size=40', CLI, 'ledger', 'export', '--format', 'jsonl', '--output', output], { env });
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines[0]!)).toMatchObject({ at: new Date(start).toISOString(), book: 'live', state: 'active', approved_usd: 10, identity: 'token:bob' });
    expect(JSON.parse(lines.at(-1)!).at).toBe(new Date(start + 99_999_000).toISOString());

    const csv = await run(
      process.execPath,
      [CLI, 'ledger', 'export', '--identity', 'token:alice', '--from', new Date(start + 1000).toISOString(), '--to', new Date(start + 4000).toISOString()],
      { env },
    );
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('at,book,provider,order_id,state,approved_usd,charged_usd,identity,what,approved_by,approved_at,ledger_id');
    expect(rows).toHaveLength(3); // seconds 1 and 3 are alice's
    expect(rows[1]).toContain('"order ""1"", 1 IP"');
  });

  it('refuses bad options before opening anything', async () => {
    const env = { ...process.env, PROXYCART_HOME: tempDir('ledger-export-bad'), PROXYCART_SANDBOX: '1' };
    const failed = await run(process.execPath, [CLI, 'ledger', 'export', '--from', 'yesterday'], { env }).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('--from "yesterday" is not a date');
  });
});
