import KeyvRedis, { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spending } from '../../src/guard/policy.js';
import type { Books } from '../../src/ledger/books.js';
import { DAY_MS, type LedgerEntry } from '../../src/ledger/entry.js';
import { memoryBooks } from '../../src/ledger/memory.js';
import { openRedisBooks, type RedisClient } from '../../src/ledger/redis.js';
import { addLogSink } from '../../src/log.js';
import { openStore } from '../../src/store.js';
import { type RedisServer, redisServer } from '../e2e/http-harness.js';
import { intent, ledgerContract, pastEntry } from './contract.js';
import { Ledger as OldLedger } from './version-01-ledger.js';

// The Redis books against a real redis-server (PROXYCART_TEST_REDIS_URL when set, else one
// of the test's own). The contract runs in database 1, flushed before every open, with its
// second handle on the connection the store opens (@keyv/redis); the 0.1 migration runs in
// database 2; the other tests in 3 and 4 (all four are flushed); each connection stands for
// one process or node. Set PROXYCART_LEDGER_TIMINGS=1 to print reserve, spending and list
// times with 1 and with 100,000 entries (figures, not assertions).

const CONTRACT_DB = 1;
const MIGRATION_DB = 2;

let server: RedisServer | undefined;
let url: string;
const clients: RedisClient[] = [];
const adapters: KeyvRedis<unknown>[] = [];

async function connect(database: number, at = url): Promise<RedisClient> {
  const client = createClient({ url: at, database }) as RedisClient;
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** A client as the store opens it: `@keyv/redis`'s own connection. */
async function connectLikeTheStore(database: number): Promise<RedisClient> {
  const adapter = new KeyvRedis<unknown>({ url, database }, { throwOnConnectError: true });
  adapter.on('error', () => undefined);
  adapters.push(adapter);
  return (await adapter.getClient()) as RedisClient;
}

beforeAll(async () => {
  const external = process.env.PROXYCART_TEST_REDIS_URL;
  if (external) url = external;
  else {
    server = await redisServer();
    url = server.url;
  }
});

afterAll(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(adapters.splice(0).map((a) => a.disconnect()));
  await server?.stop();
});

let one: RedisClient;
let another: RedisClient;
ledgerContract('redis', {
  async open() {
    one ??= await connect(CONTRACT_DB);
    another ??= await connectLikeTheStore(CONTRACT_DB);
    await one.flushDb();
    return openRedisBooks(one);
  },
  openAnother: async () => openRedisBooks(another),
});

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const unlimited = { dailyBudgetUsd: 1e9 };

