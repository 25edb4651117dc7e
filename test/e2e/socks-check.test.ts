import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, tempDir, type Session } from './harness.js';

// SOCKS5 in the sandbox, end to end over stdio with the simulators inside the server: buy a
// SOCKS5 proxy (ProxyJam, then Proxy-Seller IPv6), check it through the sandbox's SOCKS5
// gateway, find it on the same gateway port after a restart, and see an expired order's
// credentials refused with a plain reason.

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
async function buy(s: Session, tool: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const quoted = await s.ok(tool, args);
  expect(quoted.status).toBe('confirmation_required');
  const placed = await s.ok(tool, { ...args, confirmation_token: quoted.confirmation_token });
  expect(placed.status).toBe('placed');
  return placed.order;
}

function saved(): any {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

describe('SOCKS5 proxies in the sandbox', () => {
  let jamOrder: string;
  let socksPort: number;

  it('buys a ProxyJam SOCKS5 proxy and checks it through the SOCKS5 gateway', async () => {
    const s = await start();
    const order = await buy(s, 'proxyjam_place_order', { offer_id: 42, quantity: 1, period_days: 30, protocol: 'SOCKS5' });
    jamOrder = order.id;
    const checked = await s.ok('proxycart_check_proxy', { provider: 'proxyjam', order_id: jamOrder });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1', sandbox: true, proxy: { host: '127.0.0.1', protocol: 'SOCKS5' } });
    // It went through the SOCKS5 gateway, not the HTTP one.
    const vendor = saved().vendors.proxyjam;
    socksPort = vendor.socksPort;
    expect(socksPort).toBeGreaterThan(0);
    expect(socksPort).not.toBe(vendor.proxyPort);
    expect(checked.proxy.port).toBe(socksPort);
    // Credentials used, never shown.
    const status = await s.ok('proxyjam_order_status', { order_id: jamOrder, include_credentials: true });
    expect(status.order.proxies[0]).toMatchObject({ protocol: 'SOCKS5', port: socksPort });
    expect(JSON.stringify(checked)).not.toContain(status.order.proxies[0].password);
  });

  it('buys a Proxy-Seller IPv6 SOCKS5 proxy and checks it once provisioned', async () => {
    const s = session!;
    const order = await buy(s, 'proxyseller_place_order', { type: 'ipv6', countryId: 801, periodId: '1m', quantity: 10, protocol: 'SOCKS5' });
    const active = await s.ok('proxyseller_order_status', { order_id: order.id, wait_seconds: 20 });
    expect(active.order.state).toBe('active');
    const checked = await s.ok('proxycart_check_proxy', { provider: 'proxyseller', order_id: order.id });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1', proxy: { host: '127.0.0.1', protocol: 'socks5' } });
    expect(checked.proxy.port).toBe(saved().vendors.proxyseller.socksPort);
  });

  it('keeps the SOCKS5 gateway port across a restart, and the proxy still works', async () => {
    const s = await start();
    expect(saved().vendors.proxyjam.socksPort).toBe(socksPort);
    const checked = await s.ok('proxycart_check_proxy', { provider: 'proxyjam', order_id: jamOrder });
    expect(checked).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1', proxy: { port: socksPort, protocol: 'SOCKS5' } });
  });

  it('refuses the credentials of an expired order at the SOCKS5 gateway, in plain words', async () => {
    await session!.close();
    session = undefined;
    const file = saved();
    const entry = file.vendors.proxyjam.state.orders.$map.find(([id]: [string]) => id === jamOrder);
    entry[1].lifecycle = 'expired';
    writeFileSync(stateFile, JSON.stringify(file));
    const s = await start();
    const checked = await s.ok('proxycart_check_proxy', { provider: 'proxyjam', order_id: jamOrder });
    expect(checked).toMatchObject({ ok: false, status_code: null, exit_ip: null, order_state: 'expired', proxy: { protocol: 'SOCKS5' } });
    expect(checked.reason).toBe('auth refused: the proxy rejected the credentials (SOCKS5)');
  });
});
