import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/ledger/entry.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import type { StoreUrl } from '../../src/store-url.js';
import { connect, sandboxEnv, tempDir, textOf } from '../e2e/harness.js';
import { connectHttp, type HttpNodeProcess, type RedisServer, redisServer, startNode } from '../e2e/http-harness.js';
import { FIXTURE, ID, tool } from '../example.js';
import { pastEntry } from '../ledger/contract.js';
import { withLedger } from '../ledger/with-ledger.js';
import { type PostgresServer, postgresServer } from '../postgres-server.js';

// The 24-hour budget across processes: 50 confirmations of distinct approved quotes at once,
// spread over two server processes (stdio on one SQLite file) or two HTTP nodes (Redis, Postgres),
// with a budget that fits exactly 10 of them. The ledger's atomic reservation must let
// exactly 10 through and refuse the rest, whether the books are empty or hold 100,000 past
// orders (seeded through the ledger module, all older than 24 hours).

const PLACE = tool('place_order');
const CONFIRMATIONS = 50;
const FITS = 10;
const GROWN = 100_000;

type Confirm = (args: Record<string, unknown>) => Promise<{ isError?: boolean; structuredContent?: unknown; text: string }>;

interface Topology {
  name: string;
  /** A fresh, empty store for one run. */
  store(): Promise<{ url: StoreUrl; env: string }>;
  /** Two servers on that store; each returns a confirm function bound to one of them. */
  servers(env: Record<string, string>): Promise<{ confirms: [Confirm, Confirm]; close(): Promise<void> }>;
}

let sandbox: Sandbox;
let redis: RedisServer;
let redisDb = 0;
let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await postgresServer();
  sandbox = await startSandbox([ID]);
  sandbox.vendors[ID]!.simulator.state.rateLimitPerMinute = 0;
  sandbox.vendors[ID]!.simulator.state.balance = 1e7;
  redis = await redisServer();
});
afterAll(async () => {
  await sandbox?.close();
  await redis?.stop();
  await postgres?.stop();
});

const vendorOrders = () => sandbox.vendors[ID]!.simulator.state.orders.size;

/** Two `serve --http` nodes on a shared store, each with a client of its own. */
function httpNodes(name: string, store: Topology['store']): Topology {
  return {
    name,
    store,
    async servers(env) {
      const nodes: HttpNodeProcess[] = await Promise.all([startNode(env), startNode(env)]);
      const sessions = await Promise.all(nodes.map((n) => connectHttp([n.url])));
      const confirms = sessions.map((s) => async (args: Record<string, unknown>) => {
        const result = await s.call(PLACE, args);
        return { ...result, text: textOf(result) };
      }) as unknown as [Confirm, Confirm];
      return {
        confirms,
        async close() {
          await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
          for (const n of nodes) n.kill('SIGKILL');
        },
      };
    },
  };
}

const topologies: Topology[] = [
  {
    name: 'SQLite, two stdio processes',
    async store() {
      const file = join(tempDir('budget-sqlite'), 'shared.sqlite');
      return { url: { kind: 'sqlite', file }, env: `sqlite://${file}` };
    },
    async servers(env) {
      const sessions = await Promise.all([connect({ env }), connect({ env })]);
      const confirms = sessions.map((s) => async (args: Record<string, unknown>) => {
        const result = await s.call(PLACE, args);
        return { ...result, text: textOf(result) };
      }) as unknown as [Confirm, Confirm];
      return { confirms, close: async () => void (await Promise.all(sessions.map((s) => s.close()))) };
    },
  },
  httpNodes('Redis, two HTTP nodes', async () => {
    // A database of its own per run: the books start empty.
    const url = `${redis.url}/${++redisDb}`;
    return { url: { kind: 'redis', url }, env: url };
  }),
  httpNodes('Postgres, two HTTP nodes', async () => {
    const url = await postgres.database();
    return { url: { kind: 'postgres', url }, env: url };
  }),
];

describe.each(topologies.map((t) => [t.name, t] as const))('%s', (_, topology) => {
  let price = 0;

  it.each([
    ['empty books', 0],
    ['100,000 past orders', GROWN],
  ])(
    '50 confirmations at once with a budget for 10 (%s): exactly 10 placed',
    async (_label, past) => {
      const { url, env: store } = await topology.store();
      if (past > 0) {
        const longAgo = Date.now() - DAY_MS - 60_000;
        await withLedger(url, async (ledger) => {
          for (let at = 0; at < past; at += 10_000) {
            const batch = Array.from({ length: 10_000 }, (_, i) =>
              pastEntry(longAgo - (at + i) * 60_000, { provider: ID, sandbox: true, environment: `sandbox:${ID}` }),
            );
            await ledger.books.append(batch);
          }
        });
      }
      const base = sandboxEnv(sandbox, { PROXYCART_STORE: store, PROXYCART_CONFIRM: 'token', PROXYCART_TIMEOUT_S: '5' });
      if (price === 0) {
        const probe = await connect({ env: { ...base, PROXYCART_STORE: 'memory' } });
        price = (await probe.ok(PLACE, FIXTURE.order)).quote.total_usd;
        await probe.close();
      }
      const budget = String(Math.round(price * FITS * 100) / 100);
      const servers = await topology.servers({ ...base, PROXYCART_DAILY_BUDGET_USD: budget, PROXYCART_MAX_ORDER_USD: budget });
      try {
        const [one, two] = servers.confirms;
        const tokens: string[] = [];
        for (let i = 0; i < CONFIRMATIONS; i++) {
          const quoted = await (i % 2 ? two : one)(FIXTURE.order);
          expect(quoted.isError, quoted.text).toBeFalsy();
          tokens.push((quoted.structuredContent as { confirmation_token: string }).confirmation_token);
        }
        const before = vendorOrders();
        const results = await Promise.all(tokens.map((token, i) => (i % 2 ? one : two)({ ...FIXTURE.order, confirmation_token: token })));
        const placed = results.filter((r) => !r.isError && (r.structuredContent as { status: string }).status === 'placed');
        const refused = results.filter((r) => r.isError);
        expect(placed, results.map((r) => r.text.slice(0, 120)).join('\n')).toHaveLength(FITS);
        expect(refused).toHaveLength(CONFIRMATIONS - FITS);
        for (const r of refused) expect(r.text).toMatch(/policy.*over the budget/s);
        // What the vendor received: exactly the 10, nothing over.
        expect(vendorOrders() - before).toBe(FITS);
        const spent = await withLedger(url, (ledger) => ledger.spending(true));
        expect(spent.total).toBeCloseTo(price * FITS, 2);
      } finally {
        await servers.close();
      }
    },
    300_000,
  );
});
