import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitationCompleteNotificationSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { CLI, connect, type Session, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// A person approves on a page the model cannot operate: the default channel of every
// client without forms. The page is driven here as a browser would drive it (GET, read the
// form, POST it back with the page's Origin); the browser test does the same in Chromium.

const fixture = FIXTURE;
const PLACE = tool('place_order');

/** Reads the approval page's form and posts a decision, as a browser would. */
async function decide(url: string, decision: 'approve' | 'decline', pin?: string): Promise<Response> {
  const page = await (await fetch(url)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error(`no form on the approval page: ${page.slice(0, 200)}`);
  const body = new URLSearchParams({ csrf, decision, ...(pin === undefined ? {} : { pin }) });
  return fetch(url, { method: 'POST', body, headers: { origin: new URL(url).origin }, redirect: 'manual' });
}

describe('approval on the page', () => {
  let sandbox: Sandbox;
  const sessions: Session[] = [];
  const simulator = () => sandbox.vendors[ID]!.simulator;
  const auto = (extra: Record<string, string> = {}) => sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'auto', PROXYCART_STORE: 'memory', ...extra });
  const open = async (env: Record<string, string>) => {
    const session = await connect({ env });
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    sandbox = await startVendors([ID]);
    simulator().state.rateLimitPerMinute = 0;
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    simulator().log.length = 0;
    simulator().clearFaults();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('a client without forms never places an order before the page decision, whatever the model sends', async () => {
    const session = await open(auto());
    const quoted = await session.ok(PLACE, fixture.order);
    expect(quoted.status).toBe('approval_required');
    expect(quoted.approval_url).toMatch(/^http:\/\/localhost:\d+\/approve\/[\w-]{22,}$/);
    expect(quoted.approval_url).not.toContain(quoted.confirmation_token);
    expect(quoted.next_step).toContain(quoted.approval_url);
    // Agent frameworks time a request out at 60 s: the text asks for no longer a wait than a call gives.
    expect(quoted.next_step).toContain('add wait_seconds, at most 45,');
    expect(session.client.getInstructions()).toMatch(/never confirm on your own\.$/);
    const token = quoted.confirmation_token as string;
    const attempts = [
      { ...fixture.order, confirmation_token: token },
      { ...fixture.order, confirmation_token: token },
      { ...fixture.order, confirmation_token: token, wait_seconds: 1 },
      { ...fixture.order, quantity: 1, confirmation_token: token },
      { ...fixture.order, confirmation_token: `${token}x` },
      fixture.order,
    ];
    const results: CallToolResult[] = [];
    for (const args of attempts) results.push(await session.call(PLACE, args));
    expect(results.slice(0, 3).map((r) => (r.structuredContent as { status: string }).status)).toEqual([
      'approval_required',
      'approval_required',
      'approval_required',
    ]);
    // A confirm before the person decided says so first (issue 20, item 5), with the time left.
    const first = results[0]!.structuredContent as Record<string, string>;
    expect(first.next_step).toMatch(
      /^Not decided yet: the person has neither approved nor declined this order, and (9|10) min \d+ s are left before the quote expires\. Nothing was placed\./,
    );
    expect(first.next_step).toContain(quoted.next_step);
    expect(first.expires_at).toBe(quoted.expires_at);
    expect(textOf(results[3]!)).toMatch(/^policy: These arguments differ/);
    expect(textOf(results[4]!)).toMatch(/^policy: This confirmation token is unknown/);
    expect((results[5]!.structuredContent as { status: string }).status).toBe('approval_required');
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('approve on the page → placed exactly once, also when the call was already waiting, with progress', async () => {
    const session = await open(auto());
    const quoted = await session.ok(PLACE, fixture.order);
    const args = { ...fixture.order, confirmation_token: quoted.confirmation_token, wait_seconds: 20 };
    const progress: number[] = [];
    const waiting = session.client.callTool({ name: PLACE, arguments: args }, undefined, {
      timeout: 60_000,
      onprogress: (p) => void progress.push(p.progress),
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const answer = await decide(quoted.approval_url, 'approve');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/Approved/);
    const placed = (await waiting) as CallToolResult;
    expect((placed.structuredContent as { status: string }).status).toBe('placed');
    expect(progress.length).toBeGreaterThan(0);
    const again = await session.ok(PLACE, args);
    expect(again.replayed).toBe(true);
    expect(simulator().moneyRequests()).toHaveLength(1);
  });

  it('decline on the page → declined, nothing sent; the token keeps saying so for the quote’s lifetime', async () => {
    const session = await open(auto());
    const quoted = await session.ok(PLACE, fixture.order);
    expect((await decide(quoted.approval_url, 'decline')).status).toBe(200);
    const confirm = { ...fixture.order, confirmation_token: quoted.confirmation_token };
    for (const result of [await session.ok(PLACE, confirm), await session.ok(PLACE, confirm)]) {
      expect(result.status).toBe('declined');
      expect(result.next_step).toMatch(/^The person declined this order on the approval page\. Nothing was ordered or charged/);
      expect(result.quote.total_usd).toBe(quoted.quote.total_usd);
    }
    // Still bound to its order: other arguments are refused, not told "declined".
    const other = await session.call(PLACE, { ...confirm, quantity: 7 });
    expect(textOf(other)).toMatch(/^policy: These arguments differ/);
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('attacks on the page are refused and nothing is sent', async () => {
    const session = await open(auto());
    const quoted = await session.ok(PLACE, fixture.order);
    const url = quoted.approval_url as string;
    const page = await (await fetch(url)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (body: Record<string, string>, headers: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(body), headers });
    const refused = [
      await post({ csrf: 'forged', decision: 'approve' }, { origin: new URL(url).origin }),
      await post({ csrf, decision: 'approve' }, { origin: 'http://evil.example' }),
      await post({ csrf, decision: 'approve' }, {}),
      await fetch(`${url}?csrf=${csrf}&decision=approve`),
    ];
    expect(refused.slice(0, 3).map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await refused[3]!.text()).toContain('name="csrf"'); // a GET only shows the page
    const result = await session.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(result.status).toBe('approval_required');
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('with a PIN: an approve without it is refused, five wrong ones void the approval', async () => {
    const session = await open(auto({ PROXYCART_APPROVAL_PIN: '482916' }));
    const quoted = await session.ok(PLACE, fixture.order);
    expect((await decide(quoted.approval_url, 'approve')).status).toBe(403);
    for (let i = 0; i < 4; i++) await decide(quoted.approval_url, 'approve', '000000');
    const result = await session.call(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(textOf(result)).toMatch(/^policy: This approval was voided after five wrong PINs/);
    const second = await session.ok(PLACE, fixture.order);
    expect((await decide(second.approval_url, 'approve', '482916')).status).toBe(200);
    expect((await session.ok(PLACE, { ...fixture.order, confirmation_token: second.confirmation_token })).status).toBe('placed');
    expect(simulator().moneyRequests()).toHaveLength(1);
    expect(session.transcript.join('\n')).not.toContain('482916');
    expect(session.stderr.join('\n')).not.toContain('482916');
  });

  it('a page served by another process decides for the process the model calls', async () => {
    const home = tempDir('approval-shared');
    const shared = auto({ PROXYCART_HOME: home, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}` });
    const [a, b] = [await open(shared), await open(shared)];
    const quoted = await a.ok(PLACE, fixture.order);
    // The model calls process B; B serves the same approval on its own page.
    const waiting = await b.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(waiting.status).toBe('approval_required');
    expect(new URL(waiting.approval_url).pathname).toBe(new URL(quoted.approval_url).pathname);
    expect((await decide(quoted.approval_url, 'approve')).status).toBe(200); // decided on A's page
    expect((await b.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token })).status).toBe('placed');
    expect(simulator().moneyRequests()).toHaveLength(1);
  });

  it('the page keeps its port per data folder: a link from before a restart still opens, and is approved', async () => {
    const home = tempDir('approval-port');
    const env = auto({ PROXYCART_HOME: home, PROXYCART_STORE: `sqlite://${join(home, 'state.sqlite')}` });
    const before = await open(env);
    const quoted = await before.ok(PLACE, fixture.order);
    await before.close();
    // After the restart the old link answers (issue 20, item 14), from the new process.
    const after = await open(env);
    const again = await after.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(again.approval_url).toBe(quoted.approval_url);
    expect((await decide(quoted.approval_url, 'approve')).status).toBe(200);
    expect((await after.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token })).status).toBe('placed');
    await after.close();

    // The remembered port taken by someone else: a free port, said in a warning, and remembered instead.
    const port = Number(new URL(quoted.approval_url).port);
    const squatter = createNetServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const third = await open(env);
      const moved = await third.ok(PLACE, fixture.order);
      expect(Number(new URL(moved.approval_url).port)).not.toBe(port);
      expect(third.stderr.join('\n')).toContain(`warning: the approval page's port in ${home} ${port} is taken; the approval page uses a free port instead`);
      expect(readFileSync(join(home, 'approval-port'), 'utf8').trim()).toBe(new URL(moved.approval_url).port);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('page mode: even a client with forms approves on the page', async () => {
    let forms = 0;
    const session = await connect({
      env: sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'page', PROXYCART_STORE: 'memory' }),
      elicit: () => {
        forms += 1;
        return { action: 'accept', content: { approve: true } };
      },
    });
    sessions.push(session);
    const quoted = await session.ok(PLACE, fixture.order);
    expect(quoted.status).toBe('approval_required');
    expect(forms).toBe(0);
    expect(simulator().moneyRequests()).toHaveLength(0);
  });

  it('the sandbox first run: no key, no settings → quote, page, approve, placed, active', async () => {
    const home = tempDir('first-run');
    const session = await connect({ env: { PROXYCART_HOME: home, PROXYCART_OPEN_BROWSER: 'never' } });
    sessions.push(session);
    const quoted = await session.ok(PLACE, fixture.order);
    expect(quoted.sandbox).toBe(true);
    expect(quoted.status).toBe('approval_required');
    await decide(quoted.approval_url, 'approve');
    const placed = await session.ok(PLACE, { ...fixture.order, confirmation_token: quoted.confirmation_token });
    expect(placed.status).toBe('placed');
    const status = await session.ok(tool('order_status'), { order_id: placed.order.id, wait_seconds: 30 });
    expect(status.order.state).toBe('active');
  });

  it('URL elicitation: the client shows the link, the call waits for the page and places', async () => {
    const home = tempDir('url-elicitation');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: { PATH: process.env.PATH ?? '', HOME: home, ...auto({ PROXYCART_HOME: home }) },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'url-client', version: '1' }, { capabilities: { elicitation: { url: {} } } });
    const shown: Array<{ url: string; elicitationId: string; message: string }> = [];
    const completed: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const params = request.params as { mode: string; url: string; elicitationId: string; message: string };
      expect(params.mode).toBe('url');
      shown.push(params);
      // The person opens the link and approves on the page after a moment.
      setTimeout(() => void decide(params.url, 'approve'), 500);
      return { action: 'accept' };
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => void completed.push(notification.params.elicitationId));
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: PLACE, arguments: fixture.order }, undefined, { timeout: 60_000 })) as CallToolResult;
      expect((result.structuredContent as { status: string }).status).toBe('placed');
      expect(shown).toHaveLength(1);
      expect(shown[0]!.url).toMatch(/\/approve\/[\w-]{22,}$/);
      expect(shown[0]!.url.endsWith(shown[0]!.elicitationId)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(completed).toEqual([shown[0]!.elicitationId]);
      expect(simulator().moneyRequests()).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
