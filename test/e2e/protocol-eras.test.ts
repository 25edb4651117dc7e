import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client as ModernClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { FIXTURES } from '../fixtures.js';
import { CLI, sandboxEnv, startVendors, tempDir } from './harness.js';
import { type HttpNodeProcess, modernToolCall, type RedisServer, redisServer, startNode } from './http-harness.js';

// Both protocol eras from one built server. A 2026-07-28 client (SDK v2) discovers the server,
// gets a quote answered `input_required` (a URL-mode input request to the approval page, or a
// form where the client offers only forms), and its retry is placed exactly once after the
// person decided; our requestState is refused with `policy` and no money request when it is
// tampered with, replayed or foreign; over two HTTP nodes on Redis the quote and the retry land
// on different nodes. A change to an order (extend) takes the same path: input_required, the
// page, placed once, and its requestState confirms only that operation on that order. A
// 2025-11-25 client (SDK v1) is served as before (the rest of the suite).

const CHROMIUM = '/usr/bin/chromium';
const PLACE = tool('place_order');
const ORDER = FIXTURE.order;
const MODERN = '2026-07-28';
/** A vendor that extends orders (the example vendor where it does), the order it extends and the call. */
const EXTENDER = FIXTURES.find((f) => f.id === ID && f.lifecycle?.operations.extend_order) ?? FIXTURES.find((f) => f.lifecycle?.operations.extend_order)!;
const EXTEND = EXTENDER.lifecycle!.operations.extend_order!;

