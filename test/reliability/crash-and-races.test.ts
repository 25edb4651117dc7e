import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenId } from '../../src/guard/confirmation.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { connect, type Session, sandboxEnv, tempDir, textOf } from '../e2e/harness.js';
import { FIXTURES, type VendorFixture } from '../fixtures.js';
import { withLedger } from '../ledger/with-ledger.js';
import { type FaultRow, saveSuiteReport } from './report.js';

// Crashes and races across server processes that share one SQLite store.

/**
 * What a restarted server can learn of an order whose answer died with the old process:
 * replaying the idempotency key returns the original order, the vendor's records show it
 * (lookup), or, with no way to look, it is said plainly.
 */
const afterCrash = (fixture: VendorFixture): string => (fixture.spec.capabilities.recover === false ? 'outcome_unknown' : 'placed');

const rows: FaultRow[] = [];
let doubleCharges = 0;
afterAll(() => saveSuiteReport({ suite: 'crash-and-races', complete: rows.length === FIXTURES.length * 3, rows, doubleCharges }));

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s across processes', (id, fixture) => {
  let sandbox: Sandbox;
  const sessions: Session[] = [];
  const env = (home: string, extra: Record<string, string> = {}) =>
    sandboxEnv(sandbox, {
      PROXYCART_HOME: home,
      PROXYCART_STORE: `sqlite://${join(home, 'shared.sqlite')}`,
      PROXYCART_TIMEOUT_S: '1',
      PROXYCART_ALLOW_UNPRICED: '1',
      PROXYCART_DAILY_BUDGET_USD: '100000',
      ...extra,
    });
  const open = async (e: Record<string, string>) => {
    const s = await connect({ env: e });
    sessions.push(s);
    return s;
  };
  const simulator = () => sandbox.vendors[id]!.simulator;

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await sandbox?.close();
  });

  it('starts', async () => {
    sandbox = await startSandbox([id]);
    simulator().state.rateLimitPerMinute = 0;
    simulator().state.balance = 1000;
  });

  it('a SIGKILL after the vendor committed leaves the intent in the ledger, and a restart never orders twice', async () => {
    const home = tempDir(`crash-${id}`);
    const a = await open(env(home));
    const quoted = await a.ok(`${id}_place_order`, fixture.order);
    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    const before = simulator().state.orders.size;
    const stop = simulator().inject({ method: 'POST', path: fixture.probe.money, phase: 'after', action: { kind: 'hang' } });
    void a.call(`${id}_place_order`, args).catch(() => undefined);
    await until(() => simulator().state.orders.size === before + 1, 'the vendor to commit the order');
    process.kill(a.pid!, 'SIGKILL');
    stop();

    const intent = await withLedger({ kind: 'sqlite', file: join(home, 'shared.sqlite') }, (ledger) => ledger.get(tokenId(quoted.confirmation_token)));
    expect(intent?.status).toBe('submitting');

    const b = await open(env(home));
    const after = await b.call(`${id}_place_order`, args);
    const observed = after.isError ? textOf(after).split(':')[0]! : (after.structuredContent as { status: string }).status;
    const again = await b.call(`${id}_place_order`, args);
    const orders = simulator().state.orders.size - before;
    if (orders > 1) doubleCharges += 1;
    rows.push({
      provider: id,
      fault: 'SIGKILL after the vendor committed',
      operation: 'confirm after restart',
      expected: afterCrash(fixture),
      observed,
      orders,
    });
    expect(orders).toBe(1);
    expect(observed).toBe(afterCrash(fixture));
    expect(again.isError).toBeFalsy();
    expect(simulator().state.orders.size - before).toBe(1);
  });

  it('50 concurrent confirmations of one token over two processes make exactly one vendor order', async () => {
    const home = tempDir(`race-${id}`);
    const [a, b] = [await open(env(home)), await open(env(home))];
    const quoted = await a.ok(`${id}_place_order`, fixture.order);
    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    const before = simulator().state.orders.size;
    const moneyBefore = simulator().moneyRequests().length;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).call(`${id}_place_order`, args)));
    const orders = simulator().state.orders.size - before;
    if (orders > 1) doubleCharges += 1;
    rows.push({
      provider: id,
      fault: '50 concurrent confirmations, 2 processes',
      operation: 'place_order (confirmed)',
      expected: 'placed ×50',
      observed: `${results.filter((r) => !r.isError && (r.structuredContent as { status: string }).status === 'placed').length} placed`,
      orders,
    });
    expect(orders).toBe(1);
    expect(simulator().moneyRequests().length - moneyBefore).toBe(1);
    const ids = new Set(results.map((r) => (r.structuredContent as { order?: { id: string } } | undefined)?.order?.id));
    // On failure, say what each confirmation answered: an order id, or the error.
    const answers = results.map((r) => (r.isError ? textOf(r).slice(0, 160) : (r.structuredContent as { order?: { id: string } }).order?.id));
    expect(ids.size, JSON.stringify([...new Set(answers)])).toBe(1);
  });

  it('two processes spending at once cannot together pass the 24-hour budget', async () => {
    const home = tempDir(`budget-${id}`);
    const probe = await open(env(home, { PROXYCART_STORE: 'memory' }));
    const total = (await probe.ok(`${id}_place_order`, fixture.order)).quote.total_usd as number | null;
    // Unpriced orders count as 0 against the budget, so this holds only for priced vendors.
    if (total === null) {
      rows.push({ provider: id, fault: 'two processes against one budget', operation: 'place_order', expected: 'n/a (unpriced)', observed: 'n/a (unpriced)' });
      expect(fixture.spec.capabilities.quote).toBe('unknown');
      return;
    }
    const shared = env(home, { PROXYCART_DAILY_BUDGET_USD: String(Math.round(total * 150) / 100) });
    const [a, b] = [await open(shared), await open(shared)];
    const [qa, qb] = [await a.ok(`${id}_place_order`, fixture.order), await b.ok(`${id}_place_order`, fixture.order)];
    const before = simulator().state.orders.size;
    const results = await Promise.all([
      a.call(`${id}_place_order`, { ...fixture.order, confirmation_token: qa.confirmation_token }),
      b.call(`${id}_place_order`, { ...fixture.order, confirmation_token: qb.confirmation_token }),
    ]);
    const placed = results.filter((r) => !r.isError);
    rows.push({
      provider: id,
      fault: 'two processes against one budget (1.5 orders)',
      operation: 'place_order (confirmed) ×2',
      expected: '1 placed, 1 policy',
      observed: `${placed.length} placed`,
      orders: simulator().state.orders.size - before,
    });
    expect(placed).toHaveLength(1);
    expect(textOf(results.find((r) => r.isError)!)).toMatch(/^policy: .*budget/);
    expect(simulator().state.orders.size - before).toBe(1);
  });
});
