import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContractFixture, LifecycleCase, ProviderId } from '../../src/providers/types.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { CLI, connect, type Session, type SessionOptions, sandboxEnv, tempDir, textOf } from '../e2e/harness.js';
import { FIXTURES, type VendorFixture } from '../fixtures.js';
import { type FaultRow, saveSuiteReport } from './report.js';

// The charge is what the person approved: vendors whose prices move, lie or vanish, answers
// that claim odd totals, unknown outcomes, environments that change under a token, and a
// store that cannot be written. Every case runs through the built server over stdio, with
// the failure injected through the simulators, and counts the vendor's money requests.

const run = promisify(execFile);
const place = (id: ProviderId) => `${id}_place_order`;

const rows: FaultRow[] = [];
const doubleCharges = 0;

afterAll(() => saveSuiteReport({ suite: 'money-path', complete: rows.length === EXPECTED_ROWS, rows, doubleCharges }));

function observedOf(result: { isError?: boolean; structuredContent?: unknown; content: unknown }): string {
  if (result.isError) return textOf(result as never).split(':')[0]!;
  return (result.structuredContent as { status: string }).status;
}

/** Vendors that price their orders, with how their simulator's price is moved or poisoned (the fixture's `price`). */
type Priced = VendorFixture & { price: NonNullable<ContractFixture['price']> };
const PRICED = FIXTURES.filter((f): f is Priced => f.price !== undefined);

function pick<T extends VendorFixture>(found: T | undefined, what: string): T {
  if (!found) throw new Error(`No provider in the registry ${what}: the money-path suite needs one.`);
  return found;
}
/** The example vendor: it prices orders, shows a balance, and replays a lost money call with its idempotency key. */
const example = pick(
  PRICED.find((f) => f.spec.capabilities.recover === 'replay' && f.spec.capabilities.balance),
  "whose orders are priced, with a balance and recover 'replay'",
);
/** A vendor that cannot tell what became of a money call that got no answer. */
const unrecoverable = pick(
  FIXTURES.find((f) => f.spec.capabilities.recover === false),
  'with recover false',
);
/** An amount as formatUsd writes it, as a regular expression. */
const usd = (amount: number) => amount.toFixed(2).replace('.', '\\.');

/** Every priced change a vendor declares (extend, top up), with the order it changes. */
const CHANGES = FIXTURES.flatMap((fixture) =>
  Object.entries(fixture.lifecycle?.operations ?? {})
    .filter((entry): entry is [string, LifecycleCase] => entry[1]?.scale !== undefined)
    .map(([operation, change]) => [`${fixture.id}_${operation}`, fixture, operation, change] as const),
);

// Per priced vendor: price moves 3 and poisoned prices 8 (7 prices, 1 answer total); then the
// form 1, overcharge 1, unknown outcomes 4, environments 3, replay 1, storage 3; per priced
// change: placed once and replayed, price ×10, another order's, another operation's and another
// environment's token, another account's order (6).
const EXPECTED_ROWS = PRICED.length * (3 + 8) + 1 + 1 + 4 + 3 + 1 + 3 + CHANGES.length * 6;

/** Every total-like field of a vendor answer (the vendors' `total_usd`, `total_amount`, `total`, `price.net`, `price.gross`), set to `value`. */
function withTotal(json: unknown, value: unknown): unknown {
  if (Array.isArray(json)) return json.map((item) => withTotal(item, value));
  if (!json || typeof json !== 'object') return json;
  return Object.fromEntries(
    Object.entries(json).map(([key, v]) => [
      key,
      ['total_usd', 'total_amount', 'total', 'net', 'gross'].includes(key) && (typeof v === 'number' || typeof v === 'string') ? value : withTotal(v, value),
    ]),
  );
}

