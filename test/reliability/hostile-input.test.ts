import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { QuoteRecord } from '../../src/guard/confirmation.js';
import { tokenId } from '../../src/guard/confirmation.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import { FIXTURES } from '../fixtures.js';
import { saveSuiteReport } from './report.js';

// Random and adversarial arguments to every tool of every vendor. Whatever arrives, the
// answer is a result (never a crash or a protocol error), bad arguments are a clear
// invalid_input (or policy) error, and no request that spends ever reaches a vendor.
// FUZZ_RUNS and FUZZ_SEED make the long run (npm run fuzz) reproducible.

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const KINDS =
  /^(invalid_input|policy|auth|insufficient_funds|not_found|rate_limited|vendor_unavailable|vendor_error|outcome_unknown|not_supported|configuration): /;
const MEGABYTE = 'x'.repeat(1_000_000);

const hostile = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(
    -1,
    0,
    -0.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    1e21,
    MEGABYTE,
    '',
    ' ',
    '__proto__',
    'constructor',
    '{"$ne":null}',
    '../../etc/passwd',
    '\u0000',
    '\u202e',
  ),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 5 }),
);
const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty');

/** Arguments as JSON.parse makes them, so `__proto__` stays an own key as it would on the wire. */
function wire(args: Record<string, unknown>, extraKey?: [string, unknown]): Record<string, unknown> {
  let text = JSON.stringify(args);
  if (extraKey) text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(extraKey[0])}:${JSON.stringify(extraKey[1]) ?? 'null'}}`;
  return JSON.parse(text) as Record<string, unknown>;
}

describe('hostile input to every tool', () => {
  let sandbox: Sandbox;
  let runtime: Runtime;
  let client: Client;
  let tools: Tool[];
  const inputs: Record<string, number> = {};
  const moneyRequests = () => Object.values(sandbox.vendors).reduce((n, v) => n + v!.simulator.moneyRequests().length, 0);

  beforeAll(async () => {
    sandbox = await startSandbox();
    for (const vendor of Object.values(sandbox.vendors)) vendor!.simulator.state.rateLimitPerMinute = 0;
    const env: Record<string, string> = {
      PROXYCART_SANDBOX: '1',
      PROXYCART_STORE: 'memory',
      PROXYCART_ALLOW_UNPRICED: '1',
      PROXYCART_TIMEOUT_S: '2',
      PROXYCART_CONFIRM: 'token',
    };
    for (const spec of PROVIDERS) env[spec.baseUrlEnv] = sandbox.vendors[spec.id]!.baseUrl;
    runtime = createRuntime(loadConfig(env, PROVIDERS), PROVIDERS);
    const server = createServer(runtime);
    client = new Client({ name: 'fuzzer', version: '1' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
    tools = (await client.listTools()).tools;
  });

  afterAll(async () => {
    await client?.close();
    await runtime?.close();
    await sandbox?.close();
    saveSuiteReport({
      suite: 'hostile-input',
      complete: tools?.every((tool) => (inputs[tool.name] ?? 0) >= RUNS),
      inputs,
      doubleCharges: 0,
      notes: [`money requests that reached a vendor: ${sandbox ? moneyRequests() : 'n/a'}`, `fast-check seed ${SEED}, ${RUNS} runs per property and tool`],
    });
  });

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    inputs[name] = (inputs[name] ?? 0) + 1;
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    expect(Array.isArray(result.content)).toBe(true);
    if (result.isError) {
      expect(result.structuredContent).toBeUndefined();
      const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
      expect(text).toMatch(KINDS);
      expect(text.length).toBeLessThan(2_000);
    }
    return result;
  }

  function kind(result: CallToolResult): string {
    return result.isError ? String((result.content[0] as { text: string }).text.split(':')[0]) : 'ok';
  }

  it('random argument objects: invalid ones are invalid_input, nothing spends', async () => {
    for (const tool of tools) {
      const names = Object.keys((tool.inputSchema.properties ?? {}) as object);
      const key = names.length ? fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 12 })) : fc.string({ maxLength: 12 });
      await fc.assert(
        fc.asyncProperty(fc.dictionary(key, hostile, { maxKeys: 6 }), async (args) => {
          const result = await call(tool.name, wire(args));
          expect(['ok', 'invalid_input', 'policy', 'not_found', 'vendor_error', 'insufficient_funds', 'auth']).toContain(kind(result));
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
    expect(moneyRequests()).toBe(0);
  });

  it('one field of a valid order replaced by something hostile, or a prototype key added', async () => {
    for (const fixture of FIXTURES) {
      const name = `${fixture.id}_place_order`;
      const fields = Object.keys(fixture.order);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...fields), hostile, prototypeKeys, fc.boolean(), async (field, value, protoKey, addProto) => {
          const args = addProto ? wire(fixture.order, [protoKey, value]) : wire({ ...fixture.order, [field]: value });
          const result = await call(name, args);
          // The SDK's request parsing drops a `__proto__` key before any tool sees it (nothing is
          // polluted): the order is then the plain one. Other such keys are unknown fields.
          const dropped = addProto && protoKey === '__proto__';
          if (addProto && !dropped) expect(kind(result)).toBe('invalid_input');
          else expect(['ok', 'invalid_input', 'policy', 'vendor_error', 'insufficient_funds', 'not_found']).toContain(kind(result));
          if (!result.isError) expect((result.structuredContent as { status: string }).status).toBe('confirmation_required');
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
    expect(moneyRequests()).toBe(0);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('forged, altered and expired confirmation tokens are refused as policy errors', async () => {
    for (const fixture of FIXTURES) {
      const name = `${fixture.id}_place_order`;
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), async (token) => {
          expect(kind(await call(name, { ...fixture.order, confirmation_token: token }))).toBe('policy');
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const quoted = (await call(name, fixture.order)).structuredContent as { confirmation_token: string };
      const real = quoted.confirmation_token;
      expect(kind(await call(name, { ...fixture.order, confirmation_token: `${real}x` }))).toBe('policy');
      expect(kind(await call(name, { ...fixture.order, confirmation_token: real.slice(0, -1) }))).toBe('policy');
      // Expire the real token in the store, then present it.
      const store = await runtime.store();
      const record = (await store.get<QuoteRecord>(`quote:${tokenId(real)}`))!;
      await store.set(`quote:${record.id}`, { ...record, expiresAt: Date.now() - 1 });
      const expired = await call(name, { ...fixture.order, confirmation_token: real });
      expect(kind(expired)).toBe('policy');
      expect((expired.content[0] as { text: string }).text).toMatch(/expired/);
    }
    expect(moneyRequests()).toBe(0);
  });

  it('the lifecycle tools: forged tokens are policy errors, hostile order ids and fields never reach a money route', async () => {
    for (const fixture of FIXTURES) {
      for (const [operation, change] of Object.entries(fixture.lifecycle?.operations ?? {})) {
        const name = `${fixture.id}_${operation}`;
        const fields = Object.keys(change!.args);
        await fc.assert(
          fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), hostile, fc.constantFrom('order_id', ...fields), async (token, value, field) => {
            // A forged token for a real-looking call is refused before anything else happens.
            expect(kind(await call(name, { order_id: fixture.lifecycle!.foreignOrderId, ...change!.args, confirmation_token: token }))).toBe('policy');
            // A hostile value in one field: refused as input, or the order is not found; never a money request.
            const result = await call(name, wire({ order_id: fixture.lifecycle!.foreignOrderId, ...change!.args, [field]: value }));
            expect(['ok', 'invalid_input', 'policy', 'not_found', 'vendor_error', 'auth']).toContain(kind(result));
          }),
          { numRuns: RUNS, seed: SEED },
        );
      }
    }
    expect(moneyRequests()).toBe(0);
  });

  it('unknown tools and non-object arguments are refused cleanly, and the server still serves', async () => {
    // An unknown tool is a protocol error (-32602), as the spec and the SDK have it, naming what to do.
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/-32602.*no tool named "no_such_tool"/);
    // Arguments that are not an object break the MCP request shape itself: a protocol error, not a crash.
    for (const { id, listInput } of FIXTURES) {
      await expect(client.callTool({ name: `${id}_list_offers`, arguments: ['not', 'an', 'object'] as never })).rejects.toThrow(/expected record/);
      expect(kind(await call(`${id}_order_status`, { order_id: MEGABYTE }))).toBe('invalid_input');
      expect(kind(await call(`${id}_list_offers`, listInput))).toBe('ok');
    }
    expect(moneyRequests()).toBe(0);
  });
});
