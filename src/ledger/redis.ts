import { createHash } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import { ProxycartError } from '../errors.js';
import type { Spending } from '../guard/policy.js';
import { log } from '../log.js';
import { roundCents } from '../money.js';
import type { ProviderId } from '../providers/types.js';
import { type Books, decodeCursor, encodeCursor, type LedgerChange } from './books.js';
import { bookOf, DAY_MS, indexedFields, type LedgerEntry } from './entry.js';
import { version01Entry } from './version-01.js';

// The books of PROXYCART_STORE=redis://…, on the store's own connection. Each entry is one
// JSON string; every question is answered by a sorted set (score = createdAt, member = id,
// so Redis orders ties by id as `isBefore` does) that holds exactly the entries the question
// is about. Under `books:` (the 0.1 ledger used `ledger:<id>` and `order:<provider>:<id>`,
// keyv uses `quote:`, `approval:` …):
//
//   books:e:<id>                 the entry's JSON, written by JS only (Lua's cjson would
//                                re-encode numbers), replaced by compare-and-swap
//   books:l:<book>[:i=<identity>][:p=<provider>][:s=<state>]
//                                listing, one set per combination of the filters
//                                `proxycart_orders` can ask for at once (a client that is not
//                                an admin always filters by identity), so every page is one
//                                range read: 4 sets per entry, 8 when it has an identity
//   books:w:<book>[:i=<identity>]
//                                the 24-hour window: member `<charged cents>:<id>`, not
//                                failed; reserve trims what is older than a day (plus an hour
//                                of clock slack between nodes), so it holds about a day
//   books:u:<book>, books:ua:<argsHash>
//                                unknown outcomes (few: each waits for a person or the vendor)
//   books:x:<book>               entries that record an order's expiry, scored by that expiry
//   books:xo:<book>:<order>      per order (`<provider>:<vendor id>`), its entries that record
//                                an expiry: the newest one holds the current expiry
//   books:r:<book>               entries that armed a recurring charge
//   books:ro:<book>:<order>      per order, its entries that armed or turned off renewal: the
//                                newest one decides
//   books:orders (hash)          `<provider>:<vendor order id>` → id
//   books:o:<provider>           vendor order ids by their entry's createdAt
//   books:migrated               set once the 0.1 keys are moved
//
// Variable parts of key names are URI-encoded, so no identity or vendor state can forge a
// `:p=` of its own. Standalone Redis only (the store opens a single client, not a cluster).

/**
 * A connected single-server client, RESP2 (node-redis's default, and what the store's
 * `@keyv/redis` opens): pass `(await keyvRedis.getClient()) as RedisClient`. getClient's own
 * type is a union with cluster and sentinel clients, which TypeScript cannot check calls on.
 */
export type RedisClient = RedisClientType;

const P = 'books:';
const MIGRATED = `${P}migrated`;
const ORDERS = `${P}orders`;
/** Window entries are kept this long past the day, so a node whose clock is behind still counts them. */
const TRIM_SLACK_MS = 60 * 60 * 1000;
/** Entries read per round trip when listing or streaming; written per script, and scripts in flight, when appending. */
const PAGE = 500;
const BATCH = 200;
const IN_FLIGHT = 4;

const enc = encodeURIComponent;
const entryKey = (id: string) => `${P}e:${id}`;
const windowKey = (book: string, identity?: string) => `${P}w:${book}${identity === undefined ? '' : `:i=${enc(identity)}`}`;
const listKey = (book: string, f: { identity?: string; provider?: string; state?: string }) =>
  `${P}l:${book}${f.identity === undefined ? '' : `:i=${enc(f.identity)}`}${f.provider === undefined ? '' : `:p=${enc(f.provider)}`}${f.state === undefined ? '' : `:s=${enc(f.state)}`}`;
