import { expect, it } from 'vitest';
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
