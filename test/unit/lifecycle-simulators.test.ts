import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sandbox/kit.js';
import { FOREIGN_ORDER_ID, type ProxyJamState, sandboxKey as pjKey, createSimulator as proxyjam } from '../../src/sandbox/proxyjam.js';
import { endOf, type ProxySellerState, createSimulator as proxyseller, sandboxKey as psKey } from '../../src/sandbox/proxyseller.js';

// The lifecycle endpoints of the simulators (vendors.md section 6) over real HTTP: what each
// charges, idempotency, the documented refusals, and what a renewal changes.

const DAY = 24 * 60 * 60 * 1000;

describe('ProxyJam simulator: extend, bandwidth, auto-renew', () => {
  let sim: Simulator<ProxyJamState>;
  let base: string;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-api-key': pjKey, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const order = async (body: Record<string, unknown>) => (await call('POST', '/orders', { payment_method: 'wallet', ...body })).json;

  beforeAll(async () => {
    sim = proxyjam();
    base = await sim.listen();
  });
  afterAll(() => sim.close());

  it('extends a static order by months: charged the catalog price, expiry moved, the old one kept', async () => {
    const placed = await order({ offer_id: 42, quantity: 2, period_days: 30 });
    const before = sim.state.balance;
    const key = crypto.randomUUID();
    const extended = await call('POST', `/orders/${placed.id}/extend`, { months: 1 }, { 'idempotency-key': key });
    expect(extended.status).toBe(200);
    expect(extended.json.previous_expires_at).toBe(placed.proxy_access[0].expires_at);
    expect(Date.parse(extended.json.expires_at) - Date.parse(placed.proxy_access[0].expires_at)).toBe(30 * DAY);
    expect(before - sim.state.balance).toBeCloseTo(7, 2);
    // A replay answers the first answer and charges nothing; the same key with another body is a conflict.
    expect((await call('POST', `/orders/${placed.id}/extend`, { months: 1 }, { 'idempotency-key': key })).json).toEqual(extended.json);
    expect(before - sim.state.balance).toBeCloseTo(7, 2);
    expect((await call('POST', `/orders/${placed.id}/extend`, { months: 3 }, { 'idempotency-key': key })).status).toBe(409);
    // Three months is the offer's own 90-day price.
    await call('POST', `/orders/${placed.id}/extend`, { months: 3 });
    expect(before - sim.state.balance).toBeCloseTo(7 + 19.8, 2);
  });

  it('refuses both or neither field (422), the wrong field (400), another account (403), a short wallet', async () => {
    const placed = await order({ offer_id: 42, quantity: 1, period_days: 30 });
    expect((await call('POST', `/orders/${placed.id}/extend`, { months: 1, tarification_index: 0 })).status).toBe(422);
    expect((await call('POST', `/orders/${placed.id}/extend`, {})).status).toBe(422);
    const wrong = await call('POST', `/orders/${placed.id}/extend`, { tarification_index: 0 });
    expect(wrong.status).toBe(400);
    expect(wrong.json.detail).toMatch(/months/);
    expect((await call('POST', `/orders/${placed.id}/extend`, { months: 25 })).status).toBe(422);
    expect((await call('POST', `/orders/${FOREIGN_ORDER_ID}/extend`, { months: 1 })).status).toBe(403);
    expect((await call('POST', '/orders/00000000-0000-4000-8000-000000000000/extend', { months: 1 })).status).toBe(404);
    const balance = sim.state.balance;
    sim.state.balance = 1;
    const short = await call('POST', `/orders/${placed.id}/extend`, { months: 1 });
    expect(short).toMatchObject({ status: 400, json: { detail: 'Insufficient wallet balance: have 1.00 USD, need 3.50' } });
    sim.state.balance = balance;
  });

  it('extends a mobile order only by tarification_index with an Idempotency-Key, resetting its cycle', async () => {
    const placed = await order({ offer_id: 77, tarification_index: 1, period_days: 30 });
    expect((await call('POST', `/orders/${placed.id}/extend`, { months: 1 })).status).toBe(400);
    expect((await call('POST', `/orders/${placed.id}/extend`, { tarification_index: 1 })).json.detail).toMatch(/Idempotency-Key/);
    const extended = await call('POST', `/orders/${placed.id}/extend`, { tarification_index: 1 }, { 'idempotency-key': crypto.randomUUID() });
    expect(extended.json).toMatchObject({ type: 'mobile', previous_expires_at: expect.any(String) });
  });

  it('brings an expired order back: active again from now', async () => {
    const placed = await order({ offer_id: 42, quantity: 1, period_days: 30 });
    const stored = sim.state.orders.get(placed.id)!;
    stored.lifecycle = 'expired';
    stored.expires_at = new Date(Date.now() - DAY).toISOString();
    const extended = await call('POST', `/orders/${placed.id}/extend`, { months: 1 });
    expect(extended.json.status).toBe('active');
    expect(Date.parse(extended.json.expires_at)).toBeGreaterThan(Date.now() + 29 * DAY);
    expect((await call('GET', `/orders/${placed.id}`)).json.status).toBe('active');
  });

  it('tops up traffic at the tariff rate, and toggles renewal for free', async () => {
    const placed = await order({ offer_id: 77, tarification_index: 1, period_days: 30 });
    const before = sim.state.balance;
    const topped = await call('POST', `/orders/${placed.id}/bandwidth`, { bandwidth_gb: 5 });
    expect(topped.json.bandwidth_total_gb).toBe(10);
    expect(before - sim.state.balance).toBeCloseTo(12, 2);
    expect((await call('POST', `/orders/${placed.id}/bandwidth`, { bandwidth_gb: 0 })).status).toBe(422);
    const renew = await call('POST', `/orders/${placed.id}/auto-renew`, { enabled: true });
    expect(renew.json.auto_renew).toBe(true);
    expect((await call('POST', `/orders/${placed.id}/auto-renew`, {})).status).toBe(422);
    expect(before - sim.state.balance).toBeCloseTo(12, 2);
    // extend and bandwidth are money routes; auto-renew is not.
    expect(sim.log.filter((entry) => entry.money && /auto-renew/.test(entry.path))).toHaveLength(0);
  });
});

