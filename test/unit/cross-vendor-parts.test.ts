import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { memoryBooks } from '../../src/ledger/memory.js';
import { startForwardingProxy } from '../../src/sandbox/forwarding-proxy.js';
import { ipEchoUrl } from '../../src/sandbox/ip-echo.js';
import { movePorts, restore, snapshot } from '../../src/sandbox/state-file.js';
import { exitIp, probe, reasonOf } from '../../src/tools/proxy-probe.js';
import { ID } from '../example.js';

// The parts under the cross-vendor tools: the spending rule, the sandbox's saved state,
// and the proxy probe against a real forwarding proxy (loopback only).

const HOUR = 60 * 60 * 1000;
function entry(status: LedgerEntry['status'], approved: number | null, reported: number | undefined, ageMs: number): LedgerEntry {
  return {
    id: `e${Math.random()}`,
    provider: ID,
    argsHash: 'h',
    idempotencyKey: 'k',
    status,
    prepared: { request: {}, quote: { total_usd: approved, price_source: 'catalog_estimate', summary: 's' } },
    quote: { total_usd: approved, currency: 'USD', price_source: 'catalog_estimate', summary: 's', balance_usd: null, balance_after_usd: null, warnings: [] },
    createdAt: Date.now() - ageMs,
    updatedAt: Date.now(),
    ...(reported === undefined ? {} : { order: { id: 'o', status: 'active', state: 'active', total_usd: reported, proxies: [] } }),
  } as LedgerEntry;
}

describe('24-hour spending', () => {
  it('counts per order the larger of approved and reported, skips refused and old orders', async () => {
    const entries = [
      entry('placed', 5, 5, HOUR),
      entry('placed', 5, 7.5, HOUR), // charged above the approval: the charge counts
      entry('placed', 5, 2, HOUR), // a lower vendor total never lowers it
      entry('placed', 5, Number.NaN, HOUR),
      entry('outcome_unknown', 3, undefined, HOUR),
      entry('submitting', 1.25, undefined, HOUR),
      entry('failed', 100, undefined, HOUR),
      entry('placed', 100, 100, 25 * HOUR),
    ];
    const ledger = new Ledger(memoryBooks());
    await ledger.books.append(entries);
    expect((await ledger.spending(false)).total).toBe(5 + 7.5 + 5 + 5 + 3 + 1.25);
    // The other book (sandbox) holds none of these.
    expect((await ledger.spending(true)).total).toBe(0);
  });
});

describe('saved sandbox state', () => {
  it('round-trips maps and plain data, leaves functions, and moves issued proxies to a new port', () => {
    const clock = () => 1;
    const state = { balance: 90, orders: new Map([['a', { access: [{ host: '127.0.0.1', port: 4000, username: 'u' }] }]]), now: clock };
    const json = JSON.parse(JSON.stringify(snapshot(state)));
    const fresh = { balance: 100, orders: new Map(), now: () => 2 };
    restore(fresh, json);
    expect(fresh.balance).toBe(90);
    expect(fresh.orders).toBeInstanceOf(Map);
    expect(fresh.now()).toBe(2);
    movePorts(fresh, '127.0.0.1', new Map([[4000, 5000]]));
    expect((fresh.orders.get('a') as any).access[0].port).toBe(5000);
    // HTTP and SOCKS5 gateways move in one pass: the new HTTP port may be the old SOCKS5 one.
    const both = {
      proxies: [
        { ip: '127.0.0.1', port_http: 4000, port_socks: 5000 },
        { ip: '185.1.0.2', port_http: 4000, port_socks: 50101 },
      ],
    };
    movePorts(
      both,
      '127.0.0.1',
      new Map([
        [4000, 5000],
        [5000, 6000],
      ]),
    );
    expect(both.proxies).toEqual([
      { ip: '127.0.0.1', port_http: 5000, port_socks: 6000 },
      { ip: '185.1.0.2', port_http: 4000, port_socks: 50101 },
    ]);
  });
});

describe('proxy probe', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  it('reports ok, status, latency and the exit IP through a forwarding proxy, and auth refused for wrong credentials', async () => {
    const proxy = await startForwardingProxy('127.0.0.1', 0, (u, p) => u === 'user' && p === 'secret-pass');
    closers.push(proxy.close);
    const target = new URL(await ipEchoUrl());
    const ok = await probe({ host: '127.0.0.1', port: proxy.port, protocol: 'HTTP', username: 'user', password: 'secret-pass' }, target, 3000);
    expect(ok).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1' });
    const refused = await probe({ host: '127.0.0.1', port: proxy.port, protocol: 'HTTP', username: 'user', password: 'wrong' }, target, 3000);
    expect(refused).toMatchObject({ ok: false, status_code: null, exit_ip: null });
    expect(refused.reason).toMatch(/^auth refused/);
    expect(JSON.stringify(refused)).not.toContain('wrong');
  });

  it('says connection refused and connect timeout in words', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const target = new URL(await ipEchoUrl());
    const refused = await probe({ host: '127.0.0.1', port: freePort, protocol: 'HTTP', username: 'u', password: 'p' }, target, 2000);
    expect(refused.reason).toMatch(/^connection refused/);

    // A proxy that accepts connections and never answers.
    const held = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as AddressInfo).port;
    const slow = await probe({ host: '127.0.0.1', port, protocol: 'HTTP', username: 'u', password: 'p' }, target, 300);
    expect(slow.reason).toMatch(/^connect timeout/);
    const socks = await probe({ host: '127.0.0.1', port, protocol: 'socks5', username: 'u', password: 'p' }, target, 300);
    expect(socks.reason).toMatch(/^connect timeout/);
  });

  it('names DNS and TLS failures, and reads exit IPs from the usual echo shapes', () => {
    expect(reasonOf(Object.assign(new Error('getaddrinfo ENOTFOUND gw.example'), { code: 'ENOTFOUND' }), false, 1000)).toMatch(/^DNS/);
    expect(reasonOf(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), false, 1000)).toMatch(/^TLS/);
    expect(exitIp('{"ip":"203.0.113.7"}')).toBe('203.0.113.7');
    expect(exitIp('{"origin":"203.0.113.7, 10.0.0.1"}')).toBe('203.0.113.7');
    expect(exitIp('2001:db8::1\n')).toBe('2001:db8::1');
    expect(exitIp('<html>hello</html>')).toBeNull();
  });
});