const unknownKey = (book: string) => `${P}u:${book}`;
const unknownArgsKey = (argsHash: string) => `${P}ua:${enc(argsHash)}`;
const orderIdsKey = (provider: string) => `${P}o:${provider}`;
const expiryKey = (book: string) => `${P}x:${book}`;
const orderExpiryKey = (book: string, watchKey: string) => `${P}xo:${book}:${enc(watchKey)}`;
const armedKey = (book: string) => `${P}r:${book}`;
const orderRenewalKey = (book: string, watchKey: string) => `${P}ro:${book}:${enc(watchKey)}`;
const WATCH_INDEXED = `${P}indexed-watch`;
const cents = (usd: number) => Math.round(usd * 100);

/** One index an entry belongs to: a sorted-set member (scored by createdAt unless `score`) or a hash field. */
type Membership = { kind: 'z'; key: string; member: string; score?: number } | { kind: 'h'; key: string; member: string; value: string };

/** The sets `proxycart_orders` watches orders by (expiring, recurring). */
function watchMemberships(entry: LedgerEntry): Membership[] {
  const { book, watchKey, expiresAt, renewal } = indexedFields(entry);
  const out: Membership[] = [];
  if (watchKey === null) return out;
  if (expiresAt !== null) {
    out.push({ kind: 'z', key: expiryKey(book), member: entry.id, score: expiresAt });
    out.push({ kind: 'z', key: orderExpiryKey(book, watchKey), member: entry.id });
  }
  if (renewal !== null) out.push({ kind: 'z', key: orderRenewalKey(book, watchKey), member: entry.id });
  if (renewal === 'armed') out.push({ kind: 'z', key: armedKey(book), member: entry.id });
  return out;
}

function memberships(entry: LedgerEntry): Membership[] {
  const { book, state, chargedUsd, orderId } = indexedFields(entry);
  const out: Membership[] = watchMemberships(entry);
  const z = (key: string, member = entry.id) => out.push({ kind: 'z', key, member });
  for (const identity of entry.identity === undefined ? [undefined] : [undefined, entry.identity]) {
    z(listKey(book, { identity }));
    z(listKey(book, { identity, provider: entry.provider }));
    z(listKey(book, { identity, state }));
    z(listKey(book, { identity, provider: entry.provider, state }));
    if (entry.status !== 'failed') z(windowKey(book, identity), `${cents(chargedUsd)}:${entry.id}`);
  }
  if (entry.status === 'outcome_unknown') {
    z(unknownKey(book));
    z(unknownArgsKey(entry.argsHash));
  }
  if (orderId !== null) {
    z(orderIdsKey(entry.provider), orderId);
    out.push({ kind: 'h', key: ORDERS, member: `${entry.provider}:${orderId}`, value: entry.id });
  }
  return out;
}

/**
 * The index writes that take the books from `before` to `after` (from nothing when `before` is
 * undefined), as script keys and arguments: each op is three arguments (kind, member, value)
 * on the next key. A member both have stays; the rest is removed or added.
 */
function indexOps(before: LedgerEntry | undefined, after: LedgerEntry): { keys: string[]; args: string[] } {
  // The score is part of a member's identity: an expiry that moved is removed, then added anew.
  const id = (m: Membership) => `${m.kind}\0${m.key}\0${m.member}\0${m.kind === 'z' ? (m.score ?? '') : ''}`;
  const old = new Map((before ? memberships(before) : []).map((m) => [id(m), m]));
  const next = new Map(memberships(after).map((m) => [id(m), m]));
  const keys: string[] = [];
  const args: string[] = [];
  for (const [k, m] of old) {
    if (next.has(k)) continue;
    keys.push(m.key);
    args.push(m.kind === 'z' ? 'zrem' : 'hdel', m.member, '');
  }
  for (const [k, m] of next) {
    if (old.has(k)) continue;
    keys.push(m.key);
    args.push(m.kind === 'z' ? 'zadd' : 'hset', m.member, m.kind === 'z' ? String(m.score ?? after.createdAt) : m.value);
  }
  return { keys, args };
}

