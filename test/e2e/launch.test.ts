import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './harness.js';

// dist/cli.js (src/launch.ts) compiles the bundle with the V8 code cache beside it. These
// tests run a copy of the built program, so that each starts from the cache state it sets up.
const ROOT = join(import.meta.dirname, '../..');
let install: string;
let cache: string;

beforeEach(() => {
  install = tempDir('launch');
  cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.code-cache') });
  cpSync(join(ROOT, 'package.json'), join(install, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'), 'dir');
  cache = join(install, 'dist/proxycart.code-cache');
});

/** One serving run: initialize and tools/list over stdio, then the client closes stdin. */
async function serve(): Promise<number> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(install, 'dist/cli.js'), '--sandbox'],
    env: { PATH: process.env.PATH ?? '', PROXYCART_HOME: join(install, 'home'), PROXYCART_STORE: 'memory' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'launch-test', version: '1' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const exited = new Promise<void>((resolve) => (transport.onclose = resolve));
  await client.close();
  await exited;
  return tools.length;
}

describe('the launcher', () => {
  it('a serving run without a cache serves, then leaves a cache readable by every user', async () => {
    expect(existsSync(cache)).toBe(false);
    expect(await serve()).toBeGreaterThan(10);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
    expect(statSync(cache).mode & 0o777).toBe(0o644);
  });

  it('a cache V8 accepts is used as it is, not written again', async () => {
    await serve();
    const written = readFileSync(cache);
    const { mtimeMs } = statSync(cache);
    expect(await serve()).toBeGreaterThan(10);
    expect(statSync(cache).mtimeMs).toBe(mtimeMs);
    expect(readFileSync(cache).equals(written)).toBe(true);
  });

  it('a cache V8 refuses (another Node, another bundle, damage) is compiled around and replaced', async () => {
    writeFileSync(cache, Buffer.alloc(4096, 7));
    expect(await serve()).toBeGreaterThan(10);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
  });

  it('a one-shot command does not write the cache', () => {
    const version = execFileSync(process.execPath, [join(install, 'dist/cli.js'), '--version'], { encoding: 'utf8' });
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(existsSync(cache)).toBe(false);
  });
});
