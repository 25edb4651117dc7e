import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { NovaState } from '../../src/sandbox/novaproxy.js';
import type { ProxyJamState } from '../../src/sandbox/proxyjam.js';
import type { ProxySellerState } from '../../src/sandbox/proxyseller.js';
import { FIXTURES } from '../fixtures.js';
import { CLI, connect, sandboxEnv, tempDir, textOf, type Session, type SessionOptions } from '../e2e/harness.js';
import { saveSuiteReport, type FaultRow } from './report.js';

// The charge is what the person approved: vendors whose prices move, lie or vanish, answers
// that claim odd totals, unknown outcomes, environments that change under a token, and a
// store that cannot be written. Every case runs through the built server over stdio, with
// the failure injected through the simulators, and counts the vendor's money requests.

const run = promisify(execFile);
const fixture = (id: ProviderId) => FIXTURES.find((f) => f.id === id)!;
const place = (id: ProviderId) => `${id}_place_order`;

const rows: FaultRow[] = [];
let doubleCharges = 0;
// Price moves 3×3, the form 1, poisoned prices 3×8, overcharge 1, unknown outcomes 4, environments 3, replay 1, storage 3.
const EXPECTED_ROWS = 9 + 1 + 24 + 1 + 4 + 3 + 1 + 3;
afterAll(() => saveSuiteReport({ suite: 'money-path', complete: rows.length === EXPECTED_ROWS, rows, doubleCharges }));

function observedOf(result: { isError?: boolean; structuredContent?: unknown; content: unknown }): string {
  if (result.isError) return textOf(result as never).split(':')[0]!;
  return (result.structuredContent as { status: string }).status;
}

/** How each priced vendor's price is moved or poisoned in its simulator. */
const PRICED: Record<'proxyjam' | 'proxyseller' | 'novaproxy', { field: RegExp; scale(sim: Simulator<any>, factor: number): void; poison(sim: Simulator<any>, value: unknown): void }> = {
  proxyjam: {
    field: /ProxyJam gave offer 42 option price = /,
    scale(sim: Simulator<ProxyJamState>, factor) {
      for (const option of sim.state.catalog.find((o) => o.id === 42)!.options) option.price = Math.round(option.price * factor * 100) / 100;
    },
    poison(sim: Simulator<ProxyJamState>, value) {
      for (const option of sim.state.catalog.find((o) => o.id === 42)!.options) option.price = value as number;
    },
  },
  proxyseller: {
    field: /Proxy-Seller gave order\/calc total = /,
    scale(sim: Simulator<ProxySellerState>, factor) {
      sim.state.priceFactor = factor;
    },
    poison(sim, value) {
      const data = { warning: '', balance: 100, total: value, quantity: 2, currency: 'USD', discount: 0, price: value };
      sim.inject({ method: 'POST', path: /\/order\/calc$/, action: { kind: 'status', status: 200, json: { status: 'success', data, errors: [] } } });
    },
  },
  novaproxy: {
    field: /NovaProxy gave plan residential tier \d+ GB price_per_gb = /,
    scale(sim: Simulator<NovaState>, factor) {
      for (const tier of sim.state.plans.find((p) => p.slug === 'residential')!.bandwidths!) tier.price_per_gb = Math.round(tier.price_per_gb * factor * 100) / 100;
    },
    poison(sim: Simulator<NovaState>, value) {
      for (const tier of sim.state.plans.find((p) => p.slug === 'residential')!.bandwidths!) tier.price_per_gb = value as number;
    },
  },
};
const PRICED_IDS = Object.keys(PRICED) as Array<keyof typeof PRICED>;
const MONEY_PATH: Record<string, RegExp> = { proxyjam: /^\/orders$/, proxyseller: /\/order\/make$/, novaproxy: /^\/orders$/, proxyscrape: /^\/orders\/create$/ };