// Shared by every writing script: apply `n` ops whose keys start at KEYS[k] and arguments at ARGV[a].
const APPLY = `
local function apply(k, a, n)
  for i = 0, n - 1 do
    local key, op, member, value = KEYS[k + i], ARGV[a + 3 * i], ARGV[a + 3 * i + 1], ARGV[a + 3 * i + 2]
    if op == 'zadd' then redis.call('ZADD', key, value, member)
    elseif op == 'zrem' then redis.call('ZREM', key, member)
    elseif op == 'hset' then redis.call('HSET', key, member, value)
    else redis.call('HDEL', key, member) end
  end
end
`;

// Sum of the charged cents in a window set over [from, to]; members are `<cents>:<id>`, where
// an absurd vendor total may write the cents as \`1e+22\`. Sums go back as text: Redis would
// truncate a Lua number above 2^63 into an integer reply, and %.17g keeps every digit.
const SUM = `
local function sum(key, from, to)
  local total = 0
  for _, member in ipairs(redis.call('ZRANGE', key, from, to, 'BYSCORE')) do
    total = total + tonumber(string.match(member, '^[^:]+'))
  end
  return total
end
local function text(n) return string.format('%.17g', n) end
`;

/**
 * Check the budget and write the intent in one step on the server: nothing runs between the
 * sum and the write, on any connection. Entries stamped after `now` count too: they come from
 * a node whose clock is ahead, or a call that ran first, and money spent is spent. KEYS:
 * entry, book window, identity window (the book window again when there is no identity),
 * then the ops' keys. ARGV: json, from, trim-before, amount, budget, identity budget
 * ('' for none), has-identity, then the ops. Amounts are whole cents, so the sums are exact.
 * Returns {1} reserved, {0} exists, {2, total, own} over budget.
 */
const RESERVE = `${APPLY}${SUM}
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
local amount = tonumber(ARGV[4])
local total = sum(KEYS[2], ARGV[2], '+inf')
local own = 0
if ARGV[7] == '1' then own = sum(KEYS[3], ARGV[2], '+inf') end
if total + amount > tonumber(ARGV[5]) or (ARGV[7] == '1' and ARGV[6] ~= '' and own + amount > tonumber(ARGV[6])) then
  return {2, text(total), text(own)}
end
redis.call('SET', KEYS[1], ARGV[1])
apply(4, 8, (#ARGV - 7) / 3)
return {1}`;

/** KEYS: book window, identity window. ARGV: from. Returns {total, own} in cents; later stamps count, as in reserve. */
const SPENDING = `${SUM}
return {text(sum(KEYS[1], ARGV[1], '+inf')), text(sum(KEYS[2], ARGV[1], '+inf'))}`;

/**
 * Write complete entries, each unless its id is present (append) or, for a 0.1 entry, only if
 * its old key still holds what was read, deleting that key in the same step (migration: of two
 * processes that migrate at once, one moves it and the other finds it gone). Per entry, KEYS:
 * the entry, its old key (the entry again when none), its ops' keys; ARGV: json, the old raw
 * value ('' when none), the op count, the ops. Returns per entry 1 written, 0 already there or
 * gone, -1 the old key changed since it was read. A batch is a few hundred entries: the server
 * is busy with one for a few milliseconds.
 */
const WRITE = `${APPLY}
local results = {}
local k, a = 1, 1
while a <= #ARGV do
  local n = tonumber(ARGV[a + 2])
  local result = 1
  if ARGV[a + 1] ~= '' then
    local old = redis.call('GET', KEYS[k + 1])
    if not old then result = 0
    elseif old ~= ARGV[a + 1] then result = -1
    else redis.call('DEL', KEYS[k + 1]) end
  end
  if result == 1 and redis.call('EXISTS', KEYS[k]) == 1 then result = 0 end
  if result == 1 then
    redis.call('SET', KEYS[k], ARGV[a])
    apply(k + 2, a + 3, n)
  end
  results[#results + 1] = result
  k = k + 2 + n
  a = a + 3 + 3 * n
end
return results`;

