import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from './harness.js';
import { startNode } from './http-harness.js';

// serve --http at its edges: start-up and shutdown.

it('SIGTERM while the Redis connection is still being made exits 0', async () => {
  // Port 1: nothing listens there, so the connection fails rather than answers.
  const node = await startNode({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'redis://127.0.0.1:1' });
  const ready = fetch(`${node.origin}/readyz`).catch(() => undefined); // opens the store connection
  await new Promise((resolve) => setTimeout(resolve, 20));
  node.kill('SIGTERM');
  expect(await node.exited).toBe(0);
  await ready;
  expect(node.stderr.join('\n')).not.toMatch(/ProxycartError|Unhandled|at async/);
});

it('says its data folder, store, caps and confirm mode at start, and keeps data at rest private', async () => {
  const home = join(tempDir('http-start'), 'nested', 'home');
  const node = await startNode({ PROXYCART_SANDBOX: '1', PROXYCART_HOME: home, PROXYCART_MAX_ORDER_USD: '25', PROXYCART_CONFIRM: 'page' });
  try {
    // /readyz opens the store: the SQLite file now exists.
    expect((await fetch(`${node.origin}/readyz`)).status).toBe(200);
    const stderr = node.stderr.join('\n');
    expect(stderr).toMatch(
      /info: serving over Streamable HTTP at http:\/\/127\.0\.0\.1:\d+\/mcp \(no authentication \(loopback only\)\), sandbox vendors: proxyjam on/,
    );
    expect(stderr).toContain(`data folder ${home}; store sqlite ${join(home, 'state.sqlite')}`);
    expect(stderr).toContain('caps: $25 per order, $200 per 24 h; confirm page');
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'state.sqlite')).mode & 0o777).toBe(0o600);
  } finally {
    node.kill('SIGTERM');
    await node.exited;
  }
});
