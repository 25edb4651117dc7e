import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { sandboxEnv, startVendors } from './harness.js';
import { connectHttp, startNode, type HttpNodeProcess } from './http-harness.js';

// One loopback node without authentication (a single user's HTTP server): the order flow,
// with progress streamed over HTTP while waiting for a pending order, and a clean SIGTERM.

let sandbox: Sandbox;
let node: HttpNodeProcess;

beforeAll(async () => {
  sandbox = await startVendors(['novaproxy']);
  node = await startNode(sandboxEnv(sandbox, { PROXYCART_STORE: 'memory', PROXYCART_CONFIRM: 'token' }));
});

afterAll(async () => {
  node?.kill('SIGKILL');
  await sandbox?.close();
});

it('quotes, places and waits for an order over HTTP, with progress while it is pending', async () => {
  const session = await connectHttp([node.url]);
  const order = { plan: 'residential', bandwidth: 2 };
  const quoted = await session.ok('novaproxy_place_order', order);
  expect(quoted.status).toBe('confirmation_required');
  const placed = await session.ok('novaproxy_place_order', { ...order, confirmation_token: quoted.confirmation_token });
  expect(placed.status).toBe('placed');
  expect(sandbox.vendors.novaproxy!.simulator.moneyRequests()).toHaveLength(1);
  const progress: string[] = [];
  const waited = await session.client.callTool(
    { name: 'novaproxy_order_status', arguments: { order_id: placed.order.id, wait_seconds: 30 } },
    undefined,
    { onprogress: (p) => progress.push(String(p.message)), timeout: 60_000 },
  );
  expect(waited.isError).toBeFalsy();
  expect((waited.structuredContent as { order: { state: string } }).order.state).toBe('active');
  expect(placed.order.state).toBe('pending'); // NovaProxy provisions for 1.5 s
  expect(progress.length).toBeGreaterThan(0);
  for (const message of progress) expect(message).toContain(placed.order.id);
  await session.close();
});

it('exits 0 on SIGTERM when idle, and /healthz is gone afterwards', async () => {
  node.kill('SIGTERM');
  expect(await node.exited).toBe(0);
  await expect(fetch(`${node.origin}/healthz`)).rejects.toThrow();
});