/** Replace the entry only if it is still what was read. KEYS: entry, ops' keys. ARGV: read json, next json, ops. */
const SWAP = `${APPLY}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
apply(2, 3, (#ARGV - 2) / 3)
return 1`;

/** A position in the listing order. */
interface Position {
  createdAt: number;
  id: string;
}

type Run = (script: string, keys: string[], args: string[]) => Promise<unknown>;

/** A complete entry to write, and for a 0.1 entry the key and raw value it was read from. */
interface Write {
  entry: LedgerEntry;
  old?: { key: string; raw: string };
}

/**
 * Write entries in batches of a few hundred per script, several batches in flight (node-redis
 * pipelines them): 100,000 entries take seconds. Returns each entry's result (see WRITE).
 */
async function writeAll(run: Run, writes: readonly Write[]): Promise<number[]> {
  const send = (batch: readonly Write[]) => {
    const keys: string[] = [];
    const args: string[] = [];
    for (const { entry, old } of batch) {
      const ops = indexOps(undefined, entry);
      keys.push(entryKey(entry.id), old?.key ?? entryKey(entry.id), ...ops.keys);
      args.push(JSON.stringify(entry), old?.raw ?? '', String(ops.keys.length), ...ops.args);
    }
    return run(WRITE, keys, args) as Promise<number[]>;
  };
  // A few workers, each sending its next batch as soon as its last is answered, so building
  // one batch here overlaps the server running another.
  const results: number[][] = [];
  let next = 0;
  const worker = async () => {
    for (let at = next; at < writes.length; at = next) {
      next += BATCH;
      results[at / BATCH] = (await send(writes.slice(at, at + BATCH))).map(Number);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return results.flat();
}

export async function openRedisBooks(client: RedisClient): Promise<Books> {
  const scripts = new Map([RESERVE, SPENDING, WRITE, SWAP].map((script) => [script, createHash('sha1').update(script).digest('hex')]));
  /** EVALSHA, loading the script when the server does not know it (after a restart or SCRIPT FLUSH). */
  const run: Run = async (script, keys, args) => {
    try {
      return await client.evalSha(scripts.get(script)!, { keys, arguments: args });
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return client.eval(script, { keys, arguments: args });
    }
  };
  await Promise.all([...scripts.keys()].map((script) => client.scriptLoad(script)));

  const read = async (ids: readonly string[]): Promise<LedgerEntry[]> => {
    if (ids.length === 0) return [];
    const raws = await client.mGet(ids.map(entryKey));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as LedgerEntry]));
  };

  /**
   * Up to `count` positions of a sorted set, newest first (`desc`) or oldest first, strictly
   * beyond `after`; oldest first may be bounded to [from, to). The range starts at the cursor's
   * own millisecond, and the members that share it are skipped by id: the only ones read twice.
   */
  const positions = async (key: string, desc: boolean, after: Position | undefined, count: number, from?: number, to?: number): Promise<Position[]> => {
    const start = after ? String(after.createdAt) : desc ? '+inf' : String(from ?? '-inf');
    const end = desc ? '-inf' : to === undefined ? '+inf' : `(${to}`;
    const beyond = (p: Position) => !after || p.createdAt !== after.createdAt || (desc ? p.id < after.id : p.id > after.id);
    const out: Position[] = [];
    for (let offset = 0; ; ) {
      // With REV, ZRANGE takes the range from its high end: `start` is the high end then.
      const batch = await client.zRangeWithScores(key, start, end, { BY: 'SCORE', REV: desc || undefined, LIMIT: { offset, count } });
      for (const { value, score } of batch) {
        const p = { createdAt: score, id: String(value) };
        if (beyond(p)) out.push(p);
      }
      if (out.length >= count || batch.length < count) return out.slice(0, count);
      offset += batch.length;
    }
  };

  /** Every position of a sorted set in [from, to), oldest first, read a page at a time. */
  async function* ascending(key: string, from?: number, to?: number): AsyncGenerator<Position> {
    let after: Position | undefined;
    for (;;) {
      const page = await positions(key, false, after, PAGE, from, to);
      yield* page;
      if (page.length < PAGE) return;
      after = page.at(-1);
    }
  }

  /** The entries that are the newest member of their order's set (Redis orders equal scores by member, as `isBefore` does). */
  const newestPerOrder = async (entries: LedgerEntry[], keyOf: (watchKey: string) => string): Promise<LedgerEntry[]> => {
    const newest = await Promise.all(
      entries.map(async (entry) => {
        const { watchKey } = indexedFields(entry);
        return watchKey === null ? undefined : (await client.zRange(keyOf(watchKey), -1, -1))[0];
      }),
    );
    return entries.filter((entry, i) => newest[i] !== undefined && String(newest[i]) === entry.id);
  };

  const spendingCents = async (sandbox: boolean, identity: string | undefined, now: number) => {
    const book = bookOf(sandbox);
    const [total, own] = (await run(SPENDING, [windowKey(book), windowKey(book, identity)], [String(now - DAY_MS)])) as string[];
    return { total: Number(total), own: Number(own) };
  };
  const spendingOf = (total: number, own: number, identity: string | undefined): Spending => ({
    total: roundCents(total / 100),
    ...(identity === undefined ? {} : { identity: { name: identity, spent: roundCents(own / 100) } }),
  });

  const books: Books = {
    async get(id) {
      return (await read([id]))[0];
    },

    async byOrderId(provider, orderId) {
      const id = await client.hGet(ORDERS, `${provider}:${orderId}`);
      return id ? books.get(String(id)) : undefined;
    },

    async spending(sandbox, identity, now) {
      const { total, own } = await spendingCents(sandbox, identity, now);
      return spendingOf(total, own, identity);
    },

    async unresolved(argsHash) {
      const [id] = await client.zRange(unknownArgsKey(argsHash), 0, 0);
      return id === undefined ? undefined : books.get(String(id));
    },

    async unknownOutcomes(sandbox, identity) {
      const ids = await client.zRange(unknownKey(bookOf(sandbox)), 0, -1, { REV: true });
      return (await read(ids.map(String))).filter((e) => e.status === 'outcome_unknown' && (identity === undefined || e.identity === identity));
    },

    async expiring(sandbox, from, to, identity) {
      const book = bookOf(sandbox);
      const ids = await client.zRange(expiryKey(book), from, to, { BY: 'SCORE' });
      // Per order only its newest entry that records an expiry counts (an extend moves it).
      const entries = await newestPerOrder(await read(ids.map(String)), (watchKey) => orderExpiryKey(book, watchKey));
      return entries.filter((e) => identity === undefined || e.identity === identity);
    },

    async recurring(sandbox, identity) {
      const book = bookOf(sandbox);
      const ids = await client.zRange(armedKey(book), 0, -1, { REV: true });
      const entries = await newestPerOrder(await read(ids.map(String)), (watchKey) => orderRenewalKey(book, watchKey));
      return entries.filter((e) => indexedFields(e).renewal === 'armed' && (identity === undefined || e.identity === identity));
    },

    async reserve(entry, budget, now) {
      const written: LedgerEntry = { ...entry, status: 'submitting', createdAt: now, updatedAt: now };
      const book = bookOf(entry.sandbox ?? false);
      const ops = indexOps(undefined, written);
      const keys = [entryKey(entry.id), windowKey(book), windowKey(book, entry.identity), ...ops.keys];
      const args = [
        JSON.stringify(written),
        String(now - DAY_MS),
        String(now - DAY_MS - TRIM_SLACK_MS),
        String(cents(indexedFields(written).chargedUsd)),
        budgetCents(budget.dailyBudgetUsd),
        budget.identityBudgetUsd === undefined ? '' : budgetCents(budget.identityBudgetUsd),
        entry.identity === undefined ? '0' : '1',
        ...ops.args,
      ];
      const [outcome, total, own] = ((await run(RESERVE, keys, args)) as Array<number | string>).map(Number);
      if (outcome === 0) return { outcome: 'exists' };
      if (outcome === 2) return { outcome: 'over_budget', spending: spendingOf(total!, own!, entry.identity) };
      return { outcome: 'reserved', entry: written };
    },

    async record(id, change, now) {
      // Read, merge in JS, and write back only if nobody wrote in between; else read again.
      for (;;) {
        const raw = await client.get(entryKey(id));
        if (raw === null) throw new ProxycartError('not_found', 'The ledger entry of this order is missing.');
        const current = JSON.parse(String(raw)) as LedgerEntry;
        const next: LedgerEntry = { ...current, ...(change satisfies LedgerChange), updatedAt: now };
        const ops = indexOps(current, next);
        if (Number(await run(SWAP, [entryKey(id), ...ops.keys], [String(raw), JSON.stringify(next), ...ops.args])) === 1) return next;
      }
    },

    async list(query) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const key = listKey(bookOf(query.sandbox), query);
      const found = await positions(key, true, after, query.limit + 1);
      const entries = await read(found.slice(0, query.limit).map((p) => p.id));
      return found.length > query.limit ? { entries, next: encodeCursor(found[query.limit - 1]!) } : { entries };
    },

    async orderIdsSince(provider: ProviderId, since: number) {
      return (await client.zRange(orderIdsKey(provider), since, '+inf', { BY: 'SCORE' })).map(String);
    },

    async *stream(query) {
      const names = query.sandbox === undefined ? (['live', 'sandbox'] as const) : [bookOf(query.sandbox)];
      const walks = names.map((book) => ascending(listKey(book, { identity: query.identity }), query.from, query.to));
      // Merge the books' walks by (createdAt, id); read entries a page at a time.
      const heads = await Promise.all(walks.map((w) => w.next()));
      let page: string[] = [];
      for (;;) {
        let at = -1;
        for (const [i, head] of heads.entries()) {
          if (head.done) continue;
          const best = at < 0 ? undefined : (heads[at]!.value as Position);
          if (!best || head.value.createdAt < best.createdAt || (head.value.createdAt === best.createdAt && head.value.id < best.id)) at = i;
        }
        if (at >= 0) {
          page.push((heads[at]!.value as Position).id);
          heads[at] = await walks[at]!.next();
        }
        if (page.length === PAGE || (at < 0 && page.length > 0)) {
          yield* await read(page);
          page = [];
        }
        if (at < 0) return;
      }
    },

    async append(entries) {
      const results = await writeAll(
        run,
        entries.map((entry) => ({ entry })),
      );
      return results.filter((result) => result === 1).length;
    },

    async durabilityWarning() {
      const info = String(await client.info('persistence'));
      if (/^aof_enabled:1\b/m.test(info)) return undefined;
      let save: string | undefined;
      try {
        save = String((await client.configGet('save')).save ?? '');
      } catch {
        save = undefined; // CONFIG is often disabled on managed Redis
      }
      if (save === '') return 'Redis has persistence off (no appendonly, no snapshots): the books are lost when Redis restarts: turn on appendonly.';
      if (save === undefined)
        return 'Redis has appendonly off and its snapshot settings cannot be read: orders since the last snapshot may be lost when Redis restarts: turn on appendonly.';
      return 'Redis keeps the books in snapshots only (appendonly off): orders since the last snapshot are lost if Redis stops abruptly: turn on appendonly.';
    },

    /** Leaves the client open: it is the store's connection, and the store closes it. */
    async close() {},
  };

  await migrate(client, run);
  await indexWatch(client, run);
  return books;
}

