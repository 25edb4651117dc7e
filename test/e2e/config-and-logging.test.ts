import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, connect, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// A bad setting must reach the person through the client: the server starts, lists its
// tools, and the calls the problem affects answer an isError result naming the variable.

const NOVA_KEY = 'nova_live_key_e2e_0123456789';

describe('configuration problems', () => {
  it('a NovaProxy key without NOVAPROXY_BASE_URL blocks only the NovaProxy tools', async () => {
    const session = await connect({
      env: { NOVAPROXY_API_KEY: NOVA_KEY, PROXYJAM_API_KEY: 'pj_live_e2e_cfg_000111', PROXYJAM_BASE_URL: 'http://127.0.0.1:9/public/v1', PROXYCART_STORE: 'memory' },
    });
    try {
      const names = (await session.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['novaproxy_list_offers', 'proxyjam_list_offers']));
      const nova = await session.call('novaproxy_list_offers', {});
      expect(nova.isError).toBe(true);
      expect(nova.structuredContent).toBeUndefined();
      expect(textOf(nova)).toMatch(/^configuration: NOVAPROXY_BASE_URL is required for NovaProxy/);
      expect(textOf(nova)).toContain('restart');
      // ProxyJam is configured: its call goes to the vendor (a closed port here), not to a configuration error.
      const jam = await session.call('proxyjam_wallet_balance', {});
      expect(textOf(jam)).not.toMatch(/^configuration/);
      const stderr = session.stderr.join('\n');
      expect(stderr).toContain('NOVAPROXY_BASE_URL is required');
      // The start-up report: who is on or off and why, the caps, the data folder.
      expect(stderr).toContain('proxyjam on (PROXYJAM_API_KEY)');
      expect(stderr).toContain('novaproxy blocked (configuration problem below)');
      expect(stderr).toContain('proxyscrape off (PROXYSCRAPE_API_KEY is not set)');
      expect(stderr).toContain('caps: $50 per order, $200 per 24 h; confirm auto');
      expect(stderr).toMatch(/data folder \/\S+; store memory/);
      expect([...session.transcript, ...session.stderr].join('\n')).not.toContain(NOVA_KEY);
    } finally {
      await session.close();
    }
  });

  it('a bad shared setting blocks every call and is said at start', async () => {
    const session = await connect({ env: { PROXYCART_SANDBOX: '1', PROXYCART_MAX_ORDER_USD: 'plenty', PROXYCART_STORE: 'memory' } });
    try {
      const { tools } = await session.client.listTools();
      expect(tools.length).toBeGreaterThan(10);
      for (const name of ['proxyjam_list_offers', 'novaproxy_order_status']) {
        const result = await session.call(name, name.endsWith('status') ? { order_id: '1' } : {});
        expect(result.isError, name).toBe(true);
        expect(textOf(result)).toContain('PROXYCART_MAX_ORDER_USD="plenty" is not valid');
      }
      expect(session.client.getInstructions()).toContain('PROXYCART_MAX_ORDER_USD');
      expect(session.stderr.join('\n')).toContain('PROXYCART_MAX_ORDER_USD');
    } finally {
      await session.close();
    }
  });
});

it('resolves a relative PROXYCART_HOME against the working directory and says so', async () => {
  const cwd = tempDir('cwd');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, PROXYCART_HOME: 'data/pc', PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: 'proxyjam' },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'home-test', version: '1' });
  await client.connect(transport);
  try {
    await client.callTool({ name: 'proxyjam_order_status', arguments: { order_id: 'x-1' } });
    expect(stderr).toContain(`data folder ${join(cwd, 'data/pc')} (PROXYCART_HOME=data/pc resolved against ${cwd})`);
    expect(statSync(join(cwd, 'data/pc')).mode & 0o777).toBe(0o700);
  } finally {
    await client.close();
  }
});

describe('MCP logging and data at rest', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startVendors(['proxyjam']);
  });
  afterAll(() => sandbox.close());

  it('declares logging, honours logging/setLevel and never sends a secret', async () => {
    const home = join(tempDir('log'), 'nested', 'home');
    const session = await connect({ env: sandboxEnv(sandbox, { PROXYCART_HOME: home, PROXYCART_APPROVAL_PIN: '91827364' }) });
    const messages: Array<{ level: string; data: unknown }> = [];
    session.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
    try {
      expect(session.client.getServerCapabilities()?.logging).toEqual({});
      await session.client.setLoggingLevel('error');
      await session.ok('proxyjam_list_offers', {});
      expect(messages.filter((m) => m.level === 'debug' || m.level === 'info')).toEqual([]);

      await session.client.setLoggingLevel('debug');
      await session.ok('proxyjam_list_offers', {});
      await session.call('proxyjam_order_status', { order_id: 2426273 });
      // Notifications travel ahead of the result on the same pipe.
      expect(messages).toContainEqual({ level: 'debug', logger: 'proxycart', data: 'proxyjam_list_offers called' });
      const text = JSON.stringify(messages);
      expect(text).not.toContain('91827364');
      expect(text).not.toContain(sandbox.vendors.proxyjam!.apiKey);

      // The store was opened by order_status: the data folder is private, the database too.
      expect(statSync(home).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'state.sqlite')).mode & 0o777).toBe(0o600);
    } finally {
      await session.close();
    }
  });

  it('takes an order id given as a number as its decimal string', async () => {
    const session = await connect({ env: sandboxEnv(sandbox, { PROXYCART_STORE: 'memory' }) });
    try {
      const result = await session.call('proxyjam_order_status', { order_id: 2426273 });
      // Not an argument error: the number reached the vendor as "2426273".
      expect(textOf(result)).not.toContain('Invalid arguments');
      expect(textOf(result)).toMatch(/^(not_found|invalid_input): /);
    } finally {
      await session.close();
    }
  });
});