describe('redis books', () => {
  let client: RedisClient;
  let books: Books;
  beforeAll(async () => {
    client = await connect(3);
  });
  const fresh = async () => {
    await client.flushDb();
    books = await openRedisBooks(client);
    return books;
  };

  it('keeps numbers exactly as JSON wrote them (no Lua re-encoding), through reserve and record', async () => {
    await fresh();
    const entry = intent({
      prepared: { request: { offer_id: 42, ratio: 0.30000000000000004, big: 1e21 }, quote: { total_usd: 19.99, price_source: 'vendor_quote', summary: 's' } },
    });
    await books.reserve(entry, unlimited, T0);
    await books.record(entry.id, { status: 'outcome_unknown' }, T0 + 1);
    expect((await books.get(entry.id))?.prepared).toEqual(entry.prepared);
  });

  it('moves every index under concurrent records from two connections: one order id wins, none is left behind', async () => {
    await fresh();
    const other = await openRedisBooks(await connect(3));
    const entry = intent({ identity: 'token:alice' });
    const states = ['pending', 'active', 'cancelled', 'expired', 'refunded'] as const;
    await books.reserve(entry, unlimited, T0);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : books).record(
          entry.id,
          { status: 'placed', order: { id: `O-${i}`, status: 'ok', state: states[i % 5]!, total_usd: 10 + i, proxies: [] } },
          T0 + i,
        ),
      ),
    );
    const final = (await books.get(entry.id))!;
    const found = await Promise.all(Array.from({ length: 20 }, (_, i) => books.byOrderId('proxyjam', `O-${i}`)));
    expect(found.filter(Boolean).map((e) => e!.order!.id)).toEqual([final.order!.id]);
    expect(await books.orderIdsSince('proxyjam', 0)).toEqual([final.order!.id]);
    const pages = await Promise.all(states.map((state) => books.list({ sandbox: false, state, identity: 'token:alice', limit: 5 })));
    expect(pages.flatMap((p) => p.entries.map((e) => e.order!.state))).toEqual([final.order!.state]);
    // The window holds the entry once, at its final charge.
    expect(await books.spending(false, 'token:alice', T0 + 100)).toEqual({
      total: final.order!.total_usd,
      identity: { name: 'token:alice', spent: final.order!.total_usd },
    });
  });

  it('counts an absurd vendor total in full, as the memory books do: the budget is never fooled by how a number is written', async () => {
    await fresh();
    const answers = [];
    for (const b of [books, memoryBooks()]) {
      const entry = intent({ total: 5 });
      await b.reserve(entry, unlimited, T0);
      await b.record(entry.id, { status: 'placed', order: { id: 'HUGE', status: 'ok', state: 'active', total_usd: 1e21, proxies: [] } }, T0 + 1);
      answers.push([await b.spending(false, undefined, T0 + 2), await b.reserve(intent({ total: 1 }), { dailyBudgetUsd: 1e9 }, T0 + 3)]);
    }
    expect(answers[0]![0]).toEqual(answers[1]![0]);
    expect((answers[0]![0] as Spending).total).toBeGreaterThan(1e20);
    expect(answers[0]![1]).toEqual(answers[1]![1]);
    expect(answers[0]![1]).toMatchObject({ outcome: 'over_budget' });
  });

  it('keeps identities and states that look like key syntax apart', async () => {
    await fresh();
    const tricky = intent({ identity: 'x:p=proxyseller' });
    const plain = intent({ identity: 'x', provider: 'proxyseller' });
    await books.reserve(tricky, unlimited, T0);
    await books.reserve(plain, unlimited, T0 + 1);
    expect((await books.list({ sandbox: false, identity: 'x', provider: 'proxyseller', limit: 10 })).entries.map((e) => e.id)).toEqual([plain.id]);
    expect((await books.list({ sandbox: false, identity: 'x:p=proxyseller', limit: 10 })).entries.map((e) => e.id)).toEqual([tricky.id]);
  });

  it('pages and streams through more entries of one millisecond than a page holds', async () => {
    await fresh();
    const same = Array.from({ length: 1100 }, () => pastEntry(T0));
    await books.append([pastEntry(T0 - 1), ...same, pastEntry(T0 + 1)]);
    const ids = same.map((e) => e.id).sort();
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await books.list({ sandbox: false, limit: 7, cursor, provider: 'proxyjam' });
      listed.push(...page.entries.filter((e) => e.createdAt === T0).map((e) => e.id));
      cursor = page.next;
    } while (cursor && listed.length < 100);
    expect(listed).toEqual([...ids].reverse().slice(0, listed.length));
    const streamed: LedgerEntry[] = [];
    for await (const entry of books.stream({ from: T0, to: T0 + 1 })) streamed.push(entry);
    expect(streamed.map((e) => e.id)).toEqual(ids);
  });

  it('after 100,000 past entries: nothing of them counts, a reservation works and trims the window, the newest page is right', async () => {
    await fresh();
    const now = T0 + 2 * DAY_MS;
    const past = Array.from({ length: 100_000 }, (_, i) => pastEntry(T0 - i * 1000, { identity: i % 2 ? 'token:alice' : undefined }));
    const seeded = Date.now();
    expect(await books.append(past)).toBe(100_000);
    const seedMs = Date.now() - seeded;
    expect(await books.spending(false, 'token:alice', now)).toEqual({ total: 0, identity: { name: 'token:alice', spent: 0 } });
    const fresh1 = intent({ total: 30, identity: 'token:alice' });
    expect((await books.reserve(fresh1, { dailyBudgetUsd: 30, identityBudgetUsd: 30 }, now)).outcome).toBe('reserved');
    expect(await books.spending(false, 'token:alice', now)).toEqual({ total: 30, identity: { name: 'token:alice', spent: 30 } });
    // The reservation trimmed the day-old entries from the windows it summed: they stay small.
    expect(await client.zCard('books:w:live')).toBe(1);
    expect(await client.zCard(`books:w:live:i=${encodeURIComponent('token:alice')}`)).toBe(1);
    const first = await books.list({ sandbox: false, limit: 20 });
    expect(first.entries.map((e) => e.id)).toEqual([fresh1.id, ...past.slice(0, 19).map((e) => e.id)]);
    const second = await books.list({ sandbox: false, limit: 20, cursor: first.next });
    expect(second.entries.map((e) => e.id)).toEqual(past.slice(19, 39).map((e) => e.id));
    const alice = await books.list({ sandbox: false, identity: 'token:alice', state: 'active', limit: 3 });
    expect(alice.entries.map((e) => e.id)).toEqual([past[1]!.id, past[3]!.id, past[5]!.id]);

    if (process.env.PROXYCART_LEDGER_TIMINGS === '1') {
      const small = await connect(4);
      await small.flushDb();
      const other = await openRedisBooks(small);
      await other.append([pastEntry(T0)]);
      const measure = async (what: string, b: Books, work: (b: Books, i: number) => Promise<unknown>) => {
        for (let i = 0; i < 20; i++) await work(b, i); // warm up
        const start = process.hrtime.bigint();
        for (let i = 0; i < 200; i++) await work(b, i);
        return `${what} ${(Number(process.hrtime.bigint() - start) / 200 / 1e6).toFixed(3)} ms`;
      };
      for (const [label, b] of [
        ['1 entry', other],
        ['100,000 entries', books],
      ] as const) {
        const figures = [
          await measure('reserve', b, (x, i) => x.reserve(intent({ total: 1, identity: 'token:alice' }), unlimited, now + 1 + i)),
          await measure('spending', b, (x) => x.spending(false, 'token:alice', now + 300)),
          await measure('list 20', b, (x) => x.list({ sandbox: false, limit: 20 })),
        ];
        console.log(`[timings] ${label}: ${figures.join(', ')}`);
      }
      console.log(`[timings] append 100,000: ${seedMs} ms`);
    }
  });
});

