import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURES, fixtureOf } from '../fixtures.js';
import { connect, type Session, startVendors, tempDir } from './harness.js';

// Keys are configured as real keys would be (not sandbox mode), pointing at the
// simulators; then every tool is driven through success and failure, and every result,
// error, log line and the store file are scanned for the keys.

describe('API keys never leak', () => {
  let sandbox: Sandbox;
  const sessions: Session[] = [];
  const homes: string[] = [];

  beforeAll(async () => {
    sandbox = await startVendors();
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await sandbox?.close();
  });

  async function session(id: string, key: string): Promise<Session> {
    const { spec } = fixtureOf(id);
    const home = tempDir(`secrets-${id}`);
    homes.push(home);
    const s = await connect({
      env: {
        [spec.keyEnv]: key,
        [spec.baseUrlEnv]: sandbox.vendors[spec.id]!.baseUrl,
        PROXYCART_HOME: home,
        PROXYCART_LOG_LEVEL: 'debug',
        PROXYCART_ALLOW_UNPRICED: '1',
        PROXYCART_TIMEOUT_S: '3',
        PROXYCART_CONFIRM: 'token',
      },
    });
    sessions.push(s);
    return s;
  }

  it.each(FIXTURES.map((f) => [f.id, f] as const))('%s: no key in any result, error, log line or the store', async (id, fixture) => {
    const { spec, wrongKey } = fixture;
    // A wrong key in the vendor's own format (the fixture's): it must be a key to hide.
    expect(wrongKey, `${id}: fixture.wrongKey`).toMatch(/^\S{6,}$/);
    const goodKey = sandbox.vendors[spec.id]!.apiKey;
    expect(wrongKey).not.toBe(goodKey);
    const good = await session(id, goodKey);
    const bad = await session(id, wrongKey);

    await good.ok(`${id}_list_offers`, fixture.listInput);
    const quoted = await good.ok(`${id}_place_order`, fixture.order);
    const placed = await good.ok(`${id}_place_order`, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    await good.ok(`${id}_order_status`, { order_id: placed.order.id, wait_seconds: 15, include_credentials: true });
    await good.call(`${id}_order_status`, { order_id: 'no-such-order-0000' });
    for (const invalid of fixture.invalidOrders) await good.call(`${id}_place_order`, invalid.input);
    if (fixture.unaffordableOrder) await good.call(`${id}_place_order`, fixture.unaffordableOrder);

    // Every lifecycle call the vendor has: quoted and confirmed with the good key, refused with the bad one.
    const changes: Array<Promise<unknown>> = [];
    for (const [operation, change] of Object.entries(fixture.lifecycle?.operations ?? {})) {
      const base = change!.order;
      const quotedOrder = await good.ok(`${id}_place_order`, base);
      const order = (await good.ok(`${id}_place_order`, { ...base, confirmation_token: quotedOrder.confirmation_token })).order;
      await good.ok(`${id}_order_status`, { order_id: order.id, wait_seconds: 15 });
      const args = { order_id: order.id, ...change!.args };
      const quotedChange = await good.ok(`${id}_${operation}`, args);
      if (quotedChange.confirmation_token) await good.ok(`${id}_${operation}`, { ...args, confirmation_token: quotedChange.confirmation_token });
      changes.push(bad.call(`${id}_${operation}`, args));
    }
    await Promise.all(changes);
    await good.ok('proxycart_orders', {});

    const failures = [
      await bad.call(`${id}_list_offers`, fixture.listInput),
      await bad.call(`${id}_place_order`, fixture.order),
      await bad.call(`${id}_order_status`, { order_id: placed.order.id }),
    ];
    if (spec.capabilities.balance) {
      await good.ok(`${id}_wallet_balance`);
      failures.push(await bad.call(`${id}_wallet_balance`));
    }
    // The bad key is refused somewhere along the way (a vendor's catalog may be public).
    expect(failures.some((r) => r.isError && r.content.some((c) => c.type === 'text' && /^auth: /.test(c.text)))).toBe(true);

    const seen = [...good.transcript, ...good.stderr, ...bad.transcript, ...bad.stderr];
    expect(seen.length).toBeGreaterThan(5);
    // The SQLite file and its write-ahead log.
    const store = homes.flatMap((home) => readdirSync(home).map((file) => readFileSync(join(home, file)).toString('latin1')));
    // The ledger's table holds the order (an entry's JSON has its idempotency key).
    expect(store.join('')).toContain('ledger_entries');
    expect(store.join('')).toContain('"idempotencyKey"');
    for (const key of [goodKey, wrongKey]) {
      for (const text of [...seen, ...store]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(encodeURIComponent(key));
      }
    }
  });
});
