import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenId } from '../../src/guard/confirmation.js';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { withLedger } from '../ledger/with-ledger.js';
import { CLI, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';
import { connectHttp, type HttpNodeProcess, type HttpSession, type RedisServer, redisServer, startNode, until } from './http-harness.js';

// Several `serve --http` nodes on one real redis-server (started here, so it can be
// stopped), with agent-confirmed tokens (PROXYCART_CONFIRM=token).

const run = promisify(execFile);
// The example vendor's fixture order; its price is read from the first quote (PRICE).
const ORDER = FIXTURE.order;
const PLACE = tool('place_order');
const MONEY = FIXTURE.probe.money;
let PRICE: number;
const usd = (amount: number) => amount.toFixed(2).replace('.', '\\.');

let redis: RedisServer;
let sandbox: Sandbox;
let tokens: Record<string, string>;
const nodes: HttpNodeProcess[] = [];
const sessions: HttpSession[] = [];
let env: (extra?: Record<string, string>) => Record<string, string>;

const simulator = () => sandbox.vendors[ID]!.simulator;
const vendorOrders = () => simulator().state.orders.size;

async function node(extra: Record<string, string> = {}): Promise<HttpNodeProcess> {
  const started = await startNode(env(extra));
  nodes.push(started);
  return started;
}

async function client(targets: HttpNodeProcess[], who = 'alice'): Promise<HttpSession> {
  const session = await connectHttp(
    targets.map((n) => n.url),
    tokens[who],
  );
  sessions.push(session);
  return session;
}

async function ledgerEntry(token: string): Promise<LedgerEntry | undefined> {
  return withLedger({ kind: 'redis', url: redis.url }, (ledger) => ledger.get(tokenId(token)));
}

beforeAll(async () => {
  redis = await redisServer();
  sandbox = await startVendors([ID]);
  simulator().state.rateLimitPerMinute = 0;
  simulator().state.balance = 100_000;
  const file = join(tempDir('redis-tokens'), 'clients.txt');
  tokens = {};
  for (const name of ['alice', 'bob', 'dave', 'erin']) {
    tokens[name] = (await run(process.execPath, [CLI, 'token', 'add', name, '--scopes', 'proxycart:read,proxycart:spend', '--file', file])).stdout.trim();
  }
  tokens.carol = (await run(process.execPath, [CLI, 'token', 'add', 'carol', '--scopes', 'proxycart:read,proxycart:admin', '--file', file])).stdout.trim();
  env = (extra = {}) =>
    sandboxEnv(sandbox, {
      PROXYCART_STORE: redis.url,
      PROXYCART_CONFIRM: 'token',
      PROXYCART_TIMEOUT_S: '1',
      PROXYCART_DAILY_BUDGET_USD: '100000',
      PROXYCART_HTTP_TOKENS_FILE: file,
      ...extra,
    });
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  for (const n of nodes) n.kill('SIGKILL');
  await sandbox?.close();
  await redis?.stop();
});

describe('two nodes, one Redis', () => {
  let a: HttpNodeProcess;
  let b: HttpNodeProcess;

  it('starts two nodes', async () => {
    [a, b] = await Promise.all([node(), node()]);
    expect(a.url).not.toBe(b.url);
  });

  it('a client alternating nodes per request: quote on one node, confirm on the other, one order', async () => {
    const session = await client([a, b]);
    const before = vendorOrders();
    // initialize went to A and notifications/initialized to B: this call goes to A, the next to B.
    const quoted = await session.ok(PLACE, ORDER);
    expect(quoted.status).toBe('confirmation_required');
    PRICE = quoted.quote.total_usd;
    expect(PRICE).toBeGreaterThan(0);
    const placed = await session.ok(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    expect(vendorOrders() - before).toBe(1);
    const replay = await session.ok(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token });
    expect(replay.order.id).toBe(placed.order.id);
    expect(vendorOrders() - before).toBe(1);
  });

  it('the team flow with a person: quote on node A, approval page on node B, confirm on node A → one order', async () => {
    const [pa, pb] = await Promise.all([node({ PROXYCART_CONFIRM: 'auto' }), node({ PROXYCART_CONFIRM: 'auto' })]);
    const onA = await client([pa]);
    const before = vendorOrders();
    const quoted = await onA.ok(PLACE, ORDER);
    expect(quoted.status).toBe('approval_required');
    // The page is served by the node itself, at localhost (WebAuthn refuses an IP address) on
    // its own port; PROXYCART_PUBLIC_URL in production.
    expect(new URL(quoted.approval_url).origin).toBe(`http://localhost:${new URL(pa.url).port}`);
    const args = { ...ORDER, confirmation_token: quoted.confirmation_token };
    expect((await onA.ok(PLACE, args)).status).toBe('approval_required');
    const originB = `http://localhost:${new URL(pb.url).port}`;
    const onB = `${originB}${new URL(quoted.approval_url).pathname}`;
    const page = await (await fetch(onB)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const decided = await fetch(onB, { method: 'POST', body: new URLSearchParams({ csrf, decision: 'approve' }), headers: { origin: originB } });
    expect(decided.status).toBe(200);
    const placed = await onA.ok(PLACE, args);
    expect(placed.status).toBe('placed');
    expect(vendorOrders() - before).toBe(1);
  });

  it('50 concurrent confirmations of one token over both nodes make one vendor order', async () => {
    const [onA, onB] = [await client([a]), await client([b])];
    const quoted = await onA.ok(PLACE, ORDER);
    const args = { ...ORDER, confirmation_token: quoted.confirmation_token };
    const before = vendorOrders();
    const money = simulator().moneyRequests().length;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? onA : onB).call(PLACE, args)));
    expect(vendorOrders() - before).toBe(1);
    expect(simulator().moneyRequests().length - money).toBe(1);
    expect(results.filter((r) => r.isError).map(textOf)).toEqual([]);
    expect(new Set(results.map((r) => (r.structuredContent as { order: { id: string } }).order.id)).size).toBe(1);
  });

  it('two identities confirming at once on different nodes cannot pass the server budget together', async () => {
    // The budget counts the shared ledger: what was spent so far plus room for 1.5 orders.
    const spent = (await withLedger({ kind: 'redis', url: redis.url }, (ledger) => ledger.spending(true))).total;
    const budget = String(Math.round((spent + PRICE * 1.5) * 100) / 100);
    const [na, nb] = await Promise.all([node({ PROXYCART_DAILY_BUDGET_USD: budget }), node({ PROXYCART_DAILY_BUDGET_USD: budget })]);
    const [alice, bob] = await Promise.all([client([na], 'alice'), client([nb], 'bob')]);
    const [qa, qb] = await Promise.all([alice.ok(PLACE, ORDER), bob.ok(PLACE, ORDER)]);
    const before = vendorOrders();
    const results = await Promise.all([
      alice.call(PLACE, { ...ORDER, confirmation_token: qa.confirmation_token }),
      bob.call(PLACE, { ...ORDER, confirmation_token: qb.confirmation_token }),
    ]);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(textOf(results.find((r) => r.isError)!)).toMatch(/^policy: .*budget/);
    expect(vendorOrders() - before).toBe(1);
  });

  it('each identity keeps its own books: its own budget and its own orders; an admin sees all', async () => {
    // Orders of PRICE against 1.5 × PRICE per client: one each.
    const perClient = Math.round(PRICE * 1.5 * 100) / 100;
    const books = await node({ PROXYCART_IDENTITY_BUDGET_USD: String(perClient) });
    const [dave, erin, carol] = [await client([books], 'dave'), await client([books], 'erin'), await client([books], 'carol')];
    const quoted = await dave.ok(PLACE, ORDER);
    expect((await dave.ok(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token })).status).toBe('placed');
    const again = await dave.call(PLACE, ORDER);
    expect(textOf(again)).toMatch(
      new RegExp(
        `^policy: This order \\(${usd(PRICE)} USD\\) would take token:dave's last 24 hours' spending from ${usd(PRICE)} USD over its budget of ${usd(perClient)} USD`,
      ),
    );
    expect((await erin.ok(PLACE, ORDER)).status).toBe('confirmation_required');
    const mine = await dave.ok('proxycart_orders', {});
    expect(mine.orders).toHaveLength(1);
    expect((await erin.ok('proxycart_orders', {})).orders).toHaveLength(0);
    const all = await carol.ok('proxycart_orders', {});
    expect(all.orders.length).toBeGreaterThan(1);
  });

  it('the nodes share the catalog cache: 40 concurrent list_offers over two nodes ask the vendor once', async () => {
    const cached = { PROXYCART_CATALOG_TTL_S: '60' };
    const [ca, cb] = await Promise.all([node(cached), node(cached)]);
    const [onA, onB] = [await client([ca]), await client([cb])];
    const catalogReads = () => simulator().log.filter((entry) => entry.method === 'GET' && entry.path === '/catalog').length;
    const before = catalogReads();
    const query = { kind: 'residential', country: 'DE' }; // a query no earlier test cached
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? onA : onB).ok(tool('list_offers'), query)));
    expect(new Set(results.map((r) => JSON.stringify(r.offers))).size).toBe(1);
    expect(catalogReads() - before).toBe(1);
  });

  it('SIGKILL of a node mid-order: the other node reconciles it, never ordering twice', async () => {
    const victim = await node();
    const [onVictim, onB] = [await client([victim]), await client([b])];
    const quoted = await onVictim.ok(PLACE, ORDER);
    const args = { ...ORDER, confirmation_token: quoted.confirmation_token };
    const before = vendorOrders();
    const stop = simulator().inject({ method: 'POST', path: MONEY, phase: 'after', action: { kind: 'hang' } });
    void onVictim.call(PLACE, args).catch(() => undefined);
    await until(() => vendorOrders() === before + 1, 'the vendor to commit the order');
    victim.kill('SIGKILL');
    stop();
    expect((await ledgerEntry(quoted.confirmation_token))?.status).toBe('submitting');
    const after = await onB.ok(PLACE, args);
    expect(after.status).toBe('placed'); // the example vendor replays its idempotency key
    expect(vendorOrders() - before).toBe(1);
    expect((await ledgerEntry(quoted.confirmation_token))?.status).toBe('placed');
  });

  it('SIGTERM during a slow money call: the call finishes, its outcome is recorded, exit 0', async () => {
    // A roomy money time limit (10 s), so a loaded machine cannot turn the slow call into a timeout.
    const leaving = await node({ PROXYCART_TIMEOUT_S: '5' });
    const session = await client([leaving]);
    const quoted = await session.ok(PLACE, ORDER);
    const before = vendorOrders();
    const money = simulator().moneyRequests().length;
    const stop = simulator().inject({ method: 'POST', path: MONEY, phase: 'before', action: { kind: 'delay', ms: 1_500 }, times: 1 });
    const confirming = session.call(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token });
    await until(() => simulator().moneyRequests().length > money, 'the money call to reach the vendor');
    leaving.kill('SIGTERM');
    const result = await confirming;
    stop();
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { status: string }).status).toBe('placed');
    expect(await leaving.exited).toBe(0);
    expect(vendorOrders() - before).toBe(1);
    expect((await ledgerEntry(quoted.confirmation_token))?.status).toBe('placed');
  });

  it('Redis stopped: calls fail fast with an error, /readyz is 503; both recover when Redis is back', async () => {
    const session = await client([a, b]);
    // Both nodes have their store connection open (readyz opens it), as in a running fleet.
    for (const n of [a, b]) expect((await fetch(`${n.origin}/readyz`)).status).toBe(200);
    await redis.stop();
    for (const n of [a, b]) {
      const started = Date.now();
      const result = await session.call(PLACE, ORDER);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^storage: /);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(textOf(result)).not.toContain(redis.url);
      const ready = await fetch(`${n.origin}/readyz`);
      expect(ready.status).toBe(503);
    }
    await redis.start();
    for (const n of [a, b]) await until(async () => (await fetch(`${n.origin}/readyz`)).status === 200, 'readyz after Redis returned', 20_000);
    const quoted = await session.ok(PLACE, ORDER);
    expect(quoted.status).toBe('confirmation_required');
  });
});

describe('the books on Redis say whether they survive a restart', () => {
  it('without persistence: a warning at start and in /readyz; with AOF: none', async () => {
    const withAof = await redisServer(['--appendonly', 'yes', '--save', '']);
    try {
      const volatile = await node();
      await until(() => volatile.stderr.some((line) => /persistence/i.test(line)), 'the durability warning on stderr');
      expect(volatile.stderr.find((line) => /persistence/i.test(line))).toMatch(/lost|restart/i);
      const said = (await (await fetch(`${volatile.origin}/readyz`)).json()) as { status: string; warnings?: string[] };
      expect(said.status).toBe('ready');
      expect(said.warnings?.[0]).toMatch(/appendonly/i);

      const durable = await node({ PROXYCART_STORE: withAof.url });
      expect(await (await fetch(`${durable.origin}/readyz`)).json()).toEqual({ status: 'ready' });
      expect(durable.stderr.some((line) => /persistence/i.test(line))).toBe(false);
    } finally {
      await withAof.stop();
    }
  });
});
