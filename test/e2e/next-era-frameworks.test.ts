import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { CLI, sandboxEnv, startVendors, tempDir } from './harness.js';

// The built server driven over stdio through the MCP clients of the agent frameworks of the
// 2026-07-28 era: the Vercel AI SDK 7 (`@ai-sdk/mcp` 2.x `createMCPClient`) and Mastra 2
// (`@mastra/mcp` 2.x `MCPClient`, with a Mastra `Agent`). Both open with `server/discover`;
// proxycart answers it, so both speak 2026-07-28 to it. Each has to hand every listed input
// schema to the model unchanged and buy once in token mode through the framework's own agent
// loop (a scripted model makes the tool calls a real one would: no network, no model).
//
// The clients live in their own npm project, test/next-era-clients (exact versions, its own
// lock): they want Node 22 and print EBADENGINE on Node 20, where they work, and proxycart's
// own `npm ci` must stay free of engine warnings (test/unit/packaging.test.ts). This test
// installs them with `npm ci` when that folder's node_modules is missing or holds other versions.
//
// What the clients do that a reader would not guess (seen with the pinned versions):
// - Either client, met by a server that answers `server/discover` with -32601 (a 2025-era
//   server), falls back to `initialize` and speaks 2025-11-25: the last test shows it on a bare
//   SDK 1.x server, so the version assertions here are the ones that fail if proxycart did so.
// - Mastra 2 starts the server twice on every connect, whatever the server answers: its SDK
//   client (`@modelcontextprotocol/client` 2.0.0) sends the probe to a throwaway copy of the
//   stdio server, reaps it, then starts the session's process (so that a server which exits on
//   any request before `initialize` is not spent). Two starts are the client's design, the same
//   for a 2025-era server; the negotiated version is what shows the era.
// - The AI SDK probes in place and waits only 1 s for the answer on stdio. A server that takes
//   longer to start (an `npx -y proxycart` that downloads first) is spoken to on 2025-11-25
//   through `initialize` on the same process, which proxycart serves too; the client then reports
//   the late `server/discover` answer through `onUncaughtError` ("Received a response for an
//   unknown message ID"). Harmless, and the client's to fix: the slow-start test pins it down.
// - Mastra marks each schema it hands the model `"$schema": "http://json-schema.org/draft-07/schema#"`
//   (2026-07-28 defaults to 2020-12); everything else is the listed schema, and the keywords
//   proxycart uses mean the same in both dialects.

