import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { EXAMPLE, FIXTURE, ID, tool } from '../example.js';
import { fixtureOf } from '../fixtures.js';
import { CLI, connect, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// A bad setting must reach the person through the client: the server starts, lists its
// tools, and the calls the problem affects answer an isError result naming the variable.

// A vendor with no default base URL (it must be configured), and the vendors that are neither it nor the example.
const NO_DEFAULT = PROVIDERS.find((spec) => !spec.defaultBaseUrl && spec.id !== ID)!;
const UNSET = PROVIDERS.filter((spec) => spec.id !== ID && spec.id !== NO_DEFAULT.id);
const NO_DEFAULT_KEY = fixtureOf(NO_DEFAULT.id).wrongKey;

describe('configuration problems', () => {
  it("a key without the base URL of a vendor that has no default blocks only that vendor's tools", async () => {
    expect(NO_DEFAULT).toBeDefined();
    const session = await connect({
      env: {
        [NO_DEFAULT.keyEnv]: NO_DEFAULT_KEY,
        [EXAMPLE.keyEnv]: FIXTURE.wrongKey,
        [EXAMPLE.baseUrlEnv]: 'http://127.0.0.1:9/public/v1',
        PROXYCART_STORE: 'memory',
      },
    });
    try {
      const names = (await session.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining([tool('list_offers', NO_DEFAULT), tool('list_offers')]));
      const blocked = await session.call(tool('list_offers', NO_DEFAULT), {});
      expect(blocked.isError).toBe(true);
      expect(blocked.structuredContent).toBeUndefined();
      expect(textOf(blocked).startsWith(`configuration: ${NO_DEFAULT.baseUrlEnv} is required for ${NO_DEFAULT.title}`)).toBe(true);
      expect(textOf(blocked)).toContain('restart');
      // The cross-vendor tools reach that vendor too, and say the same (issue 20, item 3).
      const checked = await session.call('proxycart_check_proxy', { provider: NO_DEFAULT.id, order_id: '1' });
      expect(textOf(checked)).toBe(textOf(blocked));
      const compared = await session.ok('proxycart_compare_offers', { kind: 'residential' });
      expect(compared.unavailable).toContainEqual({
        provider: NO_DEFAULT.id,
        error: 'configuration',
        message: expect.stringMatching(new RegExp(`^${NO_DEFAULT.baseUrlEnv} is required for ${NO_DEFAULT.title}`)),
      });
      expect(session.stderr.join('\n')).not.toContain('Unexpected failure');
      // The example vendor is configured: its call goes to the vendor (a closed port here), not to a configuration error.
      const jam = await session.call(tool('wallet_balance'), {});
      expect(textOf(jam)).not.toMatch(/^configuration/);
      const stderr = session.stderr.join('\n');
      expect(stderr).toContain(`${NO_DEFAULT.baseUrlEnv} is required`);
      // The start-up report: who is on or off and why, the caps, the data folder.
      expect(stderr).toContain(`${ID} on (${EXAMPLE.keyEnv})`);
      expect(stderr).toContain(`${NO_DEFAULT.id} blocked (configuration problem below)`);
      expect(UNSET.length).toBeGreaterThan(0);
      for (const spec of UNSET) expect(stderr).toContain(`${spec.id} off (${spec.keyEnv} is not set)`);
      expect(stderr).toContain('caps: $50 per order, $200 per 24 h; confirm auto');
      expect(stderr).toMatch(/data folder \/\S+; store memory/);
      expect([...session.transcript, ...session.stderr].join('\n')).not.toContain(NO_DEFAULT_KEY);
    } finally {
      await session.close();
    }
  });

  it('a bad shared setting blocks every call and is said at start', async () => {
    const session = await connect({
      env: { PROXYCART_SANDBOX: '1', PROXYCART_MAX_ORDER_USD: 'plenty', PROXYCART_CONFIRM: 'always', PROXYCART_STORE: 'memory' },
    });
    try {
      const { tools } = await session.client.listTools();
      expect(tools.length).toBeGreaterThan(10);
      for (const name of [tool('list_offers'), tool('order_status', NO_DEFAULT)]) {
        const result = await session.call(name, name.endsWith('status') ? { order_id: '1' } : {});
        expect(result.isError, name).toBe(true);
        expect(textOf(result)).toContain('PROXYCART_MAX_ORDER_USD="plenty" is not valid');
      }
      expect(session.client.getInstructions()).toContain('PROXYCART_MAX_ORDER_USD');
      const stderr = session.stderr.join('\n');
      expect(stderr).toContain('PROXYCART_MAX_ORDER_USD');
      // The start-up line names what is not valid, never the defaults it fell back to (issue 20, item 8).
      expect(stderr).toContain(
        'caps: [PROXYCART_MAX_ORDER_USD is not valid] per order, $200 per 24 h; confirm [PROXYCART_CONFIRM is not valid]; every call is refused until the problem below is fixed',
      );
      expect(stderr).not.toMatch(/\$50 per order|confirm auto/);
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
    env: { PATH: process.env.PATH ?? '', HOME: cwd, PROXYCART_HOME: 'data/pc', PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: ID },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'home-test', version: '1' });
  await client.connect(transport);
  try {
    await client.callTool({ name: tool('order_status'), arguments: { order_id: 'x-1' } });
    expect(stderr).toContain(`data folder ${join(cwd, 'data/pc')} (PROXYCART_HOME=data/pc resolved against ${cwd})`);
    expect(statSync(join(cwd, 'data/pc')).mode & 0o777).toBe(0o700);
  } finally {
    await client.close();
  }
});

describe('MCP logging and data at rest', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startVendors([ID]);
  });
  afterAll(() => sandbox.close());

  it('declares logging, sends nothing before logging/setLevel, honours it and never sends a secret', async () => {
    const home = join(tempDir('log'), 'nested', 'home');
    const session = await connect({ env: sandboxEnv(sandbox, { PROXYCART_HOME: home, PROXYCART_APPROVAL_PIN: '91827364' }) });
    const messages: Array<{ level: string; data: unknown }> = [];
    session.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
    try {
      expect(session.client.getServerCapabilities()?.logging).toEqual({});
      // No level asked yet: stderr gets the line (PROXYCART_LOG_LEVEL=debug), the client nothing.
      await session.ok(tool('list_offers'), {});
      expect(messages).toEqual([]);
      expect(session.stderr).toContain(`[proxycart] debug: ${tool('list_offers')} called`);
      // A 2026-07-28 level in a 2025-11-25 request's _meta changes nothing: this era asks with setLevel.
      await session.client.callTool({ name: tool('list_offers'), arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'debug' } });
      expect(messages).toEqual([]);

      await session.client.setLoggingLevel('error');
      await session.ok(tool('list_offers'), {});
      expect(messages.filter((m) => m.level === 'debug' || m.level === 'info')).toEqual([]);

      await session.client.setLoggingLevel('debug');
      await session.ok(tool('list_offers'), {});
      await session.call(tool('order_status'), { order_id: 2426273 });
      // Notifications travel ahead of the result on the same pipe.
      expect(messages).toContainEqual({ level: 'debug', logger: 'proxycart', data: `${tool('list_offers')} called` });
      const text = JSON.stringify(messages);
      expect(text).not.toContain('91827364');
      expect(text).not.toContain(sandbox.vendors[ID]!.apiKey);

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
      const result = await session.call(tool('order_status'), { order_id: 2426273 });
      // Not an argument error: the number reached the vendor as "2426273".
      expect(textOf(result)).not.toContain('Invalid arguments');
      expect(textOf(result)).toMatch(/^(not_found|invalid_input): /);
    } finally {
      await session.close();
    }
  });
});
