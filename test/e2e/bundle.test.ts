import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tool } from '../example.js';
import { tempDir } from './harness.js';

// `npm run bundle` → proxycart.mcpb: unpacked the way a client installs it, its manifest's
// command starts the server, which answers tools/list and opens its SQLite store with the
// native driver shipped inside the bundle.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const MCPB = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');

describe('the MCP bundle', () => {
  const work = tempDir('mcpb');
  const file = join(work, 'proxycart.mcpb');
  const unpacked = join(work, 'unpacked');
  let manifest: Record<string, any>;
  let client: Client | undefined;

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), file], { cwd: ROOT });
    await run(process.execPath, [MCPB, 'unpack', file, unpacked]);
    manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
  }, 120_000);
  afterAll(() => client?.close());

  it('validates and says it runs on this platform only (the SQLite driver is native)', async () => {
    expect(manifest.compatibility.platforms).toEqual([process.platform]);
    const { stdout } = await run(process.execPath, [MCPB, 'validate', join(unpacked, 'manifest.json')]);
    expect(stdout).toContain('passes');
  });

  it('starts from its mcp_config with the user config left empty, lists tools and uses its SQLite store', async () => {
    const { command, args, env } = manifest.server.mcp_config as { command: string; args: string[]; env: Record<string, string> };
    expect(command).toBe('node');
    const home = tempDir('mcpb-home');
    // What the client does: ${__dirname} is the unpacked folder; an unset user_config value becomes empty.
    const substituted = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.includes('user_config') ? '' : value]));
    const transport = new StdioClientTransport({
      command: process.execPath,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the MCP bundle's own placeholder
      args: args.map((arg) => arg.replace('${__dirname}', unpacked)),
      env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, ...substituted },
      stderr: 'ignore',
    });
    client = new Client({ name: 'bundle-test', version: '1' });
    await client.connect(transport);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain(tool('place_order'));
    // order_status reads the ledger, which opens state.sqlite through the bundled native driver.
    const status = await client.callTool({ name: tool('order_status'), arguments: { order_id: 'no-such-order' } });
    expect(JSON.stringify(status.content)).not.toMatch(/Cannot find|sqlite3|storage/i);
    expect(readFileSync(join(home, 'state.sqlite')).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