const CLIENTS = join(import.meta.dirname, '../next-era-clients');
const ROOT = join(import.meta.dirname, '../..');
const INSTALL_BY_HAND = '(cd test/next-era-clients && npm ci --no-audit --no-fund)';
const PINNED = (JSON.parse(readFileSync(join(CLIENTS, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const PLACE = tool('place_order');
/** Every tool of the four sandbox vendors (their lifecycle tools included) and the cross-vendor tools. */
const TOOLS = 22;
const TOKEN_NEXT_STEP = /^Confirm with the token when your instructions allow this purchase\b.*The caps still apply\.$/;
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** The exports of test/next-era-clients/index.mjs (typed loosely: its packages may not be installed when tsc runs). */
let clients: {
  createMCPClient: (config: Record<string, unknown>) => Promise<any>;
  Experimental_StdioMCPTransport: new (config: Record<string, unknown>) => unknown;
  generateText: (options: Record<string, unknown>) => Promise<any>;
  MockLanguageModelV4: new (options: Record<string, unknown>) => { doGenerateCalls: { tools?: ModelTool[] }[] };
  MCPClient: new (options: Record<string, unknown>) => any;
  Agent: new (options: Record<string, unknown>) => { generate: (prompt: string, options: Record<string, unknown>) => Promise<any> };
};
type ModelTool = { type: string; name: string; description?: string; inputSchema: Record<string, unknown> };
type Listed = { name: string; description?: string; inputSchema: Record<string, unknown> };

let sandbox: Sandbox;
const simulator = () => sandbox.vendors[ID]!.simulator;
/** What proxycart lists, read with the MCP SDK's own 2026-07-28 client: the reference for the frameworks' schemas. */
let listed: Listed[];

/** A fresh server environment: all four sandbox vendors (every tool listed), token mode, memory store. */
const env = (extra: Record<string, string> = {}) => {
  const home = tempDir('next-era');
  return sandboxEnv(sandbox, { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_STORE: 'memory', ...extra });
};

/** A command that starts `argv` after appending a line to `log` (and after `delay` seconds): counts server starts. */
function counted(log: string, argv: string[] = [process.execPath, CLI], delay = 0) {
  return { command: 'sh', args: ['-c', 'echo "$$" >> "$1"; sleep "$2"; shift 2; exec "$@"', 'sh', log, String(delay), ...argv] };
}
const startsIn = (log: string) => {
  try {
    return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

/** A scripted model for one agent step: it calls `toolName` with `input`, or (without one) just answers. */
function scripted(call?: { toolName: string; input: Record<string, unknown> }) {
  const usage = {
    inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 1, text: 1, reasoning: undefined },
  };
  return new clients.MockLanguageModelV4({
    doGenerate: call
      ? {
          content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: call.toolName, input: JSON.stringify(call.input) }],
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage,
          warnings: [],
        }
      : { content: [{ type: 'text', text: 'Nothing to buy.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
  });
}

/** What a strict-mode model sends for `order`: every field of the tool, null for those it leaves out. */
function strictArguments(properties: Record<string, unknown>, order: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(properties).map((key) => [key, key in order ? order[key] : null]));
}

/** True when every pinned client is in test/next-era-clients/node_modules at its pinned version. */
function clientsInstalled(): boolean {
  return Object.entries(PINNED).every(([name, version]) => {
    try {
      return (JSON.parse(readFileSync(join(CLIENTS, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version === version;
    } catch {
      return false;
    }
  });
}

/** `npm ci` in test/next-era-clients when its node_modules is missing or stale; the seconds it took (0: nothing to do). */
async function installClients(): Promise<number> {
  if (clientsInstalled()) return 0;
  const started = Date.now();
  // Without what `npm test` exports about proxycart's own package and script (the person's npm
  // settings, npm_config_registry or _cache, stay).
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key)));
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: CLIENTS, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.on('error', (error) => {
      output.push(String(error));
      resolve(null);
    });
    child.on('close', resolve);
  });
  if (code !== 0 || !clientsInstalled()) {
    const tail = output
      .join('')
      .split('\n')
      .filter((line) => !/EBADENGINE|Unknown user config|^npm error\s+at /.test(line))
      .slice(-20)
      .join('\n');
    throw new Error(
      `Could not install the framework clients of test/next-era-clients (npm ci exited ${code}; it needs the npm registry). Run by hand: ${INSTALL_BY_HAND}\n${tail}`,
    );
  }
  return (Date.now() - started) / 1000;
}

beforeAll(async () => {
  const seconds = await installClients();
  if (seconds) console.info(`test/next-era-clients: npm ci took ${seconds.toFixed(1)} s`);
  // Mastra's feature telemetry would post to its vendor from CI: off.
  process.env.MASTRA_TELEMETRY_DISABLED = '1';
  clients = await import(pathToFileURL(join(CLIENTS, 'index.mjs')).href);
  sandbox = await startVendors();
  simulator().state.rateLimitPerMinute = 0;
  const reference = new Client({ name: 'proxycart-e2e-reference', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
  await reference.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: env({ PROXYCART_LOG_LEVEL: 'error' }), stderr: 'ignore' }));
  try {
    listed = (await reference.listTools()).tools as Listed[];
  } finally {
    await reference.close();
  }
  expect(listed).toHaveLength(TOOLS);
}, 300_000);

afterAll(async () => {
  await sandbox?.close();
});

it('keeps the clients out of git and out of proxycart’s own dependencies', () => {
  const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  for (const name of ['@mastra/mcp', '@mastra/core']) {
    expect(rootPackage.dependencies?.[name]).toBeUndefined();
    expect(rootPackage.devDependencies?.[name]).toBeUndefined();
  }
  // The root keeps AI SDK 6 for test/e2e/frameworks.test.ts; version 7 is only here.
  expect(Number.parseInt(rootPackage.devDependencies?.ai ?? '0', 10)).toBeLessThan(7);
  expect(Number.parseInt(rootPackage.devDependencies?.['@ai-sdk/mcp'] ?? '0', 10)).toBeLessThan(2);
  const ignored = execFileSync('git', ['check-ignore', '--no-index', 'test/next-era-clients/node_modules/ai/package.json'], { cwd: ROOT, encoding: 'utf8' });
  expect(ignored.trim()).toBe('test/next-era-clients/node_modules/ai/package.json');
});

describe('Vercel AI SDK 7 (@ai-sdk/mcp createMCPClient over stdio)', () => {
  let client: any;
  let log: string;
  let connectMs: number;
  const uncaught: unknown[] = [];
  beforeAll(async () => {
    log = join(tempDir('next-era-starts'), 'starts');
    const started = Date.now();
    client = await clients.createMCPClient({
      // Debug logging on: the server has lines to send, and must send none the client did not ask for.
      transport: new clients.Experimental_StdioMCPTransport({ ...counted(log), env: env({ PROXYCART_LOG_LEVEL: 'debug' }), stderr: 'ignore' }),
      onUncaughtError: (error: unknown) => uncaught.push(error),
    });
    connectMs = Date.now() - started;
  });
  afterAll(async () => {
    await client?.close();
  });

  /** One agent step of generateText: the scripted model calls `toolName` with `input`, the SDK runs the MCP tool. */
  async function step(tools: Record<string, unknown>, toolName: string, input: Record<string, unknown>) {
    const { toolResults } = await clients.generateText({ model: scripted({ toolName, input }), tools, prompt: 'Buy the proxies.' });
    expect(toolResults).toHaveLength(1);
    const result = toolResults[0].output as { isError?: boolean; structuredContent: Record<string, any> };
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    return result.structuredContent;
  }

  it('discovers proxycart with server/discover and speaks 2026-07-28 to it, starting it once', () => {
    // A -32601 here would have made the client fall back to initialize: 2025-11-25.
    expect(client.initializeResult.protocolVersion, `connected in ${connectMs} ms (the AI SDK waits 1 s for server/discover on stdio)`).toBe(MODERN);
    expect(client.serverInfo).toMatchObject({ name: 'proxycart' });
    expect(startsIn(log)).toBe(1);
  });

  it('hands every listed input schema to the model unchanged', async () => {
    const model = scripted();
    await clients.generateText({ model, tools: await client.tools(), prompt: 'What can you buy?' });
    const given = model.doGenerateCalls[0]!.tools ?? [];
    expect(given.map((t) => t.name).sort()).toEqual(listed.map((t) => t.name).sort());
    for (const mcp of listed) {
      const toModel = given.find((t) => t.name === mcp.name)!;
      expect(toModel.type).toBe('function');
      expect(toModel.description, mcp.name).toBe(mcp.description);
      expect(toModel.inputSchema, mcp.name).toEqual(mcp.inputSchema);
      expect(isDeepStrictEqual(toModel.inputSchema, mcp.inputSchema), mcp.name).toBe(true);
    }
  });

  it('buys once in token mode through generateText, a confirm with null for every field left out matching its quote', async () => {
    const tools = await client.tools();
    expect(Object.keys(tools)).toHaveLength(TOOLS);
    const before = simulator().moneyRequests().length;
    const quoted = await step(tools, PLACE, FIXTURE.order);
    expect(quoted.status).toBe('confirmation_required');
    expect(quoted.next_step).toMatch(TOKEN_NEXT_STEP);
    expect(simulator().moneyRequests()).toHaveLength(before);
    // The AI SDK hands the arguments on as the model wrote them: a strict model's nulls reach the server.
    const properties = listed.find((t) => t.name === PLACE)!.inputSchema.properties as Record<string, unknown>;
    const placed = await step(tools, PLACE, strictArguments(properties, { ...FIXTURE.order, confirmation_token: quoted.confirmation_token }));
    expect(placed.status, JSON.stringify(placed)).toBe('placed');
    expect(simulator().moneyRequests()).toHaveLength(before + 1);
    expect(uncaught.map(String)).toEqual([]);
  });

  it('speaks 2025-11-25 on the same process to a server that starts after its 1 s discovery wait, and reports only the late answer', async () => {
    const slowLog = join(tempDir('next-era-starts'), 'starts');
    const late: unknown[] = [];
    const slow = await clients.createMCPClient({
      transport: new clients.Experimental_StdioMCPTransport({
        ...counted(slowLog, [process.execPath, CLI], 1.5),
        env: env({ PROXYCART_LOG_LEVEL: 'error' }),
        stderr: 'ignore',
      }),
      onUncaughtError: (error: unknown) => late.push(error),
    });
    try {
      expect(slow.initializeResult.protocolVersion).toBe(LEGACY);
      expect(startsIn(slowLog)).toBe(1);
      const balance = await slow.callTool({ name: tool('wallet_balance'), arguments: {} });
      expect(balance.isError, JSON.stringify(balance)).toBeFalsy();
      expect(balance.structuredContent).toMatchObject({ provider: ID, sandbox: true });
      expect(Object.keys(await slow.tools())).toHaveLength(TOOLS);
      // The client's quirk: proxycart's answer to the abandoned server/discover comes back as an uncaught error.
      for (const error of late) expect(String(error)).toMatch(/unknown message ID.*"supportedVersions":\["2026-07-28"\]/);
    } finally {
      await slow.close();
    }
  });
});

describe('Mastra 2 (@mastra/mcp MCPClient over stdio, tools run by a Mastra Agent)', () => {
  let mcp: any;
  let tools: Record<string, unknown>;
  let log: string;
  beforeAll(async () => {
    log = join(tempDir('next-era-starts'), 'starts');
    mcp = new clients.MCPClient({
      id: 'proxycart-e2e-mastra',
      servers: { proxycart: { ...counted(log), env: env({ PROXYCART_LOG_LEVEL: 'error' }), stderr: 'ignore' } },
    });
    tools = await mcp.listTools();
  });
  afterAll(async () => {
    await mcp?.disconnect();
  });

  /** One step of a Mastra Agent: the scripted model calls `name` (namespaced `proxycart_…`), the agent runs the MCP tool. */
  async function step(name: string, input: Record<string, unknown>) {
    const agent = new clients.Agent({
      id: 'buyer',
      name: 'buyer',
      instructions: 'Buy proxies.',
      model: scripted({ toolName: `proxycart_${name}`, input }),
      tools,
    });
    const out = await agent.generate('Buy the proxies.', { maxSteps: 1 });
    expect(out.toolResults, JSON.stringify({ error: out.error, steps: out.steps?.map((s: any) => s.content) })).toHaveLength(1);
    return out.toolResults[0].payload.result as Record<string, any>;
  }

  it('discovers proxycart with server/discover and speaks 2026-07-28 to it (two starts: its SDK probes on a throwaway process)', () => {
    // A -32601 here would have made the client fall back to initialize: 2025-11-25 (see the last test).
    expect(mcp.getServerProtocolVersions()).toEqual({ proxycart: MODERN });
    expect(startsIn(log)).toBe(2);
  });

  it('hands every listed input schema to the model unchanged but for a draft-07 marker', async () => {
    const model = scripted();
    await new clients.Agent({ id: 'reader', name: 'reader', instructions: 'Read.', model, tools }).generate('What can you buy?', { maxSteps: 1 });
    const given = model.doGenerateCalls[0]!.tools ?? [];
    expect(given.map((t) => t.name).sort()).toEqual(listed.map((t) => `proxycart_${t.name}`).sort());
    for (const mcpTool of listed) {
      const toModel = given.find((t) => t.name === `proxycart_${mcpTool.name}`)!;
      expect(toModel.description, mcpTool.name).toBe(mcpTool.description);
      const { $schema, ...schema } = toModel.inputSchema;
      expect($schema, mcpTool.name).toBe(DRAFT_07);
      expect(schema, mcpTool.name).toEqual(mcpTool.inputSchema);
      expect(isDeepStrictEqual(schema, mcpTool.inputSchema), mcpTool.name).toBe(true);
    }
  });

  it('buys once in token mode through a Mastra Agent', async () => {
    expect(Object.keys(tools)).toHaveLength(TOOLS);
    const before = simulator().moneyRequests().length;
    const quoted = await step(PLACE, FIXTURE.order);
    expect(quoted.status, JSON.stringify(quoted)).toBe('confirmation_required');
    expect(quoted.next_step).toMatch(TOKEN_NEXT_STEP);
    expect(simulator().moneyRequests()).toHaveLength(before);
    const placed = await step(PLACE, { ...FIXTURE.order, confirmation_token: quoted.confirmation_token });
    expect(placed.status, JSON.stringify(placed)).toBe('placed');
    expect(simulator().moneyRequests()).toHaveLength(before + 1);
    // Mastra keeps the server's process between calls: still the two starts of the connect.
    expect(startsIn(log)).toBe(2);
  });
});

describe('control: a 2025-era server, which answers server/discover with -32601', () => {
  // A bare SDK 1.x stdio server, as written in that SDK's README.
  const LEGACY_SERVER = [
    "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';",
    "import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';",
    "const server = new McpServer({ name: 'legacy', version: '1.0.0' });",
    "server.registerTool('ping', { description: 'Ping' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));",
    'await server.connect(new StdioServerTransport());',
  ].join('\n');
  const argv = [process.execPath, '--input-type=module', '-e', LEGACY_SERVER];

  it('is spoken to on 2025-11-25 by both clients, so the version assertions above tell the eras apart', async () => {
    const aiLog = join(tempDir('next-era-starts'), 'starts');
    const ai = await clients.createMCPClient({
      transport: new clients.Experimental_StdioMCPTransport({ ...counted(aiLog, argv), cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stderr: 'ignore' }),
    });
    try {
      expect(ai.initializeResult.protocolVersion).toBe(LEGACY);
      expect(startsIn(aiLog)).toBe(1);
    } finally {
      await ai.close();
    }
    const mastraLog = join(tempDir('next-era-starts'), 'starts');
    const mastra = new clients.MCPClient({ id: 'proxycart-e2e-legacy', servers: { legacy: { ...counted(mastraLog, argv), cwd: ROOT, stderr: 'ignore' } } });
    try {
      expect(Object.keys(await mastra.listTools())).toEqual(['legacy_ping']);
      expect(mastra.getServerProtocolVersions()).toEqual({ legacy: LEGACY });
      // The same two starts as for proxycart: the count does not tell the eras apart.
      expect(startsIn(mastraLog)).toBe(2);
    } finally {
      await mastra.disconnect();
    }
  });
});