describe('redis books written before the watch sets', () => {
  it('adds the entries already there to them, once', async () => {
    const client = await connect(4);
    await client.flushDb();
    const first = await openRedisBooks(client);
    const soon = pastEntry(T0 - 28 * DAY_MS, {
      order: { id: 'OLD', status: 'active', state: 'active', total_usd: 10, proxies: [], expires_at: new Date(T0 + 5 * DAY_MS).toISOString() },
      recurring: { field: 'auto_renew', every: 'every 30 days', price_usd: 10, off: 'the dashboard' },
    });
    await first.append([soon, pastEntry(T0 - DAY_MS)]);
    // As books written before them: no watch sets, and not marked as indexed.
    const watchKeys = [];
    for await (const keys of client.scanIterator({ MATCH: 'books:[xr]*', COUNT: 1000 })) watchKeys.push(...(Array.isArray(keys) ? keys : [keys]));
    expect(watchKeys.length).toBeGreaterThan(0);
    await client.del([...watchKeys.map(String), 'books:indexed-watch']);
    const said: string[] = [];
    const stop = addLogSink((_level, message) => said.push(message));
    try {
      for (let open = 0; open < 2; open++) {
        const books = await openRedisBooks(client);
        expect((await books.expiring(false, T0 - 7 * DAY_MS, T0 + 7 * DAY_MS)).map((e) => e.id)).toEqual([soon.id]);
        expect((await books.recurring(false)).map((e) => e.id)).toEqual([soon.id]);
      }
    } finally {
      stop();
    }
    expect(said.filter((m) => m.includes('indexed the expiry and renewal of 1 placed entries'))).toHaveLength(1);
  });
});

