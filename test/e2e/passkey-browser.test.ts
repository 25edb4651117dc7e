import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalRecord, Approvals } from '../../src/approval/approvals.js';
import { type Enrolment, listPasskeys, PasskeyRefusal, verifyApproval } from '../../src/approval/passkeys.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { openStore, type Store } from '../../src/store.js';
import { FIXTURE, ID, tool } from '../example.js';
import { withLedger } from '../ledger/with-ledger.js';
import { CLI, connect, type Session, sandboxEnv, startVendors, tempDir, textOf } from './harness.js';

// Passkeys on the approval page, end to end: the built server over stdio, `proxycart passkey
// add` as a person runs it, Debian's Chromium through playwright-core, and Chromium's virtual
// authenticator (DevTools WebAuthn domain) as the person's fingerprint reader or security key.
// Money is counted where it would be spent: the vendor simulator's money requests.

const CHROMIUM = '/usr/bin/chromium';
const ORDER = FIXTURE.order;
const PLACE = tool('place_order');

let browser: Browser;
let sandbox: Sandbox;
let home: string;
/** The test's own handle on the store the servers and the CLI share (to read records). */
let store: Store;
let session: Session;
let laptop: Device;

/** A browser profile with (or without) an authenticator: the person's device, or an agent's browser. */
interface Device {
  context: BrowserContext;
  tab: Page;
  cdp: CDPSession;
  authenticatorId?: string;
}

async function device(withAuthenticator = true): Promise<Device> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  // Without an authenticator: a computer with no fingerprint reader, security key or phone at hand.
  await cdp.send('WebAuthn.enable');
  if (!withAuthenticator) return { context, tab, cdp };
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { context, tab, cdp, authenticatorId };
}

const money = () => sandbox.vendors[ID]!.simulator.moneyRequests().length;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return sandboxEnv(sandbox, { PROXYCART_CONFIRM: 'page', PROXYCART_HOME: home, ...extra });
}

/** `proxycart ARGS` as a person runs it in a terminal: its stdout lines, and how it ended. */
function cli(args: string[], extra: Record<string, string> = {}) {
  const proc: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_OPEN_BROWSER: 'never', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  let firstLine: (line: string) => void;
  const first = new Promise<string>((resolve) => (firstLine = resolve));
  proc.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (stdout.push(line) === 1) firstLine(line);
  });
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; stdout: string[]; stderr: string }>((resolve) =>
    proc.on('exit', (code) => resolve({ code, stdout: [...stdout, ...(partial ? [partial] : [])], stderr })),
  );
  return { first, exited };
}

/** Opens an enrolment link on `device` and creates the passkey there. */
async function enrolOn(on: Device, url: string): Promise<void> {
  expect((await on.tab.goto(url))?.status()).toBe(200);
  await on.tab.click('button[value=enrol]');
  await on.tab.locator('#outcome').waitFor({ timeout: 15_000 });
  expect(await on.tab.locator('#outcome').textContent()).toBe('Passkey enrolled');
}

async function quote(on: Session = session): Promise<{ url: string; token: string; id: string }> {
  const quoted = await on.ok(PLACE, ORDER);
  expect(quoted.status).toBe('approval_required');
  const url = quoted.approval_url as string;
  return { url, token: quoted.confirmation_token, id: new URL(url).pathname.split('/')[2]! };
}

const confirm = (token: string, on: Session = session) => on.call(PLACE, { ...ORDER, confirmation_token: token });
const approval = async (id: string) => (await new Approvals(store).get(id))!;

/** What an agent's browser does: POST the page's own form from the page, without any passkey. */
function postFromPage(tab: Page, url: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  return tab.evaluate(
    async ([target, body]) => {
      const csrf = (document.querySelector('input[name=csrf]') as HTMLInputElement).value;
      const response = await fetch(target, { method: 'POST', body: new URLSearchParams({ csrf, ...body }) });
      return { status: response.status, text: await response.text() };
    },
    [url, fields] as const,
  );
}

