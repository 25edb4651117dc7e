import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { connectParsed, FIXTURES, type VendorFixture } from '../fixtures.js';
import { sandboxEnv, startVendors } from './harness.js';
import { connectHttp, type HttpNodeProcess, startNode } from './http-harness.js';

// One loopback node without authentication (a single user's HTTP server): the order flow,
// with progress streamed over HTTP while waiting for a pending order, and a clean SIGTERM.

let sandbox: Sandbox;
let node: HttpNodeProcess;
let vendor: VendorFixture;

/** The first registered vendor whose simulator answers its fixture order with a pending order (it provisions later). */
async function provisionsLater(): Promise<VendorFixture> {
  for (const fixture of FIXTURES) {
    const probe = await startVendors([fixture.id]);
    try {
      const { baseUrl, apiKey } = probe.vendors[fixture.id]!;
      const client = await connectParsed(fixture.spec, { baseUrl, apiKey, timeoutMs: 3000 });
      const prepared = await client.prepareOrder(fixture.order);
      if ((await client.placeOrder(prepared, `probe-${fixture.id}`)).state === 'pending') return fixture;
    } catch {
      // Not this one (e.g. an unpriced vendor that needs more setup).
    } finally {
      await probe.close();
    }
  }
  throw new Error('No registered vendor provisions its fixture order later.');
}

beforeAll(async () => {
  vendor = await provisionsLater();
  sandbox = await startVendors([vendor.id]);
  // A vendor that publishes no price before ordering needs unpriced orders allowed.
  const unpriced: Record<string, string> = vendor.spec.capabilities.quote === 'unknown' ? { PROXYCART_ALLOW_UNPRICED: '1' } : {};
  node = await startNode(sandboxEnv(sandbox, { PROXYCART_STORE: 'memory', PROXYCART_CONFIRM: 'token', ...unpriced }));
});

afterAll(async () => {
  node?.kill('SIGKILL');
  await sandbox?.close();
});

it('quotes, places and waits for an order over HTTP, with progress while it is pending', async () => {
  const session = await connectHttp([node.url]);
  const order = vendor.order;
  const quoted = await session.ok(`${vendor.id}_place_order`, order);
  expect(quoted.status).toBe('confirmation_required');
  const placed = await session.ok(`${vendor.id}_place_order`, { ...order, confirmation_token: quoted.confirmation_token });
  expect(placed.status).toBe('placed');
  expect(sandbox.vendors[vendor.id]!.simulator.moneyRequests()).toHaveLength(1);
  const progress: string[] = [];
  const waited = await session.client.callTool({ name: `${vendor.id}_order_status`, arguments: { order_id: placed.order.id, wait_seconds: 30 } }, undefined, {
    onprogress: (p) => progress.push(String(p.message)),
    timeout: 60_000,
  });
  expect(waited.isError).toBeFalsy();
  expect((waited.structuredContent as { order: { state: string } }).order.state).toBe('active');
  expect(placed.order.state).toBe('pending'); // that vendor's simulator provisions later
  expect(progress.length).toBeGreaterThan(0);
  for (const message of progress) expect(message).toContain(placed.order.id);
  await session.close();
});

it('exits 0 on SIGTERM when idle, and /healthz is gone afterwards', async () => {
  node.kill('SIGTERM');
  expect(await node.exited).toBe(0);
  await expect(fetch(`${node.origin}/healthz`)).rejects.toThrow();
});