describe('redis durability warning', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const warningOf = async (persistence: string[]) => {
    const s = await redisServer(persistence);
    servers.push(s);
    return (await openRedisBooks(await connect(0, s.url))).durabilityWarning();
  };

  it('says the books are lost on restart without persistence, less with snapshots only, nothing with AOF', async () => {
    expect(await warningOf(['--appendonly', 'no', '--save', ''])).toMatch(/lost when Redis restarts: turn on appendonly/);
    const rdb = await warningOf(['--appendonly', 'no', '--save', '3600 1']);
    expect(rdb).toMatch(/snapshots only.*turn on appendonly/);
    expect(await warningOf(['--appendonly', 'yes'])).toBeUndefined();
    // Managed Redis often disables CONFIG: still a warning, not a failure.
    expect(await warningOf(['--appendonly', 'no', '--save', '', '--rename-command', 'CONFIG', '""'])).toMatch(/cannot be read.*turn on appendonly/);
  });
});

describe('redis migration from 0.1', () => {
  let client: RedisClient;
  beforeAll(async () => {
    client = await connect(MIGRATION_DB);
  });

  /** A 0.1 ledger written by the 0.1 code itself (test/ledger/version-01-ledger.ts over the keyv store), plus `bulk` raw entries in its format. */
  async function write01(bulk: number): Promise<LedgerEntry[]> {
    await client.flushDb();
    const store = await openStore({ kind: 'redis', url: `${url}/${MIGRATION_DB}` });
    const old = new OldLedger(store);
    const pass = () => undefined;
    const made: LedgerEntry[] = [];
    try {
      const alice = (await old.writeIntent(intent({ identity: 'token:alice', argsHash: 'same-args' }), pass))!;
      await old.record(alice.id, { status: 'outcome_unknown', error: { kind: 'vendor_unavailable', message: 'timeout' } });
      const sandbox = (await old.writeIntent(intent({ sandbox: true, environment: 'sandbox:proxyjam', identity: 'oauth:bob' }), pass))!;
      await old.record(sandbox.id, { status: 'placed', order: { id: 'SB-1', status: 'ok', state: 'active', total_usd: 10, proxies: [] } });
      const settled = (await old.writeIntent(intent({ total: 7 }), pass))!;
      await old.record(settled.id, { status: 'outcome_unknown' });
      await old.settleByPerson(settled.id, 'not-placed');
      const raw = Array.from({ length: bulk }, (_, i) => pastEntry(Date.now() - 2 * DAY_MS - i, { identity: i % 2 ? 'token:carol' : undefined }));
      for (let i = 0; i < raw.length; i += 1000) {
        // Exactly as store.ts wrote them: the keyv envelope, no expiry; the order index beside.
        const multi = client.multi();
        for (const entry of raw.slice(i, i + 1000)) {
          multi.set(`ledger:${entry.id}`, JSON.stringify({ value: entry, expires: undefined }));
          multi.set(`order:${entry.provider}:${entry.order!.id}`, JSON.stringify({ value: entry.id }));
        }
        await multi.exec();
      }
      for (const id of [alice.id, sandbox.id, settled.id]) made.push((await old.get(id))!);
      made.push(...raw);
    } finally {
      await store.close();
    }
    expect(await client.get(`ledger:${made[0]!.id}`)).toMatch(/^\{"value":\{"id":/);
    expect(await client.exists(`order:proxyjam:SB-1`)).toBe(1);
    return made;
  }

  const capture = () => {
    const lines: string[] = [];
    const stop = addLogSink((level, message) => {
      if (/0\.1 layout/.test(message)) lines.push(`${level}: ${message}`);
    });
    return { lines, stop };
  };

  it('moves a 0.1 ledger once when two processes start at once: every entry exactly once, with what it said', async () => {
    const made = await write01(3000);
    const log = capture();
    const [a, b] = await Promise.all([openRedisBooks(await connect(MIGRATION_DB)), openRedisBooks(await connect(MIGRATION_DB))]);
    log.stop();
    // Each process says how many it moved; together, every entry once.
    const counts = log.lines.map((line) => Number(/Moved (\d+)/.exec(line)?.[1]));
    expect(counts.reduce((n, c) => n + c, 0)).toBe(made.length);
    expect(log.lines.every((line) => line.startsWith('info: '))).toBe(true);
    expect(await client.keys('ledger:*')).toEqual([]);
    expect(await client.keys('order:*')).toEqual([]);

    for (const entry of made.slice(0, 50)) expect(await a.get(entry.id)).toEqual(entry);
    const seen = new Set<string>();
    for await (const entry of b.stream({})) {
      expect(seen.has(entry.id)).toBe(false);
      seen.add(entry.id);
    }
    expect(seen.size).toBe(made.length);

    const [alice, sandbox, settled] = made as [LedgerEntry, LedgerEntry, LedgerEntry];
    expect((await a.unresolved('same-args'))?.id).toBe(alice.id);
    expect((await b.unknownOutcomes(false, 'token:alice')).map((e) => e.id)).toEqual([alice.id]);
    expect((await a.byOrderId('proxyjam', 'SB-1'))?.sandbox).toBe(true);
    expect((await a.list({ sandbox: true, identity: 'oauth:bob', limit: 5 })).entries.map((e) => e.id)).toEqual([sandbox.id]);
    expect((await a.get(settled.id))?.settledByPerson?.outcome).toBe('not-placed');
    expect((await a.byOrderId('proxyjam', made[3]!.order!.id))?.id).toBe(made[3]!.id);
    expect((await a.list({ sandbox: false, identity: 'token:carol', limit: 2000 })).entries).toHaveLength(1500);
    // The unknown outcome still counts against the budget; the settled-not-placed one does not.
    const now = Date.now();
    expect(await a.spending(false, 'token:alice', now)).toEqual({ total: 10, identity: { name: 'token:alice', spent: 10 } });
    expect(await a.spending(true, undefined, now)).toEqual({ total: 10 });
  });

  it('moves what a 0.1 process wrote between the read and the move, not what was read', async () => {
    await client.flushDb();
    const entry = pastEntry(T0, { status: 'submitting', order: undefined });
    await client.set(`ledger:${entry.id}`, JSON.stringify({ value: entry }));
    const placed: LedgerEntry = { ...entry, status: 'placed', order: { id: 'LATE-1', status: 'ok', state: 'active', total_usd: 10, proxies: [] } };
    // A connection whose first MGET is followed at once by the 0.1 process's record().
    let raced = false;
    const racing = new Proxy(client, {
      get(target, name, receiver) {
        if (name !== 'mGet') return Reflect.get(target, name, receiver);
        return async (keys: string[]) => {
          const values = await target.mGet(keys);
          if (!raced) {
            raced = true;
            await target.set(`ledger:${entry.id}`, JSON.stringify({ value: placed }));
          }
          return values;
        };
      },
    });
    const books = await openRedisBooks(racing);
    expect(raced).toBe(true);
    expect(await books.get(entry.id)).toEqual(placed);
    expect((await books.byOrderId('proxyjam', 'LATE-1'))?.id).toBe(entry.id);
    expect((await books.list({ sandbox: false, state: 'pending', limit: 5 })).entries).toEqual([]);
  });

  it('runs once: a later start skips the scan and says nothing', async () => {
    await write01(0);
    const log = capture();
    await openRedisBooks(client);
    expect(log.lines).toHaveLength(1);
    // A key written in the old layout after the migration is no longer looked for.
    await client.set('ledger:late', JSON.stringify({ value: pastEntry(T0) }));
    await openRedisBooks(client);
    log.stop();
    expect(log.lines).toHaveLength(1);
    expect(await client.exists('ledger:late')).toBe(1);
    expect(await client.exists('books:migrated')).toBe(1);
  });
});
