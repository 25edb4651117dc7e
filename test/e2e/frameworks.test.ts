import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { type FunctionTool, getAllMcpTools, MCPServerStdio, RunContext } from '@openai/agents';
import { generateText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { CLI, sandboxEnv, startVendors, tempDir } from './harness.js';

// The built server driven through the MCP clients of the agent frameworks people build
// with: the Vercel AI SDK, LangChain's adapters and the OpenAI Agents SDK. Tools are called
// through each framework's own tool objects, as its agent loop would call them after a
// model's tool call (no model is needed: the arguments are what a model would send). Each
// buys once in token mode, where the person delegated approval to the agent.

const PLACE = tool('place_order');
/** Every tool of the four sandbox vendors (their lifecycle tools included) and the cross-vendor tools. */
const TOOLS = 22;
const TOKEN_NEXT_STEP = /^Confirm with the token when your instructions allow this purchase\b.*The caps still apply\.$/;

let sandbox: Sandbox;
const simulator = () => sandbox.vendors[ID]!.simulator;
/** A fresh server environment: all four sandbox vendors (every tool listed), token mode, memory store. */
const env = (extra: Record<string, string> = {}) => {
  const home = tempDir('frameworks');
  return sandboxEnv(sandbox, { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_STORE: 'memory', ...extra });
};

/** What a strict-mode model sends for `order`: every field of the tool, null for those it leaves out. */
function strictArguments(properties: Record<string, unknown>, order: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(properties).map((key) => [key, key in order ? order[key] : null]));
}

beforeAll(async () => {
  sandbox = await startVendors();
  simulator().state.rateLimitPerMinute = 0;
});
afterAll(async () => {
  await sandbox?.close();
});

