import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { connect, type Session, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// The guard, end to end through the built server: nothing is sent without approval, an
// approval is spent once, and the caps hold. The example vendor (test/example.ts) stands for
// every vendor here (the guard is the same code for all of them); it prices orders, so caps apply.

const fixture = FIXTURE;
const PLACE = tool('place_order');

describe('the money guard', () => {
  let sandbox: Sandbox;
  const sessions: Session[] = [];
  const open = async (...args: Parameters<typeof connect>) => {
    const session = await connect(...args);
    sessions.push(session);
    return session;
  };
  const simulator = () => sandbox.vendors[ID]!.simulator;

  beforeAll(async () => {
    sandbox = await startVendors([ID]);
    // Many quotes in a minute; the simulated 100 requests/minute limit is not under test here.
    simulator().state.rateLimitPerMinute = 0;
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    simulator().log.length = 0;
    simulator().state.orders.clear();
    simulator().state.balance = 100;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('refuses a token presented with changed arguments and sends nothing', async () => {
    const session = await open({ env: sandboxEnv(sandbox) });
    const quoted = await session.ok(PLACE, fixture.order);
    const changed = { ...fixture.order, quantity: Number(fixture.order.quantity ?? 1) + 1, confirmation_token: quoted.confirmation_token };
    const result = await session.call(PLACE, changed);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(textOf(result)).toMatch(/^policy: .*differ/);
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('refuses forged and unknown tokens without sending anything', async () => {
    const session = await open({ env: sandboxEnv(sandbox) });
    const result = await session.call(PLACE, { ...fixture.order, confirmation_token: 'pct_forged_token_that_was_never_issued' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^policy: .*unknown or has expired/);
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('turns 20 concurrent confirmations of one token into exactly one vendor order', async () => {
    const session = await open({ env: sandboxEnv(sandbox) });
    const quoted = await session.ok(PLACE, fixture.order);
    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    const results = await Promise.all(Array.from({ length: 20 }, () => session.ok(PLACE, args)));
    expect(simulator().moneyRequests()).toHaveLength(1);
    expect(simulator().state.orders.size).toBe(1);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(results.every((r) => r.status === 'placed')).toBe(true);
  });

  it('refuses an order over the per-order cap before any money request', async () => {
    const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_MAX_ORDER_USD: '0.5' }) });
    const result = await session.call(PLACE, fixture.order);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^policy: .*per-order cap of 0\.50 USD/);
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('refuses an order that would pass the 24-hour budget, counting orders already placed', async () => {
    const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_STORE: 'memory' }) });
    const first = await session.ok(PLACE, fixture.order);
    const total = first.quote.total_usd as number;
    await session.close();

    // A budget that fits one order but not two, on a store that remembers the first one.
    const home = tempDir('budget');
    const env = sandboxEnv(sandbox, { PROXYCART_DAILY_BUDGET_USD: String(total * 1.5), PROXYCART_HOME: home });
    const a = await open({ env });
    const quoted = await a.ok(PLACE, fixture.order);
    await a.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(simulator().moneyRequests()).toHaveLength(1);

    const again = await a.call(PLACE, fixture.order);
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/^policy: .*over the budget/);
    expect(simulator().moneyRequests()).toHaveLength(1);
  });

  it('stops two token holders from passing the budget together', async () => {
    const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_STORE: 'memory' }) });
    const probe = await session.ok(PLACE, fixture.order);
    const total = probe.quote.total_usd as number;
    const env = sandboxEnv(sandbox, { PROXYCART_DAILY_BUDGET_USD: String(total * 1.5), PROXYCART_HOME: tempDir('budget2') });
    const a = await open({ env });
    // Both quotes pass on their own; only one confirmation may be spent.
    const [q1, q2] = [await a.ok(PLACE, fixture.order), await a.ok(PLACE, fixture.order)];
    const results = await Promise.all([
      a.call(PLACE, { ...fixture.order, confirmation_token: q1.confirmation_token }),
      a.call(PLACE, { ...fixture.order, confirmation_token: q2.confirmation_token }),
    ]);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(textOf(results.find((r) => r.isError)!)).toMatch(/^policy: .*budget/);
    expect(simulator().moneyRequests()).toHaveLength(1);
  });

  it('honours a token issued by one process in a second process on the same SQLite file, once', async () => {
    const home = tempDir('shared');
    const env = sandboxEnv(sandbox, { PROXYCART_STORE: `sqlite://${join(home, 'shared.sqlite')}` });
    const a = await open({ env });
    const b = await open({ env });
    const quoted = await a.ok(PLACE, fixture.order);
    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    const placed = await b.ok(PLACE, args);
    expect(placed.status).toBe('placed');
    const replay = await a.ok(PLACE, args);
    expect(replay.order.id).toBe(placed.order.id);
    expect(simulator().moneyRequests()).toHaveLength(1);
  });

  it('in read-only mode offers no place_order tool', async () => {
    const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_READ_ONLY: '1' }) });
    const { tools } = await session.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['proxycart_check_proxy', 'proxycart_compare_offers', 'proxycart_orders', tool('list_offers'), tool('order_status'), tool('wallet_balance')].sort(),
    );
  });

  describe('confirmation by form (elicitation)', () => {
    it('places the order when the person accepts, showing them the total', async () => {
      const messages: string[] = [];
      const session = await open({
        env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto' }),
        elicit: (message) => {
          messages.push(message);
          return { action: 'accept', content: { approve: true } };
        },
      });
      const result = await session.ok(PLACE, fixture.order);
      expect(result.status).toBe('placed');
      expect(result.confirmation_token).toBeUndefined();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain(`${(result.quote.total_usd as number).toFixed(2)} USD`);
      // The form says what the page's badge says (issue 20, item 7).
      expect(messages[0]!.split('\n')[0]).toBe('Sandbox: play money.');
      // A client with forms can place in its first call: the description must not say it only quotes.
      const listed = (await session.client.listTools()).tools.find((t) => t.name === PLACE)!;
      expect(listed.description).not.toMatch(/only quotes/);
      expect(listed.description).toMatch(/person approves/);
      expect(simulator().moneyRequests()).toHaveLength(1);
    });

    it('returns declined and sends nothing when the person declines', async () => {
      const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto' }), elicit: () => ({ action: 'decline' }) });
      const result = await session.ok(PLACE, fixture.order);
      expect(result.status).toBe('declined');
      expect(result.next_step).toMatch(/Nothing was ordered or charged/);
      expect(result.confirmation_token).toBeUndefined();
      expect(simulator().moneyRequests()).toHaveLength(0);
    });

    it('treats an unticked approval as a decline', async () => {
      const session = await open({
        env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto' }),
        elicit: () => ({ action: 'accept', content: { approve: false } }),
      });
      expect((await session.ok(PLACE, fixture.order)).status).toBe('declined');
      expect(simulator().moneyRequests()).toHaveLength(0);
    });

    it('falls back to the approval page, never to a token the model could use alone, when the person cancels', async () => {
      const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto' }), elicit: () => ({ action: 'cancel' }) });
      const result = await session.ok(PLACE, fixture.order);
      expect(result.status).toBe('approval_required');
      expect(result.approval_url).toMatch(/^http:\/\/localhost:\d+\/approve\/[\w-]{22,}$/);
      const confirmed = await session.ok(PLACE, { ...fixture.order, confirmation_token: result.confirmation_token });
      expect(confirmed.status).toBe('approval_required');
      expect(simulator().moneyRequests()).toHaveLength(0);
    });

    it('in token mode never shows a form', async () => {
      let asked = 0;
      const session = await open({
        env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'token' }),
        elicit: () => {
          asked += 1;
          return { action: 'accept', content: { approve: true } };
        },
      });
      expect((await session.ok(PLACE, fixture.order)).status).toBe('confirmation_required');
      expect(asked).toBe(0);
      expect(session.stderr.join('\n')).toMatch(/warning: PROXYCART_CONFIRM=token: the model confirms orders on its own/);
    });

    it('in elicit mode refuses clients without forms, and refuses tokens', async () => {
      const session = await open({ env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'elicit' }) });
      const result = await session.call(PLACE, fixture.order);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^policy: .*elicitation/);
      const withToken = await session.call(PLACE, { ...fixture.order, confirmation_token: 'pct_anything_at_all' });
      expect(textOf(withToken)).toMatch(/^policy: Confirmation tokens are off/);
      expect(simulator().moneyRequests()).toHaveLength(0);
    });
  });
});
