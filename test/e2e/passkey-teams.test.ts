import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPasskeys } from '../../src/approval/passkeys.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { openStore, type Store } from '../../src/store.js';
import { FIXTURE, ID, tool } from '../example.js';
import { withLedger } from '../ledger/with-ledger.js';
import { CLI, sandboxEnv, startVendors, tempDir } from './harness.js';
import { connectHttp, freePort, type HttpNodeProcess, type HttpSession, startNode } from './http-harness.js';

// Teams: `proxycart serve --http` with two clients from a tokens file, each with a person who
// enrolled their own passkey through the link `proxycart token add NAME --passkey` printed.
// Each approval is attributed to the right person, in the ledger and in proxycart_orders.

const CHROMIUM = '/usr/bin/chromium';
const ORDER = FIXTURE.order;
const PLACE = tool('place_order');

interface Person {
  name: string;
  token: string;
  client: HttpSession;
  context: BrowserContext;
  tab: Page;
}

let browser: Browser;
let sandbox: Sandbox;
let node: HttpNodeProcess;
let store: Store;
let home: string;
let publicUrl: string;
const people: Record<string, Person> = {};

const money = () => sandbox.vendors[ID]!.simulator.moneyRequests().length;

/** `proxycart token add NAME --passkey`, as an admin runs it: the token (stdout) and the enrolment link (stderr). */
async function tokenWithPasskey(name: string, tokensFile: string): Promise<{ token: string; link: string }> {
  const proc = spawn(process.execPath, [CLI, 'token', 'add', name, '--scopes', 'proxycart:read,proxycart:spend', '--file', tokensFile, '--passkey'], {
    env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_PUBLIC_URL: publicUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  expect(code, stderr).toBe(0);
  const link = /^(http:\/\/\S+\/passkey\/[\w-]+)$/m.exec(stderr)?.[1];
  expect(link, stderr).toBeDefined();
  return { token: stdout.trim(), link: link! };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium); this test must not be skipped.`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  sandbox = await startVendors([ID]);
  home = tempDir('passkey-team');
  const port = await freePort();
  publicUrl = `http://localhost:${port}`;
  const tokensFile = join(home, 'tokens');
  const issued = { alice: await tokenWithPasskey('alice', tokensFile), bob: await tokenWithPasskey('bob', tokensFile) };
  node = await startNode(
    sandboxEnv(sandbox, {
      PROXYCART_HOME: home,
      PROXYCART_CONFIRM: 'page',
      PROXYCART_HTTP_TOKENS_FILE: tokensFile,
      PROXYCART_PUBLIC_URL: publicUrl,
      PROXYCART_HTTP_PORT: String(port),
    }),
  );
  store = await openStore({ kind: 'sqlite', file: join(home, 'state.sqlite') });
  for (const [name, { token, link }] of Object.entries(issued)) {
    expect(link.startsWith(`${publicUrl}/passkey/`)).toBe(true);
    const context = await browser.newContext();
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    // Each person enrols on the team's server, on their own device.
    expect((await tab.goto(link))?.status()).toBe(200);
    expect(await tab.locator('#identity').textContent()).toBe(`token:${name}`);
    await tab.click('button[value=enrol]');
    await tab.locator('#outcome').waitFor({ timeout: 15_000 });
    expect(await tab.locator('#outcome').textContent()).toBe('Passkey enrolled');
    people[name] = { name, token, client: await connectHttp([node.url], token), context, tab };
  }
});

afterAll(async () => {
  for (const person of Object.values(people)) await person.client.close();
  node?.kill('SIGTERM');
  await node?.exited;
  await browser?.close();
  await store?.close();
  await sandbox?.close();
});

/** A quote by `person`'s client, approved on the team's page by `person` with their passkey, then placed. */
async function orderApprovedBy(person: Person): Promise<{ orderId: string; approvalId: string }> {
  const quoted = await person.client.ok(PLACE, ORDER);
  expect(quoted.status).toBe('approval_required');
  expect(quoted.approval_url.startsWith(`${publicUrl}/approve/`)).toBe(true);
  await person.tab.goto(quoted.approval_url);
  await person.tab.click('button[value=approve]');
  await person.tab.locator('#outcome').waitFor({ timeout: 15_000 });
  expect(await person.tab.locator('#outcome').textContent()).toBe('Approved — you can go back to the chat');
  const placed = await person.client.ok(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token });
  expect(placed.status).toBe('placed');
  return { orderId: placed.order.id, approvalId: new URL(quoted.approval_url).pathname.split('/')[2]! };
}

describe('teams: each identity approves with its own passkey', () => {
  it('enrolled two passkeys, each for its identity, with nothing secret in the store', async () => {
    const passkeys = await listPasskeys(store);
    expect(passkeys.map((p) => [p.name, p.identity, p.rpId])).toEqual([
      ['alice', 'token:alice', 'localhost'],
      ['bob', 'token:bob', 'localhost'],
    ]);
    const everything = JSON.stringify(await store.entries(''));
    for (const person of Object.values(people)) expect(everything).not.toContain(person.token);
  });

  it('bob’s passkey cannot approve alice’s order; nothing changes and nothing is spent', async () => {
    const before = money();
    const { alice, bob } = people;
    const quoted = await alice!.client.ok(PLACE, ORDER);
    // Only alice's passkey is asked for: bob's device has none that fits, and gives up.
    await bob!.tab.route('**/approve/*/passkey', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      expect(body.options.allowCredentials).toHaveLength(1);
      body.options.timeout = 1_000;
      await route.fulfill({ response, json: body });
    });
    await bob!.tab.goto(quoted.approval_url);
    await bob!.tab.click('button[value=approve]');
    await bob!.tab.locator('#passkey-status', { hasText: 'No passkey was used' }).waitFor({ timeout: 30_000 });
    await bob!.tab.unrouteAll();
    expect((await alice!.client.ok(PLACE, { ...ORDER, confirmation_token: quoted.confirmation_token })).status).toBe('approval_required');
    expect(money() - before).toBe(0);
  });

  it('each approval is attributed to the right identity, in the ledger and in proxycart_orders', async () => {
    const before = money();
    const { alice, bob } = people;
    const ofAlice = await orderApprovedBy(alice!);
    const ofBob = await orderApprovedBy(bob!);
    expect(money() - before).toBe(2);

    const [entryOfAlice, entryOfBob] = await withLedger({ kind: 'sqlite', file: join(home, 'state.sqlite') }, (ledger) =>
      Promise.all([ledger.byOrderId(ID, ofAlice.orderId), ledger.byOrderId(ID, ofBob.orderId)]),
    );
    expect(entryOfAlice).toMatchObject({ identity: 'token:alice', approvedBy: { passkey: 'alice', identity: 'token:alice' } });
    expect(entryOfBob).toMatchObject({ identity: 'token:bob', approvedBy: { passkey: 'bob', identity: 'token:bob' } });

    for (const [person, own, other] of [
      [alice!, ofAlice, ofBob],
      [bob!, ofBob, ofAlice],
    ] as const) {
      const { orders } = await person.client.ok('proxycart_orders');
      const row = orders.find((o: { order_id: string }) => o.order_id === own.orderId);
      expect(row.approved_by).toEqual({
        passkey: person.name,
        identity: `token:${person.name}`,
        at: new Date((own === ofAlice ? entryOfAlice : entryOfBob)!.approvedBy!.at).toISOString(),
      });
      // A client sees its own orders only.
      expect(orders.some((o: { order_id: string }) => o.order_id === other.orderId)).toBe(false);
    }
  });
});