/**
 * Adds the entries written before the watch sets existed (see watchMemberships) to them,
 * once. Each entry's sets are written only if the entry is still what was read (SWAP with
 * the same text), else it is read again; `books:indexed-watch` makes later starts skip it.
 */
async function indexWatch(client: RedisClient, run: Run): Promise<void> {
  if ((await client.exists(WATCH_INDEXED)) === 1) return;
  let indexed = 0;
  for await (const keys of scan(client, `${P}e:`)) {
    let pending = keys;
    while (pending.length > 0) {
      const raws = await client.mGet(pending);
      const retry: string[] = [];
      for (const [i, key] of pending.entries()) {
        const raw = raws[i];
        if (raw === null || raw === undefined) continue;
        const entry = JSON.parse(String(raw)) as LedgerEntry;
        const ops = watchMemberships(entry);
        if (ops.length === 0) continue;
        const args = ops.flatMap((m) => ['zadd', m.member, String((m.kind === 'z' ? m.score : undefined) ?? entry.createdAt)]);
        if (Number(await run(SWAP, [key, ...ops.map((m) => m.key)], [String(raw), String(raw), ...args])) === 1) indexed++;
        else retry.push(key);
      }
      pending = retry;
    }
  }
  await client.set(WATCH_INDEXED, new Date().toISOString());
  if (indexed > 0) log('info', `ledger: indexed the expiry and renewal of ${indexed} placed entries for proxycart_orders (once)`);
}

