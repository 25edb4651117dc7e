import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURES } from '../fixtures.js';
import { connect, type Session, sandboxEnv, startVendors } from './harness.js';
import { listOffersShape, orderStatusShape, placeOrderShape, walletBalanceShape } from './shapes.js';

// The whole life of an order for each vendor, as an assistant drives it: list → quote
// (nothing sent) → confirm (exactly one order) → same token again (same result, no second
// order) → status until active → the wallet went down by the order total.

// A vendor that publishes no price before ordering needs unpriced orders allowed.
const extraEnv = (id: string): Record<string, string> | undefined =>
  PROVIDERS.find((p) => p.id === id)!.capabilities.quote === 'unknown' ? { PROXYCART_ALLOW_UNPRICED: '1' } : undefined;

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s end to end over stdio', (id, fixture) => {
  const spec = PROVIDERS.find((p) => p.id === id)!;
  let sandbox: Sandbox;
  let session: Session;
  let placedId: string;

  beforeAll(async () => {
    sandbox = await startVendors([id]);
    session = await connect({ env: sandboxEnv(sandbox, extraEnv(id)) });
  });
  afterAll(async () => {
    await session?.close();
    await sandbox?.close();
  });

  it('takes an order from the catalog to an active order, charging the wallet once', async () => {
    const simulator = sandbox.vendors[id]!.simulator;
    const { tools } = await session.client.listTools();
    const names = tools
      .map((t) => t.name)
      .filter((name) => !name.startsWith('proxycart_'))
      .sort();
    expect(names).toEqual(
      ['list_offers', 'order_status', 'place_order', ...(spec.capabilities.balance ? ['wallet_balance'] : []), ...Object.keys(spec.operations ?? {})]
        .map((op) => `${id}_${op}`)
        .sort(),
    );

    const listed = await session.ok(`${id}_list_offers`, fixture.listInput);
    listOffersShape.parse(listed);
    expect(listed.provider).toBe(id);
    expect(listed.sandbox).toBe(true);
    expect(listed.offers.length).toBeGreaterThan(0);

    const balanceBefore = simulator.state.balance;
    const ordersBefore = simulator.state.orders.size; // some simulators seed other accounts' orders
    const quoted = await session.ok(`${id}_place_order`, fixture.order);
    placeOrderShape.parse(quoted);
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.confirmation_token).toMatch(/^pct_/);
    expect(Date.parse(quoted.expires_at)).toBeGreaterThan(Date.now());
    // Token mode (the harness default): the person delegated approval, so the text lets the agent confirm.
    expect(quoted.next_step).toMatch(/^Confirm with the token when your instructions allow this purchase\b.*The caps still apply\.$/);
    expect(session.client.getInstructions()).toMatch(/Confirm a quote with its token when your instructions allow the purchase; the caps still apply\.$/);
    expect(simulator.moneyRequests()).toHaveLength(0);
    expect(simulator.state.orders.size).toBe(ordersBefore);

    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    const placed = await session.ok(`${id}_place_order`, args);
    placeOrderShape.parse(placed);
    expect(placed.status).toBe('placed');
    expect(placed.order.id).toBeTruthy();
    placedId = placed.order.id;
    expect(simulator.moneyRequests()).toHaveLength(1);

    const again = await session.ok(`${id}_place_order`, args);
    expect(again.status).toBe('placed');
    expect(again.order.id).toBe(placed.order.id);
    expect(simulator.moneyRequests()).toHaveLength(1);

    // Waiting reports progress while the vendor provisions (an order placed active has nothing to wait for).
    const progress: string[] = [];
    const waited = await session.client.callTool({ name: `${id}_order_status`, arguments: { order_id: placed.order.id, wait_seconds: 30 } }, undefined, {
      onprogress: (p) => progress.push(String(p.message)),
      timeout: 60_000,
    });
    expect(waited.isError).toBeFalsy();
    const status = orderStatusShape.parse(waited.structuredContent) as Record<string, any>;
    if (placed.order.state === 'pending') expect(progress.length).toBeGreaterThan(0);
    for (const message of progress) expect(message).toContain(placed.order.id);
    expect(status.order.state).toBe('active');
    for (const proxy of status.order.proxies) expect(proxy.password === null || proxy.password.includes('*')).toBe(true);

    const total = status.order.total_usd ?? placed.order.total_usd ?? quoted.quote.total_usd;
    expect(total).toBeGreaterThan(0);
    expect(simulator.state.balance).toBeCloseTo(balanceBefore - total, 2);
    if (spec.capabilities.balance) {
      const balance = walletBalanceShape.parse(await session.ok(`${id}_wallet_balance`));
      expect(balance.balance).toBeCloseTo(balanceBefore - total, 2);
      expect(balance.currency).toBe('USD');
    }
    expect(simulator.state.orders.size).toBe(ordersBefore + 1);
  });

  it('shows credentials only when asked', async () => {
    const masked = await session.ok(`${id}_order_status`, { order_id: placedId, wait_seconds: 30 });
    const shown = await session.ok(`${id}_order_status`, { order_id: placedId, include_credentials: true });
    const withPasswords = shown.order.proxies.filter((p: { password: string | null }) => p.password !== null);
    for (const [i, proxy] of withPasswords.entries()) {
      expect(proxy.password).not.toContain('*');
      expect(masked.order.proxies[i].password).not.toBe(proxy.password);
    }
  });
});
