import { Client, LOG_LEVEL_META_KEY } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID } from '../example.js';
import { CLI, sandboxEnv, startVendors, stderrLines, tempDir } from './harness.js';
import { type HttpNodeProcess, modernToolCall, startNode, until } from './http-harness.js';

// MCP logging on 2026-07-28 requests, from the built server: no session and no
// logging/setLevel; a request carries its own level in `_meta` and gets the lines logged
// while it is handled, at or above that level, as notifications of its own (over stdio on the
// pipe before its result, over HTTP in its own response stream). A request without a level
// gets none; a request never gets another's lines. stderr is the same either way. (2025-11-25
// clients, setLevel-gated and connection-wide: config-and-logging.test.ts.)

const MODERN = '2026-07-28';
type Level = 'debug' | 'info' | 'warning' | 'error';
type LogMessage = { level: string; logger?: string; data: unknown };

/** The example vendor's read that faults are injected into, and the cross-vendor tool that calls no vendor. */
const SLOW = { name: `${ID}_${FIXTURE.probe.read.operation}`, path: FIXTURE.probe.read.path };
const QUICK = 'proxycart_orders';
const called = (name: string) => `${name} called`;

let sandbox: Sandbox;
const closers: (() => Promise<unknown>)[] = [];
const simulator = () => sandbox.vendors[ID]!.simulator;

beforeAll(async () => {
  sandbox = await startVendors([ID]);
  for (const { simulator } of Object.values(sandbox.vendors)) if ('rateLimitPerMinute' in simulator.state) simulator.state.rateLimitPerMinute = 0;
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await sandbox?.close();
});

/**
 * Holds the SLOW call while another runs: its first vendor request waits 1 s and is then
 * answered 503, so it logs a retry line after the other call has come and gone. Resolves once
 * that request has reached the vendor (call it before starting the SLOW call).
 */
function holdSlowCall(): Promise<void> {
  simulator().clearFaults();
  const before = simulator().log.length;
  simulator().inject({ path: SLOW.path, phase: 'before', action: { kind: 'delay', ms: 1_000 }, times: 1 });
  simulator().inject({ path: SLOW.path, phase: 'after', action: { kind: 'status', status: 503 }, times: 1 });
  const reached = () =>
    simulator()
      .log.slice(before)
      .some((r) => SLOW.path.test(r.path));
  return until(reached, 'the held call to reach the vendor');
}

/** A 2026-07-28 client (SDK v2) over stdio, collecting every notifications/message and the server's stderr. */
async function modernStdio(env: Record<string, string>) {
  const home = tempDir('req-log');
  const client = new Client({ name: 'proxycart-e2e-log', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: MODERN } } });
  const messages: LogMessage[] = [];
  client.setNotificationHandler('notifications/message', (n) => void messages.push(n.params as LogMessage));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_STORE: 'memory', ...env },
    stderr: 'pipe',
  });
  const stderr = stderrLines(transport.stderr);
  await client.connect(transport);
  closers.push(() => client.close());
  expect(client.getProtocolEra()).toBe('modern');
  const call = (name: string, level?: Level) =>
    client.callTool({ name, arguments: {}, ...(level ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {}) }, { timeout: 60_000 });
  return { messages, stderr, call };
}

