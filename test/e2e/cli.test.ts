import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { CLI, connect, tempDir } from './harness.js';

const run = promisify(execFile);

async function fails(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: tempDir('cli'), ...env } });
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
  throw new Error('expected the command to fail');
}

describe('the proxycart command', () => {
  it('prints its version and help', async () => {
    expect((await run(process.execPath, [CLI, '--version'])).stdout.trim()).toBe(VERSION);
    const help = (await run(process.execPath, [CLI, '--help'])).stdout;
    expect(help).toContain('proxycart sandbox');
    expect(help).toContain('PROXYCART_MAX_ORDER_USD');
  });

  it('refuses unknown arguments and bad configuration with exit code 2, naming what to fix', async () => {
    expect(await fails(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--bogus') });
    const bad = await fails([], { PROXYCART_MAX_ORDER_USD: 'plenty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PROXYCART_MAX_ORDER_USD');
    const nova = await fails([], { NOVAPROXY_API_KEY: 'nova_key_0123456789' });
    expect(nova.stderr).toContain('NOVAPROXY_BASE_URL');
    expect(nova.stderr).not.toContain('nova_key_0123456789');
  });

  it('`proxycart sandbox` serves every simulator on loopback and prints how to reach it', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    while (!out.includes('Point proxycart')) out += (await once(child.stdout, 'data'))[0].toString();
    try {
      for (const name of ['PROXYJAM', 'PROXYSCRAPE', 'PROXYSELLER', 'NOVAPROXY']) expect(out).toMatch(new RegExp(`${name}_BASE_URL=http://127\\.0\\.0\\.1:\\d+`));
      const base = out.match(/PROXYJAM_BASE_URL=(\S+)/)![1];
      const catalog = await fetch(`${base}/catalog`);
      expect(catalog.status).toBe(200);
      expect(((await catalog.json()) as { total: number }).total).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});

describe('start-up', () => {
  let vendor: Server;
  let connections = 0;
  afterAll(() => new Promise((resolve) => vendor?.close(resolve)));

  it('touches no network before initialize and tools/list, only on the first tool call', async () => {
    vendor = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kinds":[],"total":0}'));
    vendor.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    const port = (vendor.address() as AddressInfo).port;
    const session = await connect({
      env: { PROXYJAM_API_KEY: 'pj_live_startup_check_0001', PROXYJAM_BASE_URL: `http://127.0.0.1:${port}/public/v1` },
    });
    const { tools } = await session.client.listTools();
    expect(tools.map((t) => t.name)).toContain('proxyjam_list_offers');
    expect(connections).toBe(0);
    await session.ok('proxyjam_list_offers', {});
    expect(connections).toBeGreaterThan(0);
    await session.close();
  });
});
