import net from 'node:net';
import { SocksClient } from 'socks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ForwardingProxy } from '../../src/sandbox/forwarding-proxy.js';
import { ipEchoUrl } from '../../src/sandbox/ip-echo.js';
import { isLoopbackTarget } from '../../src/sandbox/loopback.js';
import { startSocksGateway } from '../../src/sandbox/socks-gateway.js';
import { probe } from '../../src/tools/proxy-probe.js';

// The sandbox's SOCKS5 gateway, driven directly with the `socks` client on loopback.

const accepts = (username: string, password: string) => username === 'usr_ok' && password === 'right-pass';

let gateway: ForwardingProxy;
let echo: URL;
beforeAll(async () => {
  gateway = await startSocksGateway('127.0.0.1', 0, accepts);
  echo = new URL(await ipEchoUrl());
});
afterAll(async () => {
  await gateway.close();
});

function open(destination: { host: string; port: number }, password = 'right-pass') {
  return SocksClient.createConnection({
    proxy: { host: '127.0.0.1', port: gateway.port, type: 5, userId: 'usr_ok', password },
    command: 'connect',
    destination,
    timeout: 3000,
  });
}

describe('sandbox SOCKS5 gateway', () => {
  it('forwards an accepted login to a loopback target (the probe reads the exit IP)', async () => {
    const result = await probe({ host: '127.0.0.1', port: gateway.port, protocol: 'SOCKS5', username: 'usr_ok', password: 'right-pass' }, echo, 3000);
    expect(result).toMatchObject({ ok: true, status_code: 200, exit_ip: '127.0.0.1' });
    const { socket } = await open({ host: 'localhost', port: Number(echo.port) });
    socket.destroy();
  });

  it('refuses other credentials, and the probe says auth refused in plain words', async () => {
    await expect(open({ host: '127.0.0.1', port: Number(echo.port) }, 'wrong-pass')).rejects.toThrow(/Authentication failed/);
    const refused = await probe({ host: '127.0.0.1', port: gateway.port, protocol: 'SOCKS5', username: 'usr_ok', password: 'wrong-pass' }, echo, 3000);
    expect(refused).toMatchObject({ ok: false, status_code: null, exit_ip: null });
    expect(refused.reason).toBe('auth refused: the proxy rejected the credentials (SOCKS5)');
    expect(JSON.stringify(refused)).not.toContain('wrong-pass');
  });

  it('refuses a destination off loopback before opening any connection', async () => {
    // Belt and braces: should the gateway ever try to connect off loopback, this stops it
    // before a packet leaves (and the assertion below fails). 192.0.2.1 is TEST-NET-1.
    const original = net.createConnection;
    const outbound = vi.spyOn(net, 'createConnection').mockImplementation(((...args: Parameters<typeof net.createConnection>) => {
      const options = args[0] as { host?: string };
      if (typeof options === 'object' && !isLoopbackTarget(String(options.host ?? ''))) throw new Error('test: no traffic off loopback');
      return original(...args);
    }) as typeof net.createConnection);
    try {
      await expect(open({ host: '192.0.2.1', port: 80 })).rejects.toThrow(/rejected connection - NotAllowed/);
      await expect(open({ host: 'example.com', port: 443 })).rejects.toThrow(/rejected connection - NotAllowed/);
      await expect(open({ host: '::ffff:192.0.2.1', port: 80 })).rejects.toThrow(/rejected connection - NotAllowed/);
      const refused = await probe(
        { host: '127.0.0.1', port: gateway.port, protocol: 'SOCKS5', username: 'usr_ok', password: 'right-pass' },
        new URL('http://192.0.2.1/'),
        3000,
      );
      expect(refused.reason).toMatch(/^refused: the proxy would not connect to this target/);
      expect(outbound).not.toHaveBeenCalled();
      // The spy does see the gateway's connections: a loopback one goes through it.
      const { socket } = await open({ host: '127.0.0.1', port: Number(echo.port) });
      socket.destroy();
      expect(outbound).toHaveBeenCalledWith(expect.objectContaining({ host: '127.0.0.1', port: Number(echo.port) }));
    } finally {
      outbound.mockRestore();
    }
  });

  it('counts 127.0.0.0/8, localhost and ::1 in any spelling as loopback, and nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1']) {
      expect(isLoopbackTarget(host), host).toBe(true);
    }
    for (const host of ['192.0.2.1', '10.0.0.1', '0.0.0.0', '::', '2001:db8::1', 'localhost.example.com', '::ffff:192.0.2.1', '']) {
      expect(isLoopbackTarget(host), host).toBe(false);
    }
  });
});

describe('SOCKS5 gateway port across sandbox restarts', () => {
  it('reuses the saved port, and moves issued SOCKS5 proxies when that port is taken', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startSandbox } = await import('../../src/sandbox/index.js');
    const stateFile = join(mkdtempSync(join(tmpdir(), 'proxycart-socks-')), 'sandbox.json');
    const { connectParsed } = await import('../fixtures.js');
    const { EXAMPLE, FIXTURE, ID } = await import('../example.js');
    // The example vendor's fixture order, asked for as SOCKS5 (its own protocol field), through its client.
    const client = (baseUrl: string, apiKey: string) => connectParsed(EXAMPLE, { baseUrl, apiKey, timeoutMs: 5000 });
    const order = async (baseUrl: string, apiKey: string) => {
      const vendor = await client(baseUrl, apiKey);
      return vendor.placeOrder(await vendor.prepareOrder({ ...FIXTURE.order, protocol: 'SOCKS5' }), 'socks-port-test');
    };
    const access = async (baseUrl: string, apiKey: string, id: string) => (await (await client(baseUrl, apiKey)).orderStatus(id)).proxies[0]!;

    const first = await startSandbox([ID], '127.0.0.1', undefined, { stateFile });
    const jam = first.vendors[ID]!;
    const placed = await order(jam.baseUrl, jam.apiKey);
    const issued = await access(jam.baseUrl, jam.apiKey, placed.id);
    expect(issued).toMatchObject({ host: '127.0.0.1', port: jam.simulator.socks.port, protocol: 'SOCKS5' });
    const savedPort = jam.simulator.socks.port;
    await first.close();

    // Same port when free.
    const second = await startSandbox([ID], '127.0.0.1', undefined, { stateFile });
    expect(second.vendors[ID]!.simulator.socks.port).toBe(savedPort);
    await second.close();

    // Taken: a free port, and the proxy issued earlier follows it (and still works).
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(savedPort, '127.0.0.1', resolve));
    const third = await startSandbox([ID], '127.0.0.1', undefined, { stateFile });
    try {
      const moved = third.vendors[ID]!;
      expect(moved.simulator.socks.port).not.toBe(savedPort);
      const now = await access(moved.baseUrl, moved.apiKey, placed.id);
      expect(now).toMatchObject({ port: moved.simulator.socks.port, username: issued.username });
      const result = await probe({ ...now, protocol: 'SOCKS5' }, echo, 3000);
      expect(result).toMatchObject({ ok: true, exit_ip: '127.0.0.1' });
    } finally {
      await third.close();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