describe('the charge is what the person approved', () => {
  let sandbox: Sandbox;
  const sessions: Session[] = [];
  const open = async (options: SessionOptions) => {
    const session = await connect(options);
    sessions.push(session);
    return session;
  };
  const sim = (id: ProviderId) => sandbox.vendors[id]!.simulator as Simulator<any>;
  const env = (extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_STORE: 'memory', ...extra });
  const money = (id: ProviderId) => sim(id).moneyRequests().length;

  beforeAll(async () => {
    sandbox = await startSandbox(FIXTURES.map((f) => f.id));
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
    for (const { id } of FIXTURES) {
      const s = sim(id);
      // Prices moved or poisoned through the fixture, orders, faults and the log go back to the seed.
      s.reset();
      s.state.balance = 100;
      if ('rateLimitPerMinute' in s.state) s.state.rateLimitPerMinute = 0;
    }
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  describe.each(PRICED.map((f) => [f.id, f] as const))('%s: the price moves between quote and confirmation', (id, { order, price }) => {
    it('up ×10: nothing is sent, the old token is spent, and a new approval at the new price is asked', async () => {
      const session = await open({ env: env({ PROXYCART_MAX_ORDER_USD: '1000', PROXYCART_DAILY_BUDGET_USD: '5000' }) });
      const quoted = await session.ok(place(id), order);
      price.scale(sim(id), 10);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'price ×10 after approval',
        operation: 'confirm (token)',
        expected: 'confirmation_required, new price',
        observed: observedOf(result),
        orders: money(id),
      });
      expect(money(id)).toBe(0);
      const fresh = result.structuredContent as Record<string, any>;
      expect(fresh.status).toBe('confirmation_required');
      expect(fresh.quote.total_usd).toBeCloseTo(quoted.quote.total_usd * 10, 1);
      expect(fresh.quote.warnings[0]).toMatch(/^The price rose from .* since it was approved\. That approval is void and nothing was sent\./);
      expect(fresh.confirmation_token).not.toBe(quoted.confirmation_token);
      const old = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      expect(textOf(old)).toMatch(/^policy: .*unknown or has expired/);
      const placed = await session.ok(place(id), { ...order, confirmation_token: fresh.confirmation_token });
      expect(placed.status).toBe('placed');
      expect(money(id)).toBe(1);
    });

    it('up ×10 past the per-order cap: refused with the reason, nothing sent', async () => {
      const quotedTotal = (await (await open({ env: env() })).ok(place(id), order)).quote.total_usd as number;
      const session = await open({ env: env({ PROXYCART_MAX_ORDER_USD: String(quotedTotal * 5) }) });
      const quoted = await session.ok(place(id), order);
      price.scale(sim(id), 10);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'price ×10 after approval, over the cap',
        operation: 'confirm (token)',
        expected: 'policy',
        observed: observedOf(result),
        orders: money(id),
      });
      expect(textOf(result)).toMatch(/^policy: The price rose from .* nothing was sent\. This order costs .* over the per-order cap/);
      expect(money(id)).toBe(0);
    });

    it('down: placed once, charged the lower price', async () => {
      const session = await open({ env: env() });
      const quoted = await session.ok(place(id), order);
      price.scale(sim(id), 0.5);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'price ×0.5 after approval',
        operation: 'confirm (token)',
        expected: 'placed',
        observed: observedOf(result),
        orders: money(id),
      });
      expect((result.structuredContent as any).status).toBe('placed');
      expect(money(id)).toBe(1);
      expect(100 - sim(id).state.balance).toBeCloseTo(quoted.quote.total_usd / 2, 1);
    });
  });

  it('a confirmation form: a price that rises before the person accepts is asked again, never charged', async () => {
    const { id, order, price } = example;
    const approved = (await (await open({ env: env() })).ok(place(id), order)).quote.total_usd as number;
    const messages: string[] = [];
    const session = await open({
      env: env({ PROXYCART_MAX_ORDER_USD: '1000', PROXYCART_CONFIRM: 'auto' }),
      elicit: (message) => {
        messages.push(message);
        if (messages.length === 1) {
          price.scale(sim(id), 10);
          return { action: 'accept', content: { approve: true } };
        }
        return { action: 'decline' };
      },
    });
    const result = await session.ok(place(id), order);
    rows.push({
      provider: id,
      fault: 'price ×10 while the form is open',
      operation: 'place_order (form)',
      expected: 'asked again; declined',
      observed: result.status,
      orders: money(id),
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(new RegExp(`Total: ${usd(approved)} USD`));
    expect(messages[1]).toMatch(new RegExp(`Total: ${usd(approved * 10)} USD`));
    expect(messages[1]).toMatch(new RegExp(`Note: The price rose from ${usd(approved)} USD to ${usd(approved * 10)} USD`));
    expect(result.status).toBe('declined');
    expect(money(id)).toBe(0);
  });

  describe.each(PRICED.map((f) => [f.id, f] as const))('%s: prices that are not prices', (id, { order, price, probe }) => {
    // The quantity × price product overflows only where proxycart multiplies (catalog
    // estimates); a total that comes from the vendor is a non-finite number: the fixture says which.
    const { overflow } = price;
    const TABLE: Array<{ name: string; value: unknown; expected: 'unpriced' | 'policy' | 'invalid_input' }> = [
      { name: 'negative', value: -3.5, expected: 'unpriced' },
      { name: 'zero', value: 0, expected: 'unpriced' },
      { name: 'null', value: null, expected: 'unpriced' },
      { name: 'empty string', value: '', expected: 'unpriced' },
      { name: 'not a number', value: 'free', expected: 'unpriced' },
      { name: 'huge', value: 1e9, expected: 'policy' },
      { name: 'overflowing product', ...overflow } as { name: string; value: unknown; expected: 'unpriced' | 'invalid_input' },
    ];

    it('never gets a token for a number that is not a price; unpriced quotes name the field', async () => {
      const strict = await open({ env: env() });
      const lenient = await open({ env: env({ PROXYCART_ALLOW_UNPRICED: '1' }) });
      for (const row of TABLE) {
        sim(id).clearFaults();
        price.poison(sim(id), row.value);
        const refused = await strict.call(place(id), order);
        rows.push({
          provider: id,
          fault: `price ${row.name} (${JSON.stringify(row.value)})`,
          operation: 'quote',
          expected: row.expected === 'unpriced' ? 'policy (unpriced)' : row.expected,
          observed: observedOf(refused),
          orders: money(id),
        });
        expect(refused.isError, `${row.name}: ${textOf(refused)}`).toBe(true);
        const kind = row.expected === 'unpriced' ? 'policy' : row.expected;
        expect(textOf(refused)).toMatch(new RegExp(`^${kind}: ${row.expected === 'unpriced' ? 'This order has no price' : ''}`));
        if (row.expected === 'unpriced') {
          const quote = (await lenient.ok(place(id), order)).quote;
          expect(quote.total_usd, row.name).toBeNull();
          expect(quote.price_source).toBe('unknown');
          expect(
            quote.warnings.some((w: string) => price.field.test(w) && w.includes('not a price')),
            JSON.stringify(quote.warnings),
          ).toBe(true);
        }
      }
      expect(money(id)).toBe(0);
    });

    it('a poisoned total in the vendor answer never lowers the 24-hour spend', async () => {
      const approved = (await (await open({ env: env() })).ok(place(id), order)).quote.total_usd as number;
      // Room for one order and a half: after one order, a second must be refused.
      const session = await open({ env: env({ PROXYCART_DAILY_BUDGET_USD: String(Math.round(approved * 150) / 100) }) });
      const quoted = await session.ok(place(id), order);
      sim(id).inject({ method: 'POST', path: probe.money, phase: 'after', action: { kind: 'rewrite', change: (json) => withTotal(json, -1000) } });
      const first = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      expect(observedOf(first)).toBe('placed');
      const second = await session.call(place(id), order);
      rows.push({
        provider: id,
        fault: 'order answer total -1000',
        operation: 'next quote',
        expected: 'policy (budget)',
        observed: observedOf(second),
        orders: money(id),
      });
      expect(textOf(second)).toMatch(new RegExp(`^policy: .*from ${approved.toFixed(2).replace('.', '\\.')} USD over the budget`));
      expect(money(id)).toBe(1);
    });
  });

  it('a charge above the approved total is kept in the books and shown as overcharged', async () => {
    const { id, order, probe } = example;
    const approved = (await (await open({ env: env() })).ok(place(id), order)).quote.total_usd as number;
    const [charged, budget] = [approved * 10, approved * 3];
    const session = await open({ env: env({ PROXYCART_DAILY_BUDGET_USD: String(budget) }) });
    const quoted = await session.ok(place(id), order);
    expect(quoted.quote.total_usd).toBe(approved);
    sim(id).inject({ method: 'POST', path: probe.money, phase: 'after', action: { kind: 'rewrite', change: (json) => withTotal(json, charged) } });
    const placed = await session.ok(place(id), { ...order, confirmation_token: quoted.confirmation_token });
    expect(placed.warnings?.[0]).toMatch(
      new RegExp(`^overcharged: the vendor reports charging ${usd(charged)} USD, above the ${usd(approved)} USD the person approved`),
    );
    // Counted at 10×, not 1×: another order of the approved total no longer fits a budget of 3×.
    const next = await session.call(place(id), order);
    rows.push({
      provider: id,
      fault: 'order answer total 10× the approved',
      operation: 'confirm, then next quote',
      expected: 'placed + overcharged; policy',
      observed: `${placed.status}; ${observedOf(next)}`,
      orders: money(id),
    });
    expect(textOf(next)).toMatch(new RegExp(`^policy: .*from ${usd(charged)} USD over the budget of ${usd(budget)} USD`));
  });

  describe('an order of unknown outcome is never silently repeated', () => {
    const { id, order, probe } = unrecoverable;
    const lost = () => sim(id).inject({ method: 'POST', path: probe.money, phase: 'after', action: { kind: 'hang' }, times: 1 });

    it('a new quote says so first, in the result and in the form; token mode refuses until a person settles it', async () => {
      const home = tempDir('unknown');
      const base = { PROXYCART_HOME: home, PROXYCART_ALLOW_UNPRICED: '1', PROXYCART_TIMEOUT_S: '1' };
      const token = await open({ env: env({ ...base, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}`, PROXYCART_CONFIRM: 'token' }) });
      const [first, second] = [await token.ok(place(id), order), await token.ok(place(id), order)];
      lost();
      const unknown = await token.ok(place(id), { ...order, confirmation_token: first.confirmation_token });
      expect(unknown.status).toBe('outcome_unknown');
      const unknownId = unknown.order.id as string;
      expect(unknownId).toMatch(/^unknown:/);

      // Token mode: the other approved token and any new quote are refused, naming the unknown order.
      const again = await token.call(place(id), { ...order, confirmation_token: second.confirmation_token });
      const requote = await token.call(place(id), order);
      rows.push({
        provider: id,
        fault: 'earlier identical order unknown',
        operation: 'confirm another token (token mode)',
        expected: 'policy',
        observed: observedOf(again),
        orders: money(id),
      });
      for (const refused of [again, requote]) {
        expect(textOf(refused)).toMatch(new RegExp(`^policy: An identical order sent .* has an unknown outcome \\(order id ${unknownId}\\)`));
        expect(textOf(refused)).toContain(`proxycart ledger settle ${unknownId} placed|not-placed`);
      }

      // Any other mode: the quote carries the warning first, and so does the form.
      const auto = await open({ env: env({ ...base, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}`, PROXYCART_CONFIRM: 'auto' }) });
      const warned = await auto.ok(place(id), order);
      rows.push({
        provider: id,
        fault: 'earlier identical order unknown',
        operation: 'quote (auto mode)',
        expected: 'warning first',
        observed: /^An identical order sent .* unknown outcome/.test(warned.quote.warnings[0]) ? 'warning first' : 'no warning',
        orders: money(id),
      });
      expect(warned.quote.warnings[0]).toMatch(new RegExp(`^An identical order sent .* unknown outcome \\(order id ${unknownId}\\).*could buy it twice`));
      let form = '';
      const withForm = await open({
        env: env({ ...base, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}`, PROXYCART_CONFIRM: 'auto' }),
        elicit: (message) => {
          form = message;
          return { action: 'decline' };
        },
      });
      await withForm.ok(place(id), order);
      expect(form.split('\n').find((line) => line.startsWith('Note:'))).toContain(`unknown outcome (order id ${unknownId})`);
      expect(money(id)).toBe(1);

      // A person checked the dashboard: not placed. Then the same order can be approved again.
      const cliEnv = { ...process.env, PROXYCART_SANDBOX: '1', PROXYCART_HOME: home, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}` };
      const listed = await run(process.execPath, [CLI, 'ledger'], { env: cliEnv });
      expect(listed.stdout).toContain(unknownId);
      const settled = await run(process.execPath, [CLI, 'ledger', 'settle', unknownId, 'not-placed'], { env: cliEnv });
      expect(settled.stdout).toMatch(new RegExp(`^${unknownId} settled as not-placed`));
      const after = await token.ok(place(id), order);
      rows.push({
        provider: id,
        fault: 'unknown settled not-placed by a person',
        operation: 'quote (token mode)',
        expected: 'confirmation_required',
        observed: after.status,
        orders: money(id),
      });
      expect(after.quote.warnings.join(' ')).not.toMatch(/unknown outcome/);
      const placed = await token.ok(place(id), { ...order, confirmation_token: after.confirmation_token });
      expect(placed.status).toBe('placed');
      expect(money(id)).toBe(2);
      const status = await token.ok(`${id}_order_status`, { order_id: unknownId });
      expect(status.order.state).toBe('failed');
    });

    it('settling an order that is not of unknown outcome is refused', async () => {
      const home = tempDir('settle');
      const cliEnv = { ...process.env, PROXYCART_SANDBOX: '1', PROXYCART_HOME: home };
      const refused = await run(process.execPath, [CLI, 'ledger', 'settle', 'unknown:nope', 'placed'], { env: cliEnv }).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect((refused as { code: number }).code).toBe(1);
      expect((refused as { stderr: string }).stderr).toMatch(/not_found: The ledger has no order unknown:nope/);
      const usage = await run(process.execPath, [CLI, 'ledger', 'settle', 'unknown:nope', 'maybe'], { env: cliEnv }).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect((usage as { code: number }).code).toBe(2);
      rows.push({
        provider: 'any',
        fault: 'settle of an unknown id / a bad verdict',
        operation: 'proxycart ledger settle',
        expected: 'exit 1 / exit 2',
        observed: `exit ${(refused as { code: number }).code} / exit ${(usage as { code: number }).code}`,
      });
    });
  });

  describe('tokens belong to one environment, and sandbox and live are separate books', () => {
    const { id, order, spec, wrongKey } = example;
    const live = (home: string, key: string, extra: Record<string, string> = {}) => ({
      PROXYCART_HOME: home,
      PROXYCART_PROVIDERS: id,
      [spec.keyEnv]: key,
      [spec.baseUrlEnv]: sandbox.vendors[id]!.baseUrl,
      PROXYCART_TIMEOUT_S: '3',
      PROXYCART_CONFIRM: 'token',
      PROXYCART_OPEN_BROWSER: 'never',
      ...extra,
    });
    const sandboxed = (home: string, extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_HOME: home, PROXYCART_PROVIDERS: id, ...extra });

    it('a sandbox token is refused by a live server on the same home, and nothing is sent', async () => {
      const home = tempDir('env');
      const quoted = await (await open({ env: sandboxed(home) })).ok(place(id), order);
      const server = await open({ env: live(home, sandbox.vendors[id]!.apiKey) });
      const result = await server.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'sandbox token on a live server',
        operation: 'confirm (token)',
        expected: 'policy',
        observed: observedOf(result),
        orders: money(id),
      });
      expect(textOf(result)).toMatch(/^policy: This confirmation token was issued for another environment \(the sandbox\)/);
      expect(money(id)).toBe(0);
    });

    it('a key change voids the tokens of the old key', async () => {
      const home = tempDir('key');
      const quoted = await (await open({ env: live(home, sandbox.vendors[id]!.apiKey) })).ok(place(id), order);
      const server = await open({ env: live(home, wrongKey) });
      const result = await server.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'API key changed after the quote',
        operation: 'confirm (token)',
        expected: 'policy',
        observed: observedOf(result),
        orders: money(id),
      });
      expect(textOf(result)).toMatch(/^policy: This confirmation token was issued for another environment \(another account, key or base URL\)/);
      expect(money(id)).toBe(0);
    });

    it('sandbox spending leaves the live budget untouched, and the reverse', async () => {
      const home = tempDir('books');
      // Orders of the approved total against a budget of 1.5 of them: one fits in each book, not two.
      const total = (await (await open({ env: sandboxed(home) })).ok(place(id), order)).quote.total_usd as number;
      const limit = Math.round(total * 150) / 100;
      const budget = { PROXYCART_DAILY_BUDGET_USD: String(limit) };
      const play = await open({ env: sandboxed(home, budget) });
      const real = await open({ env: live(home, sandbox.vendors[id]!.apiKey, budget) });
      const playQuote = await play.ok(place(id), order);
      expect(playQuote.sandbox).toBe(true);
      expect((await play.ok(place(id), { ...order, confirmation_token: playQuote.confirmation_token })).status).toBe('placed');
      const realQuote = await real.ok(place(id), order);
      expect(realQuote.sandbox).toBe(false);
      expect((await real.ok(place(id), { ...order, confirmation_token: realQuote.confirmation_token })).status).toBe('placed');
      const [playNext, realNext] = [await play.call(place(id), order), await real.call(place(id), order)];
      rows.push({
        provider: id,
        fault: 'one sandbox and one live order, budget for one each',
        operation: 'quote a second in each',
        expected: 'policy; policy',
        observed: `${observedOf(playNext)}; ${observedOf(realNext)}`,
        orders: money(id),
      });
      const overBudget = new RegExp(`^policy: .*from ${usd(total)} USD over the budget of ${usd(limit)} USD`);
      expect(textOf(playNext)).toMatch(overBudget);
      expect(textOf(realNext)).toMatch(overBudget);
      expect(money(id)).toBe(2);
    });
  });

  it('a replayed token says so: the stored result, no new charge, the balance as quoted', async () => {
    const session = await open({ env: env() });
    const { id, order } = example;
    const quoted = await session.ok(place(id), order);
    const args = { ...order, confirmation_token: quoted.confirmation_token };
    const first = await session.ok(place(id), args);
    const again = await session.ok(place(id), args);
    rows.push({
      provider: id,
      fault: 'token confirmed twice',
      operation: 'confirm again',
      expected: 'placed, replayed',
      observed: `${again.status}${again.replayed ? ', replayed' : ''}`,
      orders: money(id),
    });
    expect(first.replayed).toBeUndefined();
    expect(again.replayed).toBe(true);
    expect(again.order.id).toBe(first.order.id);
    expect(again.next_step).toMatch(/^This confirmation token was already used: this is the result of that order, and no new charge was made\./);
    expect(again.quote.balance_usd).toBe(quoted.quote.balance_usd);
    expect(again.quote.warnings).toContain('The balance shown is the one at quote time.');
    expect(money(id)).toBe(1);
  });

  describe.each(CHANGES)('%s: a change is an order like any other', (tool, fixture, operation, change) => {
    const { id, spec } = fixture;
    /** Buys the order the change is made to, and waits until it is active. */
    const bought = async (session: Session) => {
      const quoted = await session.ok(place(id), change.order);
      const order = (await session.ok(place(id), { ...change.order, confirmation_token: quoted.confirmation_token })).order;
      expect((await session.ok(`${id}_order_status`, { order_id: order.id, wait_seconds: 20 })).order.state).toBe('active');
      return order.id as string;
    };

    it('placed once; a higher price asks again; a token of another order or operation is refused; nothing is sent twice', async () => {
      const session = await open({ env: env({ PROXYCART_MAX_ORDER_USD: '1000', PROXYCART_DAILY_BUDGET_USD: '5000' }) });
      sim(id).state.balance = 1000;
      const [a, b] = [await bought(session), await bought(session)];
      const before = money(id);
      const args = { order_id: a, ...change.args };
      const quoted = await session.ok(tool, args);
      expect(quoted.status).toBe('confirmation_required');

      // Another order with this token: refused, naming both.
      const other = await session.call(tool, { ...args, order_id: b, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: "another order's token",
        operation: `${operation} (token)`,
        expected: 'policy',
        observed: observedOf(other),
        orders: money(id) - before,
      });
      expect(textOf(other)).toBe(
        `policy: This confirmation token was issued for ${operation} of order ${a}, not for ${operation} of order ${b}. Nothing was sent. A token confirms only the operation and the order it was quoted for: call this tool without a token for a quote of this one.`,
      );
      // Another operation (a new order, or another change of the same order): refused.
      const asOrder = await session.call(place(id), { ...change.order, confirmation_token: quoted.confirmation_token });
      const otherOp = Object.entries(fixture.lifecycle!.operations).find(([op]) => op !== operation);
      const asOther = otherOp
        ? await session.call(`${id}_${otherOp[0]}`, { order_id: a, ...otherOp[1]!.args, confirmation_token: quoted.confirmation_token })
        : asOrder;
      rows.push({
        provider: id,
        fault: "another operation's token",
        operation: `${operation} token on place_order${otherOp ? ` and ${otherOp[0]}` : ''}`,
        expected: 'policy',
        observed: `${observedOf(asOrder)}${otherOp ? `; ${observedOf(asOther)}` : ''}`,
        orders: money(id) - before,
      });
      expect(textOf(asOrder)).toMatch(new RegExp(`^policy: This confirmation token was issued for ${operation} of order ${a}, not for a new order\\.`));
      if (otherOp)
        expect(textOf(asOther)).toMatch(
          new RegExp(`^policy: This confirmation token was issued for ${operation} of order ${a}, not for ${otherOp[0]} of order ${a}\\.`),
        );
      expect(money(id)).toBe(before);

      // The price rises ×10 before the confirmation: nothing is sent, a new approval at the new price is asked.
      change.scale!(sim(id), 10);
      const risen = await session.call(tool, { ...args, confirmation_token: quoted.confirmation_token });
      const fresh = risen.structuredContent as Record<string, any>;
      rows.push({
        provider: id,
        fault: 'price ×10 after approval',
        operation: `${operation} (token)`,
        expected: 'confirmation_required, new price',
        observed: observedOf(risen),
        orders: money(id) - before,
      });
      expect(fresh.status).toBe('confirmation_required');
      expect(fresh.quote.total_usd).toBeCloseTo(quoted.quote.total_usd * 10, 1);
      expect(fresh.quote.warnings[0]).toMatch(/^The price rose from .* since it was approved\. That approval is void and nothing was sent\./);
      expect(money(id)).toBe(before);

      // Placed once at the new price; the same token again replays, with no second charge.
      const balance = sim(id).state.balance;
      const done = await session.ok(tool, { ...args, confirmation_token: fresh.confirmation_token });
      const again = await session.ok(tool, { ...args, confirmation_token: fresh.confirmation_token });
      rows.push({
        provider: id,
        fault: 'change confirmed twice',
        operation: `${operation} (token)`,
        expected: 'placed; placed, replayed',
        observed: `${done.status}; ${again.status}${again.replayed ? ', replayed' : ''}`,
        orders: money(id) - before,
      });
      expect(done.status).toBe('placed');
      expect(again.replayed).toBe(true);
      expect(money(id)).toBe(before + 1);
      expect(balance - sim(id).state.balance).toBeCloseTo(fresh.quote.total_usd, 2);
      const books = await session.ok('proxycart_orders', {});
      expect(books.orders[0]).toMatchObject({ provider: id, order_id: a, operation, approved_usd: fresh.quote.total_usd });
    });

    it("a token of the sandbox is refused by a live server, and another account's order is not found, with no money request", async () => {
      const home = tempDir('change-env');
      const sandboxed = await open({ env: sandboxEnv(sandbox, { PROXYCART_HOME: home, PROXYCART_PROVIDERS: id }) });
      const order = await bought(sandboxed);
      const before = money(id);
      const quoted = await sandboxed.ok(tool, { order_id: order, ...change.args });
      const live = await open({
        env: {
          PROXYCART_HOME: home,
          PROXYCART_PROVIDERS: id,
          [spec.keyEnv]: sandbox.vendors[id]!.apiKey,
          [spec.baseUrlEnv]: sandbox.vendors[id]!.baseUrl,
          PROXYCART_CONFIRM: 'token',
          PROXYCART_OPEN_BROWSER: 'never',
        },
      });
      const crossed = await live.call(tool, { order_id: order, ...change.args, confirmation_token: quoted.confirmation_token });
      rows.push({
        provider: id,
        fault: 'sandbox token on a live server',
        operation: `${operation} (token)`,
        expected: 'policy',
        observed: observedOf(crossed),
        orders: money(id) - before,
      });
      expect(textOf(crossed)).toMatch(/^policy: This confirmation token was issued for another environment \(the sandbox\)/);
      const foreign = await sandboxed.call(tool, { order_id: fixture.lifecycle!.foreignOrderId, ...change.args });
      rows.push({
        provider: id,
        fault: "another account's order",
        operation: `${operation} (quote)`,
        expected: 'not_found',
        observed: observedOf(foreign),
        orders: money(id) - before,
      });
      expect(textOf(foreign)).toMatch(/^not_found: /);
      expect(money(id)).toBe(before);
    });
  });

  describe('a store that cannot be written', () => {
    const { id, order, listInput } = example;

    it('a data folder that cannot be created: said at start, storage errors on the money path, reads still work', async () => {
      const session = await open({ env: env({ PROXYCART_HOME: '/dev/null/proxycart', PROXYCART_STORE: 'sqlite:///dev/null/proxycart/state.sqlite' }) });
      const result = await session.call(place(id), order);
      const offers = await session.call(`${id}_list_offers`, listInput);
      rows.push({
        provider: id,
        fault: 'PROXYCART_HOME cannot be created',
        operation: 'quote; list_offers',
        expected: 'storage; ok',
        observed: `${observedOf(result)}; ${offers.isError ? 'error' : 'ok'}`,
        orders: money(id),
      });
      expect(session.stderr.join('\n')).toMatch(/The store \/dev\/null\/proxycart\/state\.sqlite cannot be written \(ENOTDIR\)/);
      expect(textOf(result)).toMatch(
        /^storage: The store file \/dev\/null\/proxycart\/state\.sqlite cannot be opened for writing .* Nothing was sent to a vendor\./,
      );
      expect(offers.isError).toBeFalsy();
      expect(money(id)).toBe(0);
    });

    it('a Redis store that cannot be reached: said at start, storage errors within seconds, reads still work', async () => {
      const session = await open({ env: env({ PROXYCART_STORE: 'redis://127.0.0.1:1' }) });
      const started = Date.now();
      const result = await session.call(place(id), order);
      const offers = await session.call(`${id}_list_offers`, listInput);
      rows.push({
        provider: id,
        fault: 'Redis store unreachable',
        operation: 'quote; list_offers',
        expected: 'storage; ok',
        observed: `${observedOf(result)}; ${offers.isError ? 'error' : 'ok'}`,
        orders: money(id),
      });
      expect(textOf(result)).toMatch(/^storage: PROXYCART_STORE: (cannot connect to Redis|Redis at redis:\/\/127\.0\.0\.1:1 did not answer)/);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(offers.isError).toBeFalsy();
      expect(session.stderr.join('\n')).toMatch(/error: storage: PROXYCART_STORE: .*Orders will fail until the store is reachable/);
      expect(money(id)).toBe(0);
    });

    it('a read-only home (an unprivileged user): a confirmation fails with storage and sends nothing', async () => {
      const home = tempDir('readonly');
      mkdirSync(home, { recursive: true });
      const files = { PROXYCART_HOME: home, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}` };
      const quoted = await (await open({ env: env(files) })).ok(place(id), order);
      await Promise.all(sessions.splice(0).map((s) => s.close()));
      // root ignores file permissions: the server then runs as nobody, who may read but not write.
      const asRoot = process.getuid?.() === 0;
      chmodSync(home, 0o755);
      if (!asRoot) chmodSync(home, 0o555);
      const session = await open({ env: env(files), ...(asRoot ? { runAs: { uid: 65534, gid: 65534 } } : {}) });
      const confirm = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      const offers = await session.call(`${id}_list_offers`, listInput);
      const balance = await session.call(`${id}_wallet_balance`, {});
      rows.push({
        provider: id,
        fault: 'read-only home',
        operation: 'confirm; list_offers',
        expected: 'storage; ok',
        observed: `${observedOf(confirm)}; ${offers.isError ? 'error' : 'ok'}`,
        orders: money(id),
      });
      expect(textOf(confirm)).toMatch(/^storage: .*Nothing was sent to a vendor\./);
      expect(offers.isError).toBeFalsy();
      expect(balance.isError).toBeFalsy();
      expect(money(id)).toBe(0);
      if (!asRoot) chmodSync(home, 0o755);
    });
  });
});