describe('a 2026-07-28 client over stdio', () => {
  it('a request with a level gets its lines at or above it and none below; a request without one gets none; stderr has them all', async () => {
    // In-process simulators (no base URL): the first call starts them and says so at info.
    const { messages, stderr, call } = await modernStdio({ PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: ID, PROXYCART_LOG_LEVEL: 'debug' });
    const name = `${ID}_list_offers`;

    expect((await call(name, 'info')).isError).toBeFalsy();
    // Written on the pipe before the result: here when the call returns.
    expect(messages).toEqual([
      { level: 'info', logger: 'proxycart', data: expect.stringMatching(new RegExp(`^sandbox ${ID} simulator at http://127\\.0\\.0\\.1:\\d+/`)) },
    ]);

    messages.length = 0;
    await call(name, 'debug');
    expect(messages).toEqual([{ level: 'debug', logger: 'proxycart', data: called(name) }]);

    messages.length = 0;
    await call(name);
    await call(name, 'warning');
    expect(messages).toEqual([]);

    // stderr does not depend on what the client asked for: the line of each of the four calls.
    expect(stderr.filter((line) => line === `[proxycart] debug: ${called(name)}`)).toHaveLength(4);
  }, 60_000);

  it("a call without a level gets none of a concurrent call's lines, and that call gets all of its own", async () => {
    const { messages, call } = await modernStdio(sandboxEnv(sandbox, { PROXYCART_PROVIDERS: ID }));
    const held = holdSlowCall();
    let slowDone = 0;
    const slow = call(SLOW.name, 'debug').then((result) => {
      slowDone = Date.now();
      return result;
    });
    await held;
    const quick = await call(QUICK);
    const quickDone = Date.now();
    expect(quick.isError).toBeFalsy();
    expect((await slow).isError).toBeFalsy();
    // The calls overlapped: the quick one came and went while the slow one waited for its vendor.
    expect(quickDone).toBeLessThan(slowDone);
    expect(messages.map((m) => m.data)).toEqual([called(SLOW.name), expect.stringMatching(/: vendor_unavailable, retry 1 in \d+ ms$/)]);
  }, 60_000);
});

/** One raw 2026-07-28 tools/call over HTTP: every message of its response, in order (notifications, then the response). */
async function rawCall(url: string, name: string, level?: string): Promise<Array<Record<string, any>>> {
  return (await modernToolCall(url, { name, meta: level ? { [LOG_LEVEL_META_KEY]: level } : {} })).messages;
}

/** The log lines in a raw call's response stream, after checking that the response comes last. */
function linesOf(stream: Array<Record<string, any>>): string[] {
  expect(stream.at(-1)).toMatchObject({ id: 1, result: { structuredContent: expect.any(Object) } });
  const notes = stream.slice(0, -1);
  for (const note of notes) expect(note).toMatchObject({ method: 'notifications/message', params: { logger: 'proxycart' } });
  return notes.map((note) => note.params.data as string);
}

describe('a 2026-07-28 client over HTTP (serve --http)', () => {
  let node: HttpNodeProcess;
  beforeAll(async () => {
    node = await startNode(sandboxEnv(sandbox, { PROXYCART_PROVIDERS: ID, PROXYCART_STORE: 'memory' }));
    closers.push(async () => node.kill('SIGTERM'));
  });

  it('a request with a level gets its lines in its own response stream; below its level or without a level, none; a level that is not one is refused', async () => {
    simulator().clearFaults();
    const name = `${ID}_list_offers`;
    expect(linesOf(await rawCall(node.url, name, 'debug'))).toEqual([called(name)]);
    expect(linesOf(await rawCall(node.url, name, 'info'))).toEqual([]);
    expect(linesOf(await rawCall(node.url, name))).toEqual([]);
    expect(node.stderr.filter((line) => line === `[proxycart] debug: ${called(name)}`)).toHaveLength(3);
    expect(await rawCall(node.url, name, 'loud')).toEqual([expect.objectContaining({ id: 1, error: expect.objectContaining({ code: -32602 }) })]);
  }, 60_000);

  it('two concurrent requests with a level each get only their own lines', async () => {
    const held = holdSlowCall();
    const slow = rawCall(node.url, SLOW.name, 'debug');
    await held;
    const quick = linesOf(await rawCall(node.url, QUICK, 'debug'));
    expect(quick).toEqual([called(QUICK)]);
    // The slow request logged its retry after the quick one had finished: still its own.
    expect(linesOf(await slow)).toEqual([called(SLOW.name), expect.stringMatching(/: vendor_unavailable, retry 1 in \d+ ms$/)]);
  }, 60_000);
});