/** Changes what the page is given for its WebAuthn request, as a tampered page (or a person who waits too long) would. */
async function alterOptions(tab: Page, change: (options: Record<string, unknown>) => void): Promise<void> {
  await tab.route('**/approve/*/passkey', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    change(body.options);
    await route.fulfill({ response, json: body });
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium); this test must not be skipped.`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  sandbox = await startVendors([ID]);
  home = tempDir('passkey');
  store = await openStore({ kind: 'sqlite', file: join(home, 'state.sqlite') });
  session = await connect({ env: env() });
  laptop = await device();
});

afterAll(async () => {
  await session?.close();
  await browser?.close();
  await store?.close();
  await sandbox?.close();
});

describe('enrolling and approving with a passkey', () => {
  it('before any passkey the page works as before and says how to enrol one', async () => {
    const { url, token } = await quote();
    const fresh = await device(false);
    await fresh.tab.goto(url);
    expect(await fresh.tab.locator('#passkey-hint').textContent()).toContain('proxycart passkey add');
    expect(await fresh.tab.locator('form[data-passkey]').count()).toBe(0);
    await fresh.tab.click('button[value=decline]');
    await fresh.tab.locator('#outcome').waitFor();
    expect((await confirm(token)).structuredContent).toMatchObject({ status: 'declined' });
    await fresh.context.close();
  });

  it('enrols through the one-time link of `proxycart passkey add`, then a real quote approved with user verification is placed once', async () => {
    const add = cli(['passkey', 'add', 'laptop']);
    const link = await add.first;
    expect(link).toMatch(/^http:\/\/localhost:\d+\/passkey\/[\w-]{22,}$/);
    await enrolOn(laptop, link);
    const done = await add.exited;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('enrolled the passkey laptop');
    // One link, one passkey: the used link is closed.
    expect((await laptop.tab.goto(link).catch(() => null))?.status() ?? 410).toBe(410);
    const listed = await cli(['passkey', 'list']).exited;
    expect(listed.stdout[0]).toMatch(/^laptop\t-\tlocalhost\tenrolled \S+\tnever used$/);
    const [stored] = await listPasskeys(store);
    expect(Object.keys(stored!).sort()).toEqual(['counter', 'createdAt', 'id', 'name', 'publicKey', 'rpId', 'transports']);

    const before = money();
    const { url, token, id } = await quote();
    const posts: string[] = [];
    laptop.tab.on('request', (r) => r.method() === 'POST' && posts.push(new URL(r.url()).pathname));
    await laptop.tab.goto(url);
    expect(await laptop.tab.locator('form[data-passkey=approve]').count()).toBe(1);
    await laptop.tab.click('button[value=approve]');
    await laptop.tab.locator('#outcome').waitFor({ timeout: 15_000 });
    expect(await laptop.tab.locator('#outcome').textContent()).toBe('Approved — you can go back to the chat');
    laptop.tab.removeAllListeners('request');
    // The page asked this server for the approval's challenge, then posted the signed answer with the form.
    expect(posts).toEqual([`/approve/${id}/passkey`, `/approve/${id}`]);
    const decided = await approval(id);
    expect(decided.approvedBy).toEqual({ passkey: 'laptop', at: decided.decidedAt });

    const placed = await confirm(token);
    expect(placed.structuredContent).toMatchObject({ status: 'placed' });
    expect(money() - before).toBe(1);
    expect((await confirm(token)).structuredContent).toMatchObject({ status: 'placed', replayed: true });
    expect(money() - before).toBe(1);
    // The receipt: in the ledger, and in proxycart_orders.
    const orders = await session.ok('proxycart_orders');
    const row = orders.orders.find((o: { order_id: string }) => o.order_id === (placed.structuredContent as { order: { id: string } }).order.id);
    expect(row.approved_by).toEqual({ passkey: 'laptop', at: new Date(decided.decidedAt!).toISOString() });
    const entry = await withLedger({ kind: 'sqlite', file: join(home, 'state.sqlite') }, (ledger) => ledger.byOrderId(ID, row.order_id));
    expect(entry?.approvedBy).toEqual({ passkey: 'laptop', at: decided.decidedAt });
    expect((await listPasskeys(store))[0]!.lastUsedAt).toBeTypeOf('number');
  });
});

describe('what cannot approve', () => {
  it('an authenticator that does not verify the user: the browser refuses, and the server refuses what a tampered page gets signed; 0 money requests', async () => {
    const before = money();
    const { url, token, id } = await quote();
    await laptop.cdp.send('WebAuthn.setUserVerified', { authenticatorId: laptop.authenticatorId!, isUserVerified: false });
    try {
      await laptop.tab.goto(url);
      await laptop.tab.click('button[value=approve]');
      await laptop.tab.locator('#passkey-status', { hasText: 'No passkey was used' }).waitFor({ timeout: 15_000 });
      expect(await approval(id)).toMatchObject({ state: 'pending', wrongPins: 0 });
      expect((await approval(id)).passkeyFailures).toBeUndefined();
      // An agent's browser that edits the request so the device need not verify anyone: signed, and refused.
      await alterOptions(laptop.tab, (options) => (options.userVerification = 'discouraged'));
      await laptop.tab.click('button[value=approve]');
      await laptop.tab.locator('#error').waitFor({ timeout: 15_000 });
      expect(await laptop.tab.locator('#error').textContent()).toMatch(/^The passkey was not accepted \(User verification required.*\)\. 4 attempts left/);
      expect(await approval(id)).toMatchObject({ state: 'pending', passkeyFailures: 1 });
    } finally {
      await laptop.tab.unrouteAll();
      await laptop.cdp.send('WebAuthn.setUserVerified', { authenticatorId: laptop.authenticatorId!, isUserVerified: true });
    }
    expect((await confirm(token)).structuredContent).toMatchObject({ status: 'approval_required' });
    expect(money() - before).toBe(0);
  });

  it('no authenticator at all, and the page driven by script without a passkey (an agent’s browser): refused, 0 money requests', async () => {
    const before = money();
    const { url, token, id } = await quote();
    const agent = await device(false);
    // Nothing answers the browser's request; it gives up when its time is over (shortened here).
    await alterOptions(agent.tab, (options) => (options.timeout = 1_000));
    await agent.tab.goto(url);
    await agent.tab.click('button[value=approve]');
    await agent.tab.locator('#passkey-status', { hasText: 'No passkey was used' }).waitFor({ timeout: 30_000 });
    expect((await approval(id)).state).toBe('pending');
    // The agent posts the form itself, past the page's script.
    const forced = await postFromPage(agent.tab, url, { decision: 'approve' });
    expect(forced.status).toBe(403);
    expect(forced.text).toContain('Approving needs your passkey, and none was used.');
    const garbage = await postFromPage(agent.tab, url, {
      decision: 'approve',
      passkey: '{"id":"x","rawId":"x","response":{}}',
      passkey_challenge: 'A'.repeat(43),
    });
    expect(garbage.status).toBe(403);
    expect(await approval(id)).toMatchObject({ state: 'pending', passkeyFailures: 2 });
    expect((await confirm(token)).structuredContent).toMatchObject({ status: 'approval_required' });
    expect(money() - before).toBe(0);
    await agent.context.close();
  });

  it('an assertion made for approval A does not decide approval B', async () => {
    const before = money();
    const a = await quote();
    const b = await quote();
    // The person signs A; the signed form is caught on its way (and never reaches the server).
    let captured = '';
    await laptop.tab.route(`**/approve/${a.id}`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      captured = route.request().postData() ?? '';
      await route.abort();
    });
    await laptop.tab.goto(a.url);
    await laptop.tab.click('button[value=approve]');
    await expect.poll(() => captured, { timeout: 15_000 }).toContain('passkey=');
    await laptop.tab.unrouteAll();
    const signed = new URLSearchParams(captured);
    // Sent to B with B's own csrf, from B's page.
    await laptop.tab.goto(b.url);
    const onB = await postFromPage(laptop.tab, b.url, {
      decision: 'approve',
      passkey: signed.get('passkey')!,
      passkey_challenge: signed.get('passkey_challenge')!,
    });
    expect(onB.status).toBe(403);
    expect(onB.text).toContain('was not made for this approval');
    expect(await approval(b.id)).toMatchObject({ state: 'pending', passkeyFailures: 1 });
    expect((await approval(a.id)).state).toBe('pending');
    for (const token of [a.token, b.token]) expect((await confirm(token)).structuredContent).toMatchObject({ status: 'approval_required' });
    expect(money() - before).toBe(0);
  });

  it('a used assertion cannot be replayed: not on its own approval, not on another, not even to the verifier', async () => {
    const before = money();
    const a = await quote();
    let sent = '';
    await laptop.tab.route(`**/approve/${a.id}`, async (route) => {
      if (route.request().method() === 'POST') sent = route.request().postData() ?? '';
      await route.continue();
    });
    await laptop.tab.goto(a.url);
    await laptop.tab.click('button[value=approve]');
    await laptop.tab.locator('#outcome').waitFor({ timeout: 15_000 });
    await laptop.tab.unrouteAll();
    expect((await confirm(a.token)).structuredContent).toMatchObject({ status: 'placed' });
    expect(money() - before).toBe(1);
    const decided = await approval(a.id);
    const signed = new URLSearchParams(sent);
    const fields = { decision: 'approve', passkey: signed.get('passkey')!, passkey_challenge: signed.get('passkey_challenge')! };

    // Replayed to the same approval: it is decided, and stays as it was.
    await laptop.tab.goto(a.url);
    const again = await laptop.tab.evaluate(async ([target, body]) => (await fetch(target, { method: 'POST', body: new URLSearchParams(body) })).status, [
      a.url,
      { ...fields, csrf: decided.csrf },
    ] as const);
    expect(again).toBe(409);
    expect(await approval(a.id)).toEqual(decided);
    // Replayed to a new approval of the same order.
    const b = await quote();
    await laptop.tab.goto(b.url);
    const onB = await postFromPage(laptop.tab, b.url, fields);
    expect(onB.status).toBe(403);
    expect(await approval(b.id)).toMatchObject({ state: 'pending', passkeyFailures: 1 });
    // And the verifier itself: its challenge was used up when it approved A.
    const passkeys = await listPasskeys(store);
    const origin = new URL(a.url).origin;
    const pending: ApprovalRecord = { ...decided, state: 'pending' };
    await expect(verifyApproval(store, pending, origin, passkeys, fields.passkey_challenge, fields.passkey)).rejects.toThrow(PasskeyRefusal);
    await expect(verifyApproval(store, pending, origin, passkeys, fields.passkey_challenge, fields.passkey)).rejects.toThrow(/used before/);
    expect((await confirm(b.token)).structuredContent).toMatchObject({ status: 'approval_required' });
    expect(money() - before).toBe(1);
  });

  it('an expired enrolment link is refused and enrols nothing', async () => {
    const add = cli(['passkey', 'add', 'late']);
    const link = new URL(await add.first);
    const id = link.pathname.split('/')[2]!;
    // Ten minutes pass.
    await store.update<Enrolment>(`passkey-enrolment:${id}`, (open) => open && { ...open, expiresAt: Date.now() - 1 }, 60 * 60 * 1000);
    const done = await add.exited;
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('This enrolment link has expired');
    // The MCP server's own page serves enrolment links too (same store): it refuses this one.
    const { url } = await quote();
    const late = await device();
    const page = await late.tab.goto(`${new URL(url).origin}/passkey/${id}`);
    expect(page?.status()).toBe(410);
    expect(await late.tab.locator('#outcome').textContent()).toBe('Enrolment link closed');
    const options = await late.tab.evaluate(
      async (target) => (await fetch(target, { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) })).status,
      `${page!.url()}/options`,
    );
    expect(options).toBe(410);
    expect((await listPasskeys(store)).map((p) => p.name)).toEqual(['laptop']);
    await late.context.close();
  });

  it('five failed passkey attempts void the approval; nothing is placed', async () => {
    const before = money();
    const { url, token, id } = await quote();
    const agent = await device(false);
    await agent.tab.goto(url);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const reply = await postFromPage(agent.tab, url, { decision: 'approve' });
      expect(reply.status).toBe(attempt < 5 ? 403 : 410);
      if (attempt === 5) expect(reply.text).toContain('Void: too many failed passkey attempts');
    }
    expect(await approval(id)).toMatchObject({ state: 'void', passkeyFailures: 5 });
    // The person's passkey comes too late: void is final.
    await laptop.tab.goto(url);
    expect(await laptop.tab.locator('#outcome').textContent()).toBe('Void: too many failed passkey attempts');
    const refused = await confirm(token);
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^policy: This approval was voided after five failed passkey attempts/);
    expect(money() - before).toBe(0);
    await agent.context.close();
  });
});

describe('PROXYCART_APPROVAL_PASSKEY and the other channels', () => {
  it('Decline needs no passkey', async () => {
    const { url, token, id } = await quote();
    const nobody = await device(false);
    await nobody.tab.goto(url);
    await nobody.tab.click('button[value=decline]');
    await nobody.tab.locator('#outcome').waitFor();
    expect(await nobody.tab.locator('#outcome').textContent()).toBe('Declined — you can go back to the chat');
    expect((await approval(id)).state).toBe('declined');
    expect((await confirm(token)).structuredContent).toMatchObject({ status: 'declined' });
    await nobody.context.close();
  });

  it('`required` with nothing enrolled: the page explains how to enrol, and nothing is placed', async () => {
    const elsewhere = tempDir('passkey-required');
    const strict = await connect({ env: env({ PROXYCART_HOME: elsewhere, PROXYCART_APPROVAL_PASSKEY: 'required' }) });
    try {
      const before = money();
      const { url, token } = await quote(strict);
      const person = await device();
      await person.tab.goto(url);
      expect(await person.tab.locator('#passkey-missing').textContent()).toContain('proxycart passkey add');
      expect(await person.tab.locator('button[value=approve]').count()).toBe(0);
      const forced = await postFromPage(person.tab, url, { decision: 'approve' });
      expect(forced.status).toBe(403);
      expect(forced.text).toContain('none is enrolled for this page');
      expect((await confirm(token, strict)).structuredContent).toMatchObject({ status: 'approval_required' });
      await person.tab.click('button[value=decline]');
      await person.tab.locator('#outcome').waitFor();
      expect((await confirm(token, strict)).structuredContent).toMatchObject({ status: 'declined' });
      expect(money() - before).toBe(0);
      await person.context.close();
    } finally {
      await strict.close();
    }
  });

  it('`off`: today’s page, even with a passkey enrolled; the receipt says when, and no passkey', async () => {
    const relaxed = await connect({ env: env({ PROXYCART_APPROVAL_PASSKEY: 'off' }) });
    try {
      const before = money();
      const { url, token, id } = await quote(relaxed);
      const anyone = await device(false);
      await anyone.tab.goto(url);
      expect(await anyone.tab.locator('form[data-passkey]').count()).toBe(0);
      expect(await anyone.tab.locator('#passkey-hint').count()).toBe(0);
      await anyone.tab.click('button[value=approve]');
      await anyone.tab.locator('#outcome').waitFor();
      expect((await confirm(token, relaxed)).structuredContent).toMatchObject({ status: 'placed' });
      expect(money() - before).toBe(1);
      expect((await approval(id)).approvedBy).toEqual({ at: (await approval(id)).decidedAt });
      await anyone.context.close();
    } finally {
      await relaxed.close();
    }
  });

  it('with a passkey enrolled, a client with confirmation forms is sent to the page: a form cannot stand in for a passkey', async () => {
    let forms = 0;
    const withForms = await connect({
      env: env({ PROXYCART_CONFIRM: 'auto' }),
      elicit: () => {
        forms += 1;
        return { action: 'accept', content: { confirm: true } };
      },
    });
    try {
      const before = money();
      const quoted = await withForms.ok(PLACE, ORDER);
      expect(quoted.status).toBe('approval_required');
      expect(forms).toBe(0);
      expect(money() - before).toBe(0);
    } finally {
      await withForms.close();
    }
  });
});
