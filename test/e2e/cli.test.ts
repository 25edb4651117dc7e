import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentVariables } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { VERSION } from '../../src/version.js';
import { EXAMPLE, FIXTURE, tool } from '../example.js';
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
  it('prints its version and help (`help` and `--help`), listing every environment variable', async () => {
    expect((await run(process.execPath, [CLI, '--version'])).stdout.trim()).toBe(VERSION);
    const help = (await run(process.execPath, [CLI, '--help'])).stdout;
    expect((await run(process.execPath, [CLI, 'help'])).stdout).toBe(help);
    expect(help).toContain('proxycart sandbox');
    for (const { name } of environmentVariables(PROVIDERS)) expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('started in a terminal, says it waits for an MCP client, and what it serves with which caps', async () => {
    // `script` gives the server a real terminal on stdin, as `npm start` in a shell does.
    const home = tempDir('tty');
    const child = spawn('script', ['-qec', `${process.execPath} ${CLI}`, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_STORE: 'memory', PROXYCART_MAX_ORDER_USD: '25' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    try {
      while (!out.includes('caps:')) out += (await once(child.stdout, 'data'))[0].toString();
      expect(out).toContain('waiting for an MCP client on stdin');
      for (const spec of PROVIDERS) expect(out).toContain(`${spec.id} on (sandbox simulator)`);
      expect(out).toContain('caps: $25 per order, $200 per 24 h');
    } finally {
      child.kill();
    }
  });

  it('exits with code 2 only for unusable command-line arguments, naming what to fix', async () => {
    expect(await fails(['--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--bogus') });
    expect(await fails(['sandbox', '--port', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--port') });
  });

  it('`proxycart sandbox` serves every simulator on loopback and prints a working curl line per vendor', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    while (!out.includes('Point proxycart')) out += (await once(child.stdout, 'data'))[0].toString();
    try {
      for (const spec of PROVIDERS) expect(out).toMatch(new RegExp(`${spec.baseUrlEnv}=http://127\\.0\\.0\\.1:\\d+`));
      const curls = [...out.matchAll(/^ {2}try: (curl .+)$/gm)].map((m) => m[1]!);
      expect(curls).toHaveLength(PROVIDERS.length);
      for (const line of curls) {
        // Run each line as printed: the vendor's auth is in it, so the simulator answers 200.
        const { stdout } = await run('sh', ['-c', `${line} -s -o /dev/null -w '%{http_code}'`]);
        expect(stdout, line).toBe('200');
      }
    } finally {
      child.kill();
    }
  });

  it("`proxycart sandbox --port N` says which vendor's port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      // The second simulator of the registry would take port + 1: start one below the taken port.
      const failure = await fails(['sandbox', '--port', String(port - 1)]);
      expect(failure.code).toBe(2);
      expect(failure.stderr).toMatch(new RegExp(`port ${port} \\(for the ${PROVIDERS[1]!.title} simulator\\) is taken`));
    } finally {
      blocker.close();
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
      // A live key in the example vendor's format; the server behind the base URL answers an empty catalog.
      env: { [EXAMPLE.keyEnv]: FIXTURE.wrongKey, [EXAMPLE.baseUrlEnv]: `http://127.0.0.1:${port}/public/v1` },
    });
    const { tools } = await session.client.listTools();
    expect(tools.map((t) => t.name)).toContain(tool('list_offers'));
    expect(connections).toBe(0);
    await session.ok(tool('list_offers'), {});
    expect(connections).toBeGreaterThan(0);
    await session.close();
  });
});
