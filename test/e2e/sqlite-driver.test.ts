import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { Simulator } from '../../src/sandbox/kit.js';
import { FIXTURE, ID, tool } from '../example.js';
import { connect, type Session, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// Issue 20, item 1: an install whose native SQLite driver was never built (npm
// --ignore-scripts, npm 11 without allowScripts, a bundle from another platform). The built
// server runs from a copy of the install in which `sqlite3` is the real package without its
// build/ folder: the driver then fails to load exactly as it does after `--ignore-scripts`.

const ROOT = join(import.meta.dirname, '../..');

/** dist/ beside a node_modules that links the checkout's packages, but holds sqlite3 (and @keyv/sqlite, which resolves it) without the native build. */
function installWithoutSqliteBuild(): string {
  const root = tempDir('no-sqlite-build');
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@keyv'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== 'sqlite3' && name !== '@keyv') symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  for (const name of readdirSync(join(ROOT, 'node_modules/@keyv'))) {
    if (name !== 'sqlite') symlinkSync(join(ROOT, 'node_modules/@keyv', name), join(modules, '@keyv', name));
  }
  cpSync(join(ROOT, 'node_modules/@keyv/sqlite'), join(modules, '@keyv/sqlite'), { recursive: true });
  for (const part of ['package.json', 'lib']) cpSync(join(ROOT, 'node_modules/sqlite3', part), join(modules, 'sqlite3', part), { recursive: true });
  return join(root, 'dist/cli.js');
}

describe('a SQLite driver that cannot load', () => {
  let sandbox: Sandbox;
  let session: Session;

  beforeAll(async () => {
    sandbox = await startVendors([ID]);
    session = await connect({ env: sandboxEnv(sandbox), cli: installWithoutSqliteBuild() });
  });
  afterAll(async () => {
    await session?.close();
    await sandbox?.close();
  });

  it('says so at start-up, with the fixes', async () => {
    await expect.poll(() => session.stderr.join('\n'), { timeout: 5_000 }).toMatch(/error: The native SQLite driver \(sqlite3\) is not built for this machine/);
    const line = session.stderr.find((l) => l.includes('not built for this machine'))!;
    expect(line).toContain('Could not locate the bindings file');
    expect(line).toContain('npm rebuild sqlite3');
    expect(line).toContain('PROXYCART_STORE=memory');
  });

  it('answers storage calls with the cause and keeps serving', async () => {
    for (let i = 0; i < 2; i++) {
      const orders = await session.call('proxycart_orders');
      expect(orders.isError).toBe(true);
      const text = textOf(orders);
      expect(text).toMatch(/^storage: The native SQLite driver \(sqlite3\) is not built for this machine/);
      expect(text).toContain('npm rebuild sqlite3');
      expect(text).toMatch(/PROXYCART_STORE=memory.*redis:\/\/.*postgres:\/\//);
      expect(text).not.toContain('PROXYCART_HOME');
    }
    // An order needs the store for its quote and intent: refused before any vendor money call.
    const order = await session.call(tool('place_order'), FIXTURE.order);
    expect(textOf(order)).toMatch(/^storage: /);
    expect((sandbox.vendors[ID]!.simulator as Simulator).moneyRequests()).toHaveLength(0);
    // Reads that need no store still work: the process is alive.
    expect((await session.call(tool('list_offers'), FIXTURE.listInput)).isError).toBeFalsy();
  });
});
