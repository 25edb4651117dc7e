import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tool } from '../example.js';
import { FIXTURES, type VendorFixture } from '../fixtures.js';
import { connect, type Session, tempDir } from './harness.js';

// SOCKS5 in the sandbox, end to end over stdio with the simulators inside the server: for
// every vendor whose simulator issues SOCKS5 proxies (its fixture's `socksOrder`), buy one,
// check it through the sandbox's SOCKS5 gateway, find it on the same gateway port after a
// restart, and see an expired order's credentials refused with a plain reason.

const SOCKS = FIXTURES.filter((fixture): fixture is VendorFixture & { socksOrder: Record<string, unknown> } => fixture.socksOrder !== undefined);
// Vendors whose saved sandbox state can say an order expired.
const EXPIRING = SOCKS.filter((fixture) => fixture.expireSaved !== undefined);

const home = tempDir('socks');
const ENV = {
  PROXYCART_SANDBOX: '1',
  PROXYCART_HOME: home,
  PROXYCART_CONFIRM: 'token',
  PROXYCART_TIMEOUT_S: '5',
  PROXYCART_LOG_LEVEL: 'debug',
};
const stateFile = join(home, 'sandbox.json');

let session: Session | undefined;
async function start(): Promise<Session> {
  await session?.close();
  session = await connect({ env: ENV });
  return session;
}
afterAll(async () => {
  await session?.close();
});

/** Quote, then place with the confirmation token (token mode). */
async function buy(s: Session, name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const quoted = await s.ok(name, args);
  expect(quoted.status).toBe('confirmation_required');
  const placed = await s.ok(name, { ...args, confirmation_token: quoted.confirmation_token });
  expect(placed.status).toBe('placed');
  return placed.order;
}

function saved(): any {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

describe('SOCKS5 proxies in the sandbox', () => {
  const orders = new Map<string, string>();
  const socksPorts = new Map<string, number>();

  it('has vendors whose simulators issue SOCKS5 proxies, one of which can expire them', () => {
    expect(SOCKS.length).toBeGreaterThanOrEqual(2);
    expect(EXPIRING.length).toBeGreaterThanOrEqual(1);
  });

  it.each(SOCKS.map((fixture) => [fixture.id, fixture] as const))(
    'buys a %s SOCKS5 proxy and checks it through the SOCKS5 gateway once usable',
    async (id, fixture) => {
      const s = session ?? (await start());
      const order = await buy(s, tool('place_order', fixture.spec), fixture.socksOrder);
      orders.set(id, order.id);
      // Usable at once or once provisioned.
      const active = await s.ok(tool('order_status', fixture.spec), { order_id: order.id, wait_seconds: 20 });
      expect(active.order.state).toBe('active');
      const checked = await s.ok('proxycart_check_proxy', { provider: id, order_id: order.id });
      expect(checked).toMatchObject({
        ok: true,
        status_code: 200,
        exit_ip: '127.0.0.1',
        sandbox: true,
        proxy: { host: '127.0.0.1', protocol: expect.stringMatching(/^socks5$/i) },
      });
      // It went through the SOCKS5 gateway, not the HTTP one.
      const vendor = saved().vendors[id];
      const socksPort: number = vendor.socksPort;
      expect(socksPort).toBeGreaterThan(0);
      expect(socksPort).not.toBe(vendor.proxyPort);
      expect(checked.proxy.port).toBe(socksPort);
      socksPorts.set(id, socksPort);
      // Credentials used, never shown.
      const status = await s.ok(tool('order_status', fixture.spec), { order_id: order.id, include_credentials: true });
      expect(status.order.proxies[0]).toMatchObject({ protocol: checked.proxy.protocol, port: socksPort });
      expect(JSON.stringify(checked)).not.toContain(status.order.proxies[0].password);
    },
  );

  it('keeps the SOCKS5 gateway ports across a restart, and the proxies still work', async () => {
    const s = await start();
    expect(orders.size).toBe(SOCKS.length);
    for (const fixture of SOCKS) {
      const port = socksPorts.get(fixture.id)!;
      expect(saved().vendors[fixture.id].socksPort, fixture.id).toBe(port);
      const checked = await s.ok('proxycart_check_proxy', { provider: fixture.id, order_id: orders.get(fixture.id)! });
      expect(checked, fixture.id).toMatchObject({
        ok: true,
        status_code: 200,
        exit_ip: '127.0.0.1',
        proxy: { port, protocol: expect.stringMatching(/^socks5$/i) },
      });
    }
  });

  it('refuses the credentials of an expired order at the SOCKS5 gateway, in plain words', async () => {
    await session!.close();
    session = undefined;
    const file = saved();
    for (const fixture of EXPIRING) fixture.expireSaved!(file.vendors[fixture.id].state, orders.get(fixture.id)!);
    writeFileSync(stateFile, JSON.stringify(file));
    const s = await start();
    for (const fixture of EXPIRING) {
      const checked = await s.ok('proxycart_check_proxy', { provider: fixture.id, order_id: orders.get(fixture.id)! });
      expect(checked, fixture.id).toMatchObject({
        ok: false,
        status_code: null,
        exit_ip: null,
        order_state: 'expired',
        proxy: { protocol: expect.stringMatching(/^socks5$/i) },
      });
      expect(checked.reason, fixture.id).toBe('auth refused: the proxy rejected the credentials (SOCKS5)');
    }
  });
});