/** Every total-like field of a vendor answer, set to `value` (ProxyJam total_usd, Proxy-Seller total, NovaProxy price.net). */
function withTotal(json: unknown, value: unknown): unknown {
  if (Array.isArray(json)) return json.map((item) => withTotal(item, value));
  if (!json || typeof json !== 'object') return json;
  return Object.fromEntries(
    Object.entries(json).map(([key, v]) => [key, ['total_usd', 'total_amount', 'total', 'net', 'gross'].includes(key) && (typeof v === 'number' || typeof v === 'string') ? value : withTotal(v, value)]),
  );
}

describe('the charge is what the person approved', () => {
  let sandbox: Sandbox;
  let pristine: { catalog: unknown; plans: unknown };
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
    sandbox = await startSandbox(['proxyjam', 'proxyscrape', 'proxyseller', 'novaproxy']);
    pristine = { catalog: structuredClone(sim('proxyjam').state.catalog), plans: structuredClone(sim('novaproxy').state.plans) };
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
    for (const id of ['proxyjam', 'proxyscrape', 'proxyseller', 'novaproxy'] as const) {
      const s = sim(id);
      s.clearFaults();
      s.log.length = 0;
      s.state.balance = 100;
      if ('rateLimitPerMinute' in s.state) s.state.rateLimitPerMinute = 0;
    }
    sim('proxyjam').state.catalog = structuredClone(pristine.catalog);
    sim('novaproxy').state.plans = structuredClone(pristine.plans);
    sim('proxyseller').state.priceFactor = 1;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  describe.each(PRICED_IDS)('%s: the price moves between quote and confirmation', (id) => {
    const { order } = fixture(id);

    it('up ×10: nothing is sent, the old token is spent, and a new approval at the new price is asked', async () => {
      const session = await open({ env: env({ PROXYCART_MAX_ORDER_USD: '1000', PROXYCART_DAILY_BUDGET_USD: '5000' }) });
      const quoted = await session.ok(place(id), order);
      PRICED[id].scale(sim(id), 10);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({ provider: id, fault: 'price ×10 after approval', operation: 'confirm (token)', expected: 'confirmation_required, new price', observed: observedOf(result), orders: money(id) });
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
      PRICED[id].scale(sim(id), 10);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({ provider: id, fault: 'price ×10 after approval, over the cap', operation: 'confirm (token)', expected: 'policy', observed: observedOf(result), orders: money(id) });
      expect(textOf(result)).toMatch(/^policy: The price rose from .* nothing was sent\. This order costs .* over the per-order cap/);
      expect(money(id)).toBe(0);
    });

    it('down: placed once, charged the lower price', async () => {
      const session = await open({ env: env() });
      const quoted = await session.ok(place(id), order);
      PRICED[id].scale(sim(id), 0.5);
      const result = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({ provider: id, fault: 'price ×0.5 after approval', operation: 'confirm (token)', expected: 'placed', observed: observedOf(result), orders: money(id) });
      expect((result.structuredContent as any).status).toBe('placed');
      expect(money(id)).toBe(1);
      expect(100 - sim(id).state.balance).toBeCloseTo(quoted.quote.total_usd / 2, 1);
    });
  });

  it('a confirmation form: a price that rises before the person accepts is asked again, never charged', async () => {
    const messages: string[] = [];
    const session = await open({
      env: env({ PROXYCART_MAX_ORDER_USD: '1000', PROXYCART_CONFIRM: 'auto' }),
      elicit: (message) => {
        messages.push(message);
        if (messages.length === 1) {
          PRICED.proxyjam.scale(sim('proxyjam'), 10);
          return { action: 'accept', content: { approve: true } };
        }
        return { action: 'decline' };
      },
    });
    const result = await session.ok(place('proxyjam'), fixture('proxyjam').order);
    rows.push({ provider: 'proxyjam', fault: 'price ×10 while the form is open', operation: 'place_order (form)', expected: 'asked again; declined', observed: result.status, orders: money('proxyjam') });
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatch(/Total: 70\.00 USD/);
    expect(messages[1]).toMatch(/Note: The price rose from 7\.00 USD to 70\.00 USD/);
    expect(result.status).toBe('declined');
    expect(money('proxyjam')).toBe(0);
  });

  describe.each(PRICED_IDS)('%s: prices that are not prices', (id) => {
    const { order } = fixture(id);
    // The quantity × price product overflows only where proxycart multiplies (catalog
    // estimates); Proxy-Seller's total comes from the vendor, where it is a non-finite number.
    const overflow = id === 'proxyseller' ? { value: '1e400', expected: 'unpriced' } : { value: 1e306, expected: 'invalid_input' };
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
        PRICED[id].poison(sim(id), row.value);
        const refused = await strict.call(place(id), order);
        rows.push({ provider: id, fault: `price ${row.name} (${JSON.stringify(row.value)})`, operation: 'quote', expected: row.expected === 'unpriced' ? 'policy (unpriced)' : row.expected, observed: observedOf(refused), orders: money(id) });
        expect(refused.isError, `${row.name}: ${textOf(refused)}`).toBe(true);
        const kind = row.expected === 'unpriced' ? 'policy' : row.expected;
        expect(textOf(refused)).toMatch(new RegExp(`^${kind}: ${row.expected === 'unpriced' ? 'This order has no price' : ''}`));
        if (row.expected === 'unpriced') {
          const quote = (await lenient.ok(place(id), order)).quote;
          expect(quote.total_usd, row.name).toBeNull();
          expect(quote.price_source).toBe('unknown');
          expect(quote.warnings.some((w: string) => PRICED[id].field.test(w) && w.includes('not a price')), JSON.stringify(quote.warnings)).toBe(true);
        }
      }
      expect(money(id)).toBe(0);
    });

    it('a poisoned total in the vendor answer never lowers the 24-hour spend', async () => {
      const approved = (await (await open({ env: env() })).ok(place(id), order)).quote.total_usd as number;
      // Room for one order and a half: after one order, a second must be refused.
      const session = await open({ env: env({ PROXYCART_DAILY_BUDGET_USD: String(Math.round(approved * 150) / 100) }) });
      const quoted = await session.ok(place(id), order);
      sim(id).inject({ method: 'POST', path: MONEY_PATH[id], phase: 'after', action: { kind: 'rewrite', change: (json) => withTotal(json, -1000) } });
      const first = await session.call(place(id), { ...order, confirmation_token: quoted.confirmation_token });
      expect(observedOf(first)).toBe('placed');
      const second = await session.call(place(id), order);
      rows.push({ provider: id, fault: 'order answer total -1000', operation: 'next quote', expected: 'policy (budget)', observed: observedOf(second), orders: money(id) });
      expect(textOf(second)).toMatch(new RegExp(`^policy: .*from ${approved.toFixed(2).replace('.', '\\.')} USD over the budget`));
      expect(money(id)).toBe(1);
    });
  });

  it('a charge above the approved total is kept in the books and shown as overcharged', async () => {
    const { order } = fixture('proxyjam');
    const session = await open({ env: env({ PROXYCART_DAILY_BUDGET_USD: '21' }) });
    const quoted = await session.ok(place('proxyjam'), order);
    sim('proxyjam').inject({ method: 'POST', path: /^\/orders$/, phase: 'after', action: { kind: 'rewrite', change: (json) => withTotal(json, 70) } });
    const placed = await session.ok(place('proxyjam'), { ...order, confirmation_token: quoted.confirmation_token });
    expect(placed.warnings?.[0]).toMatch(/^overcharged: the vendor reports charging 70\.00 USD, above the 7\.00 USD the person approved/);
    // Counted at 70, not 7: another 7.00 order no longer fits a budget of 21.
    const next = await session.call(place('proxyjam'), order);
    rows.push({ provider: 'proxyjam', fault: 'order answer total 10× the approved', operation: 'confirm, then next quote', expected: 'placed + overcharged; policy', observed: `${placed.status}; ${observedOf(next)}`, orders: money('proxyjam') });
    expect(textOf(next)).toMatch(/^policy: .*from 70\.00 USD over the budget of 21\.00 USD/);
  });

  describe('an order of unknown outcome is never silently repeated', () => {
    const id = 'proxyscrape';
    const { order } = fixture(id);
    const lost = () => sim(id).inject({ method: 'POST', path: MONEY_PATH[id], phase: 'after', action: { kind: 'hang' }, times: 1 });

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
      rows.push({ provider: id, fault: 'earlier identical order unknown', operation: 'confirm another token (token mode)', expected: 'policy', observed: observedOf(again), orders: money(id) });
      for (const refused of [again, requote]) {
        expect(textOf(refused)).toMatch(new RegExp(`^policy: An identical order sent .* has an unknown outcome \\(order id ${unknownId}\\)`));
        expect(textOf(refused)).toContain(`proxycart ledger settle ${unknownId} placed|not-placed`);
      }

      // Any other mode: the quote carries the warning first, and so does the form.
      const auto = await open({ env: env({ ...base, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}`, PROXYCART_CONFIRM: 'auto' }) });
      const warned = await auto.ok(place(id), order);
      rows.push({ provider: id, fault: 'earlier identical order unknown', operation: 'quote (auto mode)', expected: 'warning first', observed: /^An identical order sent .* unknown outcome/.test(warned.quote.warnings[0]) ? 'warning first' : 'no warning', orders: money(id) });
      expect(warned.quote.warnings[0]).toMatch(new RegExp(`^An identical order sent .* unknown outcome \\(order id ${unknownId}\\).*could buy it twice`));
      let form = '';
      const withForm = await open({
        env: env({ ...base, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}`, PROXYCART_CONFIRM: 'auto' }),
        elicit: (message) => ((form = message), { action: 'decline' }),
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
      rows.push({ provider: id, fault: 'unknown settled not-placed by a person', operation: 'quote (token mode)', expected: 'confirmation_required', observed: after.status, orders: money(id) });
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
      const refused = await run(process.execPath, [CLI, 'ledger', 'settle', 'unknown:nope', 'placed'], { env: cliEnv }).catch((error: { code: number; stderr: string }) => error);
      expect((refused as { code: number }).code).toBe(1);
      expect((refused as { stderr: string }).stderr).toMatch(/not_found: The ledger has no order unknown:nope/);
      const usage = await run(process.execPath, [CLI, 'ledger', 'settle', 'unknown:nope', 'maybe'], { env: cliEnv }).catch((error: { code: number; stderr: string }) => error);
      expect((usage as { code: number }).code).toBe(2);
      rows.push({ provider: 'any', fault: 'settle of an unknown id / a bad verdict', operation: 'proxycart ledger settle', expected: 'exit 1 / exit 2', observed: `exit ${(refused as { code: number }).code} / exit ${(usage as { code: number }).code}` });
    });
  });

  describe('tokens belong to one environment, and sandbox and live are separate books', () => {
    const { order } = fixture('proxyjam');
    const live = (home: string, key: string, extra: Record<string, string> = {}) => ({
      PROXYCART_HOME: home,
      PROXYCART_PROVIDERS: 'proxyjam',
      PROXYJAM_API_KEY: key,
      PROXYJAM_BASE_URL: sandbox.vendors.proxyjam!.baseUrl,
      PROXYCART_TIMEOUT_S: '3',
      PROXYCART_CONFIRM: 'token',
      PROXYCART_OPEN_BROWSER: 'never',
      ...extra,
    });
    const sandboxed = (home: string, extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_HOME: home, PROXYCART_PROVIDERS: 'proxyjam', ...extra });

    it('a sandbox token is refused by a live server on the same home, and nothing is sent', async () => {
      const home = tempDir('env');
      const quoted = await (await open({ env: sandboxed(home) })).ok(place('proxyjam'), order);
      const server = await open({ env: live(home, sandbox.vendors.proxyjam!.apiKey) });
      const result = await server.call(place('proxyjam'), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({ provider: 'proxyjam', fault: 'sandbox token on a live server', operation: 'confirm (token)', expected: 'policy', observed: observedOf(result), orders: money('proxyjam') });
      expect(textOf(result)).toMatch(/^policy: This confirmation token was issued for another environment \(the sandbox\)/);
      expect(money('proxyjam')).toBe(0);
    });

    it('a key change voids the tokens of the old key', async () => {
      const home = tempDir('key');
      const quoted = await (await open({ env: live(home, sandbox.vendors.proxyjam!.apiKey) })).ok(place('proxyjam'), order);
      const server = await open({ env: live(home, 'pj_live_another_key_entirely_0000') });
      const result = await server.call(place('proxyjam'), { ...order, confirmation_token: quoted.confirmation_token });
      rows.push({ provider: 'proxyjam', fault: 'API key changed after the quote', operation: 'confirm (token)', expected: 'policy', observed: observedOf(result), orders: money('proxyjam') });
      expect(textOf(result)).toMatch(/^policy: This confirmation token was issued for another environment \(another account, key or base URL\)/);
      expect(money('proxyjam')).toBe(0);
    });

    it('sandbox spending leaves the live budget untouched, and the reverse', async () => {
      const home = tempDir('books');
      // 7.00 USD orders against a 10.00 USD budget: one fits in each book, not two.
      const budget = { PROXYCART_DAILY_BUDGET_USD: '10' };
      const play = await open({ env: sandboxed(home, budget) });
      const real = await open({ env: live(home, sandbox.vendors.proxyjam!.apiKey, budget) });
      const playQuote = await play.ok(place('proxyjam'), order);
      expect(playQuote.sandbox).toBe(true);
      expect((await play.ok(place('proxyjam'), { ...order, confirmation_token: playQuote.confirmation_token })).status).toBe('placed');
      const realQuote = await real.ok(place('proxyjam'), order);
      expect(realQuote.sandbox).toBe(false);
      expect((await real.ok(place('proxyjam'), { ...order, confirmation_token: realQuote.confirmation_token })).status).toBe('placed');
      const [playNext, realNext] = [await play.call(place('proxyjam'), order), await real.call(place('proxyjam'), order)];
      rows.push({ provider: 'proxyjam', fault: 'one sandbox and one live order, budget for one each', operation: 'quote a second in each', expected: 'policy; policy', observed: `${observedOf(playNext)}; ${observedOf(realNext)}`, orders: money('proxyjam') });
      expect(textOf(playNext)).toMatch(/^policy: .*from 7\.00 USD over the budget of 10\.00 USD/);
      expect(textOf(realNext)).toMatch(/^policy: .*from 7\.00 USD over the budget of 10\.00 USD/);
      expect(money('proxyjam')).toBe(2);
    });
  });

  it('a replayed token says so: the stored result, no new charge, the balance as quoted', async () => {
    const session = await open({ env: env() });
    const { order } = fixture('proxyjam');
    const quoted = await session.ok(place('proxyjam'), order);
    const args = { ...order, confirmation_token: quoted.confirmation_token };
    const first = await session.ok(place('proxyjam'), args);
    const again = await session.ok(place('proxyjam'), args);
    rows.push({ provider: 'proxyjam', fault: 'token confirmed twice', operation: 'confirm again', expected: 'placed, replayed', observed: `${again.status}${again.replayed ? ', replayed' : ''}`, orders: money('proxyjam') });
    expect(first.replayed).toBeUndefined();
    expect(again.replayed).toBe(true);
    expect(again.order.id).toBe(first.order.id);
    expect(again.next_step).toMatch(/^This confirmation token was already used: this is the result of that order, and no new charge was made\./);
    expect(again.quote.balance_usd).toBe(quoted.quote.balance_usd);
    expect(again.quote.warnings).toContain('The balance shown is the one at quote time.');
    expect(money('proxyjam')).toBe(1);
  });

  describe('a store that cannot be written', () => {
    const { order } = fixture('proxyjam');

    it('a data folder that cannot be created: said at start, storage errors on the money path, reads still work', async () => {
      const session = await open({ env: env({ PROXYCART_HOME: '/dev/null/proxycart', PROXYCART_STORE: 'sqlite:///dev/null/proxycart/state.sqlite' }) });
      const result = await session.call(place('proxyjam'), order);
      const offers = await session.call('proxyjam_list_offers', {});
      rows.push({ provider: 'proxyjam', fault: 'PROXYCART_HOME cannot be created', operation: 'quote; list_offers', expected: 'storage; ok', observed: `${observedOf(result)}; ${offers.isError ? 'error' : 'ok'}`, orders: money('proxyjam') });
      expect(session.stderr.join('\n')).toMatch(/The store \/dev\/null\/proxycart\/state\.sqlite cannot be written \(ENOTDIR\)/);
      expect(textOf(result)).toMatch(/^storage: The store file \/dev\/null\/proxycart\/state\.sqlite cannot be opened for writing .* Nothing was sent to a vendor\./);
      expect(offers.isError).toBeFalsy();
      expect(money('proxyjam')).toBe(0);
    });

    it('a Redis store that cannot be reached: said at start, storage errors within seconds, reads still work', async () => {
      const session = await open({ env: env({ PROXYCART_STORE: 'redis://127.0.0.1:1' }) });
      const started = Date.now();
      const result = await session.call(place('proxyjam'), order);
      const offers = await session.call('proxyjam_list_offers', {});
      rows.push({ provider: 'proxyjam', fault: 'Redis store unreachable', operation: 'quote; list_offers', expected: 'storage; ok', observed: `${observedOf(result)}; ${offers.isError ? 'error' : 'ok'}`, orders: money('proxyjam') });
      expect(textOf(result)).toMatch(/^storage: PROXYCART_STORE: (cannot connect to Redis|Redis at redis:\/\/127\.0\.0\.1:1 did not answer)/);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(offers.isError).toBeFalsy();
      expect(session.stderr.join('\n')).toMatch(/error: storage: PROXYCART_STORE: .*Orders will fail until the store is reachable/);
      expect(money('proxyjam')).toBe(0);
    });

    it('a read-only home (an unprivileged user): a confirmation fails with storage and sends nothing', async () => {
      const home = tempDir('readonly');
      mkdirSync(home, { recursive: true });
      const files = { PROXYCART_HOME: home, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}` };
      const quoted = await (await open({ env: env(files) })).ok(place('proxyjam'), order);
      await Promise.all(sessions.splice(0).map((s) => s.close()));
      // root ignores file permissions: the server then runs as nobody, who may read but not write.
      const asRoot = process.getuid?.() === 0;
      chmodSync(home, 0o755);
      if (!asRoot) chmodSync(home, 0o555);
      const session = await open({ env: env(files), ...(asRoot ? { runAs: { uid: 65534, gid: 65534 } } : {}) });
      const confirm = await session.call(place('proxyjam'), { ...order, confirmation_token: quoted.confirmation_token });
      const offers = await session.call('proxyjam_list_offers', {});
      const balance = await session.call('proxyjam_wallet_balance', {});
      rows.push({ provider: 'proxyjam', fault: 'read-only home', operation: 'confirm; list_offers', expected: 'storage; ok', observed: `${observedOf(confirm)}; ${offers.isError ? 'error' : 'ok'}`, orders: money('proxyjam') });
      expect(textOf(confirm)).toMatch(/^storage: .*Nothing was sent to a vendor\./);
      expect(offers.isError).toBeFalsy();
      expect(balance.isError).toBeFalsy();
      expect(money('proxyjam')).toBe(0);
      if (!asRoot) chmodSync(home, 0o755);
    });
  });
});