let sandbox: Sandbox;
let browser: Browser;
const money = (id: string = ID) => sandbox.vendors[id]!.simulator.moneyRequests().length;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium); this test must not be skipped.`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  sandbox = await startVendors([...new Set([ID, EXTENDER.id])]);
  for (const { simulator } of Object.values(sandbox.vendors)) if ('rateLimitPerMinute' in simulator.state) simulator.state.rateLimitPerMinute = 0;
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await browser?.close();
  await sandbox?.close();
});

const env = (extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto', PROXYCART_STORE: 'memory', ...extra });

/** Approves (or declines) on the approval page as a person does: in Chromium, by clicking. */
async function clickOnPage(url: string, decision: 'approve' | 'decline'): Promise<void> {
  const tab = await browser.newPage();
  try {
    await tab.goto(url);
    await tab.click(`button[value=${decision}]`);
    await tab.waitForSelector('#outcome');
  } finally {
    await tab.close();
  }
}

/** The page's form posted by script (the HTTP tests; Chromium is the stdio test's). */
async function decide(url: string, decision: 'approve' | 'decline'): Promise<void> {
  const page = await (await fetch(url)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error(`no form on the approval page: ${page.slice(0, 200)}`);
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ csrf, decision }), headers: { origin: new URL(url).origin } });
  expect(res.status).toBe(200);
}

type Elicit = { mode?: string; url?: string; message: string; requestedSchema?: unknown };

async function modernStdio(capabilities: Record<string, unknown>, answer: (request: Elicit) => Promise<Record<string, unknown>>) {
  const home = tempDir('modern');
  const client = new ModernClient({ name: 'proxycart-e2e-2026', version: '1.0.0' }, { capabilities, versionNegotiation: { mode: { pin: MODERN } } });
  const asked: Elicit[] = [];
  client.setRequestHandler('elicitation/create', async (request) => {
    const params = request.params as Elicit;
    asked.push(params);
    return (await answer(params)) as never;
  });
  await client.connect(
    new ModernStdio({ command: process.execPath, args: [CLI], env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, ...env() } }),
  );
  closers.push(() => client.close());
  return { client, asked };
}

describe('a 2026-07-28 client over stdio', () => {
  it('discovers the server, gets the quote as input_required with the page link, approves in Chromium, and the retry places once', async () => {
    const before = money();
    const { client, asked } = await modernStdio({ elicitation: { url: {} } }, async ({ url }) => {
      // The person opens the link the client shows, and approves on the page.
      await clickOnPage(url!, 'approve');
      return { action: 'accept' };
    });
    expect(client.getProtocolEra()).toBe('modern');
    const discovered = client.getDiscoverResult() as unknown as { supportedVersions: string[]; ttlMs: number; cacheScope: string };
    expect(discovered.supportedVersions).toContain(MODERN);
    // Caching fields where they fit: the tool list changes only with a restart (and per caller over HTTP).
    expect(discovered).toMatchObject({ ttlMs: 300_000, cacheScope: 'private' });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain(PLACE);

    const result = await client.callTool({ name: PLACE, arguments: ORDER });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'placed', provider: ID, sandbox: true });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mode: 'url', url: expect.stringMatching(/^http:\/\/localhost:\d+\/approve\/[\w-]{16,}$/) });
    // The model's result never carries the link: the client showed it to the person.
    expect(JSON.stringify(result)).not.toContain(asked[0]!.url);
    expect(money() - before).toBe(1);
  }, 60_000);

  it('a client that offers only forms is asked with a confirmation form; approve places once, decline sends nothing', async () => {
    let approve = true;
    const before = money();
    const { client, asked } = await modernStdio({ elicitation: { form: {} } }, async () => ({ action: 'accept', content: { approve } }));
    const placed = await client.callTool({ name: PLACE, arguments: ORDER });
    expect(placed.structuredContent).toMatchObject({ status: 'placed' });
    expect(asked[0]).toMatchObject({ mode: 'form', message: expect.stringContaining('Sandbox: play money.') });
    expect(money() - before).toBe(1);
    approve = false;
    const declined = await client.callTool({ name: PLACE, arguments: ORDER });
    expect(declined.structuredContent).toMatchObject({ status: 'declined' });
    expect(money() - before).toBe(1);
  }, 60_000);

  it('a change to an order (extend) is answered input_required with the page link, approved in Chromium, and the retry extends once', async () => {
    const before = money(EXTENDER.id);
    const headings: string[] = [];
    const { client, asked } = await modernStdio({ elicitation: { url: {} } }, async ({ url }) => {
      const tab = await browser.newPage();
      try {
        await tab.goto(url!);
        headings.push(String(await tab.locator('h1').textContent()));
        await tab.click('button[value=approve]');
        await tab.waitForSelector('#outcome');
      } finally {
        await tab.close();
      }
      return { action: 'accept' };
    });
    const placed = await client.callTool({ name: `${EXTENDER.id}_place_order`, arguments: EXTEND.order });
    expect(placed.structuredContent).toMatchObject({ status: 'placed' });
    const order = (placed.structuredContent as { order: { id: string; expires_at?: string } }).order;
    expect(money(EXTENDER.id) - before).toBe(1);

    const extended = await client.callTool({ name: `${EXTENDER.id}_extend_order`, arguments: { order_id: order.id, ...EXTEND.args } });
    expect(extended.isError).toBeFalsy();
    expect(extended.structuredContent).toMatchObject({ status: 'placed', provider: EXTENDER.id, order: { id: order.id } });
    // Asked once per call, each through the client with a link to its own page; the second says it is a change.
    expect(asked).toHaveLength(2);
    expect(asked[1]).toMatchObject({ mode: 'url', message: expect.stringMatching(/^Approve or decline this change to a .* order on the approval page: /) });
    expect(asked[1]!.url).not.toBe(asked[0]!.url);
    expect(headings[1]).toMatch(/^Approve this change to a .* order\?$/);
    expect(JSON.stringify(extended)).not.toContain(asked[1]!.url);
    const after = (extended.structuredContent as { order: { expires_at?: string } }).order.expires_at;
    if (order.expires_at && after) expect(Date.parse(after)).toBeGreaterThan(Date.parse(order.expires_at));
    // Exactly one money request for the extension.
    expect(money(EXTENDER.id) - before).toBe(2);
    expect(sandbox.vendors[EXTENDER.id]!.simulator.log.filter((r) => EXTEND.path.test(r.path))).toHaveLength(1);
  }, 90_000);
});

/** One raw 2026-07-28 tools/call over HTTP (stateless: no session), its response's result. */
async function rawCall(
  url: string,
  bearer: string | undefined,
  extra: Record<string, unknown> = {},
  call: { name: string; arguments: Record<string, unknown> } = { name: PLACE, arguments: ORDER },
) {
  const { messages, headers } = await modernToolCall(url, { ...call, bearer, capabilities: { elicitation: { url: {} } }, params: extra });
  expect(headers.get('mcp-session-id')).toBeNull();
  return messages.at(-1) as { result: Record<string, any> };
}

const resultText = (result: Record<string, any>) => (result.content as { text: string }[]).map((part) => part.text).join('\n');

describe('requestState over HTTP', () => {
  let nodeA: HttpNodeProcess;
  let nodeB: HttpNodeProcess;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    const file = join(tempDir('eras-tokens'), 'clients.txt');
    tokens = {};
    for (const name of ['alice', 'bob']) {
      tokens[name] = (
        await promisify(execFile)(process.execPath, [CLI, 'token', 'add', name, '--scopes', 'proxycart:read,proxycart:spend', '--file', file])
      ).stdout.trim();
    }
    nodeA = await startNode(env({ PROXYCART_HTTP_TOKENS_FILE: file }));
    // Another deployment: its own store, so its own secret.
    nodeB = await startNode(env({ PROXYCART_HTTP_TOKENS_FILE: file }));
    closers.push(
      async () => nodeA.kill('SIGTERM'),
      async () => nodeB.kill('SIGTERM'),
    );
  });

  it('a tampered, foreign or replayed requestState is refused with policy, and no money request is made', async () => {
    const before = money();
    const first = (await rawCall(nodeA.url, tokens.alice)).result;
    expect(first.resultType).toBe('input_required');
    const state = first.requestState as string;
    const link = first.inputRequests.approval.params.url as string;
    expect(first.inputRequests.approval.params).toMatchObject({ mode: 'url' });
    expect(typeof state).toBe('string');
    const accept = { inputResponses: { approval: { action: 'accept' } } };

    // Tampered: one character of the sealed body changed.
    const dot = state.lastIndexOf('.');
    const flipped = `${state.slice(0, dot - 2)}${state[dot - 2] === 'A' ? 'B' : 'A'}${state.slice(dot - 1)}`;
    for (const [who, url, sent] of [
      ['tampered', nodeA.url, flipped],
      ['another client (bob)', nodeA.url, state],
      ['another deployment', nodeB.url, state],
    ] as const) {
      const refused = (await rawCall(url, who.includes('bob') ? tokens.bob : tokens.alice, { ...accept, requestState: sent })).result;
      expect(refused.isError, who).toBe(true);
      expect(resultText(refused), who).toMatch(/^policy: This approval answer is refused/);
    }
    expect(money() - before).toBe(0);

    // The person approves on the page; the genuine retry places the order, once.
    await decide(link, 'approve');
    const placed = (await rawCall(nodeA.url, tokens.alice, { ...accept, requestState: state })).result;
    expect(placed.structuredContent).toMatchObject({ status: 'placed' });
    expect(money() - before).toBe(1);

    // Replayed: the same state again is refused, and nothing more is sent.
    const again = (await rawCall(nodeA.url, tokens.alice, { ...accept, requestState: state })).result;
    expect(again.isError).toBe(true);
    expect(resultText(again)).toMatch(/^policy: .*already used/);
    expect(money() - before).toBe(1);
    // The secret never leaves the store: not in a result, not on stderr.
    expect(nodeA.stderr.join('\n')).not.toMatch(/request-state:secret/);
  }, 60_000);

  it("a change's requestState confirms only that operation on that order: retried on another order or as a new order, refused with policy and no money request", async () => {
    const placeOf = { name: `${EXTENDER.id}_place_order`, arguments: EXTEND.order };
    // An order to extend, placed through the same rounds: quote, the person approves on the page, the retry.
    const quoted = (await rawCall(nodeA.url, tokens.alice, {}, placeOf)).result;
    expect(quoted.resultType).toBe('input_required');
    await decide(quoted.inputRequests.approval.params.url, 'approve');
    const accept = { inputResponses: { approval: { action: 'accept' } } };
    const placed = (await rawCall(nodeA.url, tokens.alice, { ...accept, requestState: quoted.requestState }, placeOf)).result;
    expect(placed.structuredContent).toMatchObject({ status: 'placed' });
    const orderId = placed.structuredContent.order.id as string;
    const before = money(EXTENDER.id);

    const extend = (order_id: string) => ({ name: `${EXTENDER.id}_extend_order`, arguments: { order_id, ...EXTEND.args } });
    for (const [what, retry] of [
      ['another order', extend(`${orderId}0`)],
      ['a new order', placeOf],
    ] as const) {
      const asked = (await rawCall(nodeA.url, tokens.alice, {}, extend(orderId))).result;
      expect(asked.resultType, what).toBe('input_required');
      expect(asked.inputRequests.approval.params.message, what).toMatch(/change to a .* order/);
      // Even approved on the page, the state answers only the extension of this order.
      await decide(asked.inputRequests.approval.params.url, 'approve');
      const refused = (await rawCall(nodeA.url, tokens.alice, { ...accept, requestState: asked.requestState }, retry)).result;
      expect(refused.isError, what).toBe(true);
      expect(resultText(refused), what).toMatch(new RegExp(`^policy: This confirmation token was issued for extend_order of order ${orderId}, not for `));
    }
    expect(money(EXTENDER.id) - before).toBe(0);
  }, 60_000);
});

describe('two HTTP nodes on Redis', () => {
  let redis: RedisServer;
  const nodes: HttpNodeProcess[] = [];

  beforeAll(async () => {
    redis = await redisServer();
    for (let i = 0; i < 2; i++) nodes.push(await startNode(env({ PROXYCART_STORE: redis.url })));
    closers.push(async () => {
      for (const n of nodes) n.kill('SIGTERM');
      await redis.stop();
    });
  });

  it('the quote goes to one node and the retry to the other: no session, placed once', async () => {
    const before = money();
    // Every HTTP request goes to the next node in turn; the tools/call rounds are recorded.
    let next = 0;
    const served: string[] = [];
    const rotating: typeof fetch = async (input, init) => {
      const target = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const node = nodes[next++ % nodes.length]!;
      target.host = new URL(node.url).host;
      if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) served.push(node.url);
      return fetch(target, init);
    };
    const client = new ModernClient(
      { name: 'proxycart-e2e-2026-http', version: '1.0.0' },
      { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: { pin: MODERN } } },
    );
    client.setRequestHandler('elicitation/create', async (request) => {
      await decide((request.params as Elicit).url!, 'approve');
      return { action: 'accept' } as never;
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(nodes[0]!.url), { fetch: rotating }));
    closers.push(() => client.close());
    const result = await client.callTool({ name: PLACE, arguments: ORDER });
    expect(result.structuredContent).toMatchObject({ status: 'placed' });
    expect(served).toHaveLength(2);
    expect(served[0]).not.toBe(served[1]);
    expect(money() - before).toBe(1);
  }, 60_000);
});

describe('a 2025-11-25 client (SDK v1) on the same server', () => {
  it('initializes and is served as before: no discover, the quote as today', async () => {
    const home = tempDir('legacy');
    const client = new LegacyClient({ name: 'proxycart-e2e-2025', version: '1.0.0' });
    const transport = new LegacyStdio({
      command: process.execPath,
      args: [CLI],
      env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, ...env({ PROXYCART_CONFIRM: 'token' }) },
    });
    await client.connect(transport);
    closers.push(() => client.close());
    expect(client.getServerVersion()).toMatchObject({ name: 'proxycart' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, logging: {} });
    const quote = await client.callTool({ name: PLACE, arguments: ORDER });
    expect(quote.structuredContent).toMatchObject({ status: 'confirmation_required', confirmation_token: expect.stringMatching(/^pct_/) });
  }, 30_000);
});
