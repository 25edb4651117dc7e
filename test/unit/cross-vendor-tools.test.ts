import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server.js';
import { tool } from '../example.js';
import { FIXTURES } from '../fixtures.js';

// tools/list with every tool on: the three cross-vendor tools are there, every tool has its
// annotations and output schema, and the whole listing (lifecycle tools included) stays within
// the 16,500-byte budget
// (scripts/bench/tools-list.mjs prints the per-tool sizes).

describe('tools/list with all vendors and the cross-vendor tools', () => {
  const runtime = createRuntime(loadConfig({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' }, PROVIDERS), PROVIDERS);
  const client = new Client({ name: 'list', version: '1' });
  beforeAll(async () => {
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([createServer(runtime).connect(a), client.connect(b)]);
  });
  afterAll(async () => {
    await client.close();
    await runtime.close();
  });

  it('lists 22 tools (4 of them lifecycle tools) with annotations and output schemas in at most 16,500 bytes', async () => {
    const listed = await client.listTools();
    expect(listed.tools).toHaveLength(22);
    for (const tool of listed.tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations, tool.name).toBeDefined();
    }
    const byName = Object.fromEntries(listed.tools.map((tool) => [tool.name, tool]));
    for (const name of ['proxycart_compare_offers', 'proxycart_orders', 'proxycart_check_proxy']) {
      expect(byName[name]?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    }
    expect(byName.proxycart_check_proxy?.annotations?.openWorldHint).toBe(true);
    // Every tool that can spend or arm a charge says so.
    for (const name of ['proxyjam_extend_order', 'proxyjam_add_bandwidth', 'proxyjam_set_auto_renew', 'proxyseller_extend_order']) {
      expect(byName[name]?.annotations, name).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });
    }
    expect(JSON.stringify(listed).length).toBeLessThanOrEqual(16_500);
  });

  it('hands each handler its parsed input: bad arguments are refused in the shared wording before any handler runs', async () => {
    const text = (result: Awaited<ReturnType<typeof client.callTool>>) => (result.content as Array<{ text: string }>)[0]!.text;
    const books = await client.callTool({ name: 'proxycart_orders', arguments: {} });
    expect(books.isError).toBeFalsy();
    expect(books.structuredContent).toMatchObject({ orders: [], spending: { daily_budget_usd: 200, max_order_usd: 50 } });
    const refused = [
      [{ name: 'proxycart_orders', arguments: { limit: 0 } }, /^invalid_input: Invalid arguments: limit: /],
      [{ name: 'proxycart_compare_offers', arguments: { kind: 'satellite' } }, /^invalid_input: Invalid arguments: kind: /],
      [{ name: tool('place_order'), arguments: { confirmation_token: '' } }, /^invalid_input: Invalid arguments: .*confirmation_token: /],
      // Every vendor's place_order: a valid order but for a wait beyond 300 s.
      ...FIXTURES.map(
        (fixture) =>
          [
            { name: tool('place_order', fixture.spec), arguments: { ...fixture.order, wait_seconds: 301 } },
            /^invalid_input: Invalid arguments: wait_seconds: /,
          ] as const,
      ),
    ] as const;
    for (const [call, message] of refused) {
      const result = await client.callTool(call);
      expect(result.isError, call.name).toBe(true);
      expect(result.structuredContent, call.name).toBeUndefined();
      expect(text(result), call.name).toMatch(message);
    }
  });
});