describe('Proxy-Seller simulator: prolong/calc and prolong/make', () => {
  let sim: Simulator<ProxySellerState>;
  let base: string;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}/${psKey}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as any;
  };

  beforeAll(async () => {
    sim = proxyseller();
    base = await sim.listen();
  });
  afterAll(() => sim.close());

  it('quotes a renewal, warns with data when the balance is short, and renews: new proxy ids, later date_end', async () => {
    const seeded = sim.state.orders.get('2426001')!;
    const proxy = seeded.proxies![0]!;
    const quote = await post('/prolong/calc/ipv4', { ids: [proxy.id], periodId: '1m', paymentId: '1' });
    expect(quote).toMatchObject({ status: 'success', data: { warning: '', total: 2.2, quantity: 1, items: [{ id: proxy.id, can_prolong: true }] } });
    sim.state.balance = 1;
    const short = await post('/prolong/calc/ipv4', { ids: [proxy.id], periodId: '1m', paymentId: '1' });
    expect(short).toMatchObject({ status: 'error', errors: [], data: { warning: 'Insufficient funds. Total $1. Not enough $1.20', total: 2.2 } });
    expect((await post('/prolong/make/ipv4', { ids: [proxy.id], periodId: '1m', paymentId: '1' })).errors[0].message).toMatch(/^Insufficient funds/);
    sim.state.balance = 100;
    const endBefore = endOf(seeded);
    const made = await post('/prolong/make/ipv4', { ids: [proxy.id], periodId: '1m', paymentId: '1' });
    expect(made).toMatchObject({ status: 'success', data: { orderId: expect.any(Number), total: 2.2, balance: 97.8 } });
    expect(endOf(seeded)).toBe(endBefore + 30 * DAY);
    expect(seeded.proxies![0]!.id).not.toBe(proxy.id);
    expect(seeded.proxies![0]!.login).toBe(proxy.login);
    // The old id is gone: renewing it again is refused.
    expect((await post('/prolong/calc/ipv4', { ids: [proxy.id], periodId: '1m', paymentId: '1' })).errors[0]).toMatchObject({
      message: 'Incorrect orderIds',
      code: 29,
    });
  });

  it('refuses a resident type, a period not in the reference and a card payment', async () => {
    const id = sim.state.orders.get('2426001')!.proxies![0]!.id;
    expect((await post('/prolong/calc/resident', { ids: [id], periodId: '1m', paymentId: '1' })).status).toBe('error');
    expect((await post('/prolong/calc/ipv4', { ids: [id], periodId: '5y', paymentId: '1' })).errors[0].message).toBe('Set existed [periodId] from reference');
    expect((await post('/prolong/calc/ipv4', { ids: [id], periodId: '1m', paymentId: '43' })).errors[0].message).toBe('Set existed [paymentId]');
  });
});