describe('OpenAI Agents SDK (MCPServerStdio)', () => {
  let server: MCPServerStdio;
  let tools: FunctionTool[];
  beforeAll(async () => {
    // The SDK passes the server's stderr through: keep it to errors.
    server = new MCPServerStdio({ name: 'proxycart', command: process.execPath, args: [CLI], env: env({ PROXYCART_LOG_LEVEL: 'error' }) });
    await server.connect();
    tools = (await getAllMcpTools({ mcpServers: [server], convertSchemasToStrict: true })).filter((t): t is FunctionTool => t.type === 'function');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('converts every tool to strict mode, loosening nothing', async () => {
    const listed = await server.listTools();
    expect(listed).toHaveLength(TOOLS);
    expect(tools.map((t) => t.name).sort()).toEqual(listed.map((t) => t.name).sort());
    for (const mcp of listed) {
      const converted = tools.find((t) => t.name === mcp.name)!;
      // A schema the SDK cannot convert falls back to strict: false with additionalProperties: true.
      expect(converted.strict, mcp.name).toBe(true);
      // Strict mode makes every field required and an optional one nullable (the SDK strips
      // those nulls, and the server takes null as absent); apart from that it is the listed schema.
      expect(withoutStrictNulls(converted.parameters), mcp.name).toEqual(withoutRequired(mcp.inputSchema));
    }
  });

  it('buys once in token mode through the function tools, with the arguments a strict model sends', async () => {
    const place = tools.find((t) => t.name === PLACE)!;
    const before = simulator().moneyRequests().length;
    const call = async (args: Record<string, unknown>) => {
      const output = (await place.invoke(new RunContext(), JSON.stringify(args))) as { type: string; text: string };
      expect(output.type).toBe('text');
      return JSON.parse(output.text) as Record<string, any>;
    };
    const properties = (place.parameters as { properties: Record<string, unknown> }).properties;
    const quoted = await call(strictArguments(properties, FIXTURE.order));
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.next_step).toMatch(TOKEN_NEXT_STEP);
    expect(simulator().moneyRequests()).toHaveLength(before);
    const placed = await call(strictArguments(properties, { ...FIXTURE.order, confirmation_token: quoted.confirmation_token }));
    expect(placed.status, JSON.stringify(placed)).toBe('placed');
    expect(simulator().moneyRequests()).toHaveLength(before + 1);
  });
});

describe('Vercel AI SDK (createMCPClient over stdio)', () => {
  /** One agent step of generateText: a scripted model calls `toolName` with `input`, the SDK runs the MCP tool. */
  async function step(tools: Awaited<ReturnType<Awaited<ReturnType<typeof createMCPClient>>['tools']>>, toolName: string, input: Record<string, unknown>) {
    const model = new MockLanguageModelV3({
      doGenerate: {
        content: [{ type: 'tool-call', toolCallId: 'call-1', toolName, input: JSON.stringify(input) }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        warnings: [],
      },
    });
    const { toolResults } = await generateText({ model, tools, prompt: 'Buy the proxies.' });
    expect(toolResults).toHaveLength(1);
    const result = toolResults[0]!.output as { isError?: boolean; structuredContent: Record<string, any> };
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    return result.structuredContent;
  }

  it('buys once in token mode, a confirm with null for every field left out matching its quote, and reports no uncaught message', async () => {
    const uncaught: unknown[] = [];
    const client = await createMCPClient({
      // Debug logging on: the server has lines to send, and must send none the client did not ask for.
      transport: new StdioMCPTransport({ command: process.execPath, args: [CLI], env: env({ PROXYCART_LOG_LEVEL: 'debug' }), stderr: 'ignore' }),
      onUncaughtError: (error) => uncaught.push(error),
    });
    try {
      const tools = await client.tools();
      expect(Object.keys(tools)).toHaveLength(TOOLS);
      const before = simulator().moneyRequests().length;
      const quoted = await step(tools, PLACE, FIXTURE.order);
      expect(quoted.status).toBe('confirmation_required');
      expect(quoted.next_step).toMatch(TOKEN_NEXT_STEP);
      // The AI SDK hands the arguments on as the model wrote them: nulls reach the server.
      const properties = (await client.listTools()).tools.find((t) => t.name === PLACE)!.inputSchema.properties ?? {};
      const placed = await step(tools, PLACE, strictArguments(properties, { ...FIXTURE.order, confirmation_token: quoted.confirmation_token }));
      expect(placed.status, JSON.stringify(placed)).toBe('placed');
      expect(simulator().moneyRequests()).toHaveLength(before + 1);
      expect(uncaught.map(String)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('LangChain (MultiServerMCPClient over stdio)', () => {
  const connect = (extra: Record<string, string> = {}) =>
    new MultiServerMCPClient({ mcpServers: { proxycart: { transport: 'stdio', command: process.execPath, args: [CLI], env: env(extra), stderr: 'ignore' } } });
  /** A LangChain MCP tool's output: the text block, carrying the structured content. */
  const structured = (output: unknown) => (output as { structuredContent: Record<string, any> }).structuredContent;

  it('buys once in token mode through the LangChain tools', async () => {
    const client = connect();
    try {
      const tools = await client.getTools();
      expect(tools).toHaveLength(TOOLS);
      const place = tools.find((t) => t.name === PLACE)!;
      const before = simulator().moneyRequests().length;
      const quoted = structured(await place.invoke(FIXTURE.order));
      expect(quoted.status).toBe('confirmation_required');
      expect(quoted.next_step).toMatch(TOKEN_NEXT_STEP);
      const placed = structured(await place.invoke({ ...FIXTURE.order, confirmation_token: quoted.confirmation_token }));
      expect(placed.status, JSON.stringify(placed)).toBe('placed');
      expect(simulator().moneyRequests()).toHaveLength(before + 1);
    } finally {
      await client.close();
    }
  });

  it('answers a wait_seconds of 120 before the 60 s request time-out LangChain keeps even while progress arrives', async () => {
    const client = connect({ PROXYCART_CONFIRM: 'page' });
    try {
      const place = (await client.getTools()).find((t) => t.name === PLACE)!;
      const quoted = structured(await place.invoke(FIXTURE.order));
      expect(quoted.status).toBe('approval_required');
      const started = Date.now();
      // Nobody decides on the page: the call waits as long as it may, then says so.
      const waited = structured(await place.invoke({ ...FIXTURE.order, confirmation_token: quoted.confirmation_token, wait_seconds: 120 }));
      const seconds = (Date.now() - started) / 1000;
      expect(waited.status).toBe('approval_required');
      expect(seconds).toBeGreaterThanOrEqual(44);
      expect(seconds).toBeLessThan(55);
    } finally {
      await client.close();
    }
  }, 90_000);
});

/** A strict schema with its synthetic nulls unwrapped and no `required`: what the listing said. */
function withoutStrictNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutStrictNulls);
  if (!node || typeof node !== 'object') return node;
  const { anyOf, required: _, ...rest } = node as Record<string, unknown>;
  if (Array.isArray(anyOf) && anyOf.length === 2 && JSON.stringify(anyOf[1]) === '{"type":"null"}') return withoutStrictNulls(anyOf[0]);
  return Object.fromEntries(Object.entries(anyOf ? { ...rest, anyOf } : rest).map(([key, value]) => [key, withoutStrictNulls(value)]));
}

function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'required')
      .map(([key, value]) => [key, withoutRequired(value)]),
  );
}