/** A budget in whole cents, never rounded up (a fraction of a cent over is over). */
function budgetCents(usd: number): string {
  return Number.isFinite(usd) ? String(Math.floor(usd * 100 + 1e-6)) : '1e300';
}

/**
 * Move a 0.1 ledger (each entry a keyv envelope `{"value": entry}` under `ledger:<id>`, and
 * `order:<provider>:<order id>` → id) into the books, once. Each entry moves atomically with
 * the removal of its old key, so a crash or a second process at the same time cannot lose or
 * double it; `books:migrated` makes later starts skip the scan.
 */
async function migrate(client: RedisClient, run: Run): Promise<void> {
  if ((await client.exists(MIGRATED)) === 1) return;
  let moved = 0;
  for await (let keys of scan(client, 'ledger:')) {
    // A key whose value changed between the read and the move (a 0.1 process still writing) is read again.
    while (keys.length > 0) {
      const raws = await client.mGet(keys);
      const writes: Write[] = [];
      for (const [i, key] of keys.entries()) {
        const raw = raws[i];
        if (raw === null || raw === undefined) continue;
        const entry = version01Entry(key, String(raw));
        if (entry) writes.push({ entry, old: { key, raw: String(raw) } });
        else log('warning', `Left ${key} in place: it is not a 0.1 ledger entry.`);
      }
      const results = await writeAll(run, writes);
      moved += results.filter((result) => result === 1).length;
      keys = writes.filter((_, i) => results[i] === -1).map((w) => w.old!.key);
    }
  }
  // The old order index only pointed into `ledger:`; the books index orders themselves.
  for await (const keys of scan(client, 'order:')) await client.unlink(keys);
  await client.set(MIGRATED, new Date().toISOString());
  if (moved > 0) log('info', `Moved ${moved} ledger entries from the 0.1 layout (ledger:<id>) into the books (books:*).`);
}

/** Keys starting with `prefix`, a batch at a time (glob characters in the prefix escaped). */
async function* scan(client: RedisClient, prefix: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const page = await client.scan(cursor, { MATCH: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 1000 });
    cursor = String(page.cursor);
    if (page.keys.length > 0) yield page.keys.map(String);
  } while (cursor !== '0');
}
