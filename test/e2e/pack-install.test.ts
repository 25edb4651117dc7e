import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import { VERSION } from '../../src/version.js';
import { FIXTURE, tool } from '../example.js';
import { tempDir } from './harness.js';

// The package as a user gets it from the registry: pack the project, install the tarball
// into an empty prefix, and run the installed `proxycart` bin from a folder outside the
// repository. Install scripts are skipped (the SQLite driver's native build takes ~80 s
// and npm 11 skips it anyway without an allowScripts entry), so the server runs with the
// memory store here; everything else is the shipped code. `--prefer-offline` reuses the
// npm cache this checkout's install filled.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };

describe('npm pack → npm install → proxycart', () => {
  const work = tempDir('pack');
  const prefix = join(work, 'prefix');
  const outside = tempDir('outside');
  let bin: string;
  let files: string[];

  beforeAll(async () => {
    // dist/ is already built by the test run (`npm test` builds first); prepack would rebuild it.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((f) => f.path);
    await run('npm', ['install', '--prefix', prefix, join(work, packed!.filename), '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: outside,
      timeout: 240_000,
    });
    bin = join(prefix, 'node_modules/.bin/proxycart');
  }, 300_000);

  it('builds on prepack and ships dist/, manifests/, README and the MIT LICENSE', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/proxycart.cjs');
    // The code cache fits only the Node that made it: an install makes its own (src/launch.ts).
    expect(files.filter((f) => f.endsWith('.code-cache'))).toEqual([]);
    expect(files).toContain('manifests/server.json');
    expect(files).toContain('manifests/mcpb/manifest.json');
    for (const spec of PROVIDERS) expect(files).toContain(`manifests/tools/${spec.id}.json`);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
    // Build-time scripts (manifest writers, the benchmarks' sandbox entry) are not for users.
    expect(files).toContain('dist/tool-listing.json');
    expect(files.filter((f) => f.startsWith('dist/scripts/') || /^dist\/(write-[\w-]+|sandbox)\.js$/.test(f))).toEqual([]);
    expect(readFileSync(join(prefix, 'node_modules/proxycart/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('the installed bin answers --help and --version from outside the repository', async () => {
    const help = await run(bin, ['--help'], { cwd: outside });
    expect(help.stdout).toContain('proxycart sandbox');
    expect(help.stdout).toContain('PROXYCART_MAX_ORDER_USD');
    expect((await run(bin, ['--version'], { cwd: outside })).stdout.trim()).toBe(VERSION);
  });

  let client: Client | undefined;
  afterAll(() => client?.close());

  it('installed without install scripts, the SQLite store answers a storage error with the fixes, and the server keeps serving', async () => {
    const transport = new StdioClientTransport({
      command: bin,
      cwd: outside,
      env: { PATH: process.env.PATH ?? '', HOME: outside, PROXYCART_SANDBOX: '1' },
      stderr: 'ignore',
    });
    const sqlite = new Client({ name: 'pack-test-sqlite', version: '1' });
    await sqlite.connect(transport);
    try {
      for (let i = 0; i < 2; i++) {
        const orders = await sqlite.callTool({ name: 'proxycart_orders', arguments: {} });
        expect(orders.isError).toBe(true);
        expect((orders.content as Array<{ text: string }>)[0]!.text).toMatch(
          /^storage: The native SQLite driver \(sqlite3\) is not built for this machine.*npm rebuild sqlite3/,
        );
      }
    } finally {
      await sqlite.close();
    }
  });

  it('the installed bin serves tools/list and a tool call over stdio', async () => {
    const transport = new StdioClientTransport({
      command: bin,
      cwd: outside,
      env: { PATH: process.env.PATH ?? '', HOME: outside, PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' },
      stderr: 'ignore',
    });
    client = new Client({ name: 'pack-test', version: '1' });
    await client.connect(transport);
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const spec of PROVIDERS) expect(names).toContain(`${spec.id}_list_offers`);
    const offers = await client.callTool({ name: tool('list_offers'), arguments: FIXTURE.listInput });
    expect(offers.isError).toBeFalsy();
    expect((offers.structuredContent as { sandbox: boolean }).sandbox).toBe(true);
  });
});
