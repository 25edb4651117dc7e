import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalDetails, type ApprovalRecord, Approvals, MAX_WRONG_PINS } from '../../src/approval/approvals.js';
import { type ApprovalPage, createApprovalHandler, startApprovalPage } from '../../src/approval/page.js';
import { createEnrolment, type PasskeyRecord } from '../../src/approval/passkeys.js';
import { openStore, type Store } from '../../src/store.js';
import { DETAILS } from '../approval-details.js';

// The approval page driven as a browser would: GET the page over real HTTP, read its form,
// POST it back, with the headers a browser sends (Host, Origin, urlencoded body). Every
// attack must be refused and leave the approval as it was.

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Send {
  method?: string;
  /** Header values; undefined leaves a header out (Host is sent unless given as undefined). */
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
}

/** Every body the tests received, to check that the PIN never appears in one. */
const bodies: string[] = [];

function send(url: string, options: Send = {}): Promise<Reply> {
  const target = new URL(url);
  const headers: Record<string, string> = { host: target.host };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  if (options.body !== undefined && !options.chunked) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: options.method ?? 'GET', path: target.pathname + target.search, headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          bodies.push(body, JSON.stringify(res.headers));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunked && options.body !== undefined) {
      // Several writes: the server sees the size only as the chunks arrive.
      for (let at = 0; at < options.body.length; at += 1024) req.write(options.body.slice(at, at + 1024));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

interface ParsedForm {
  method: string;
  action: string;
  fields: Array<{ type: string; name: string; value: string }>;
  buttons: Array<{ name: string; value: string }>;
}

const decodeEntities = (s: string) =>
  s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-z-]+)="([^"]*)"/g)) out[m[1]] = decodeEntities(m[2]);
  return out;
}

/** The page's one form, read the way a browser reads it. */
function parseForm(html: string): ParsedForm {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  expect(forms).toHaveLength(1);
  const [, attrs, inner] = forms[0];
  const form = attributes(attrs);
  return {
    method: form.method,
    action: form.action,
    fields: [...inner.matchAll(/<input\b([^>]*)>/g)].map((m) => attributes(m[1])).map((a) => ({ type: a.type, name: a.name, value: a.value ?? '' })),
    buttons: [...inner.matchAll(/<button\b([^>]*)>/g)].map((m) => attributes(m[1])).map((a) => ({ name: a.name, value: a.value })),
  };
}

/** Submits the form as a browser does when the person presses `decision`. */
function submit(
  pageUrl: string,
  form: ParsedForm,
  decision: string,
  extra: { pin?: string; headers?: Record<string, string | undefined>; fields?: Record<string, string | undefined> } = {},
): Promise<Reply> {
  const body = new URLSearchParams();
  for (const field of form.fields) {
    if (field.type === 'hidden' && !(field.name in (extra.fields ?? {}))) body.append(field.name, field.value);
    if (field.type === 'password' && extra.pin !== undefined) body.append(field.name, extra.pin);
  }
  for (const [name, value] of Object.entries(extra.fields ?? {})) if (value !== undefined) body.append(name, value);
  const button = form.buttons.find((b) => b.value === decision);
  body.append(button?.name ?? 'decision', decision);
  const target = new URL(form.action, pageUrl);
  return send(target.href, {
    method: 'POST',
    headers: { origin: target.origin, 'content-type': 'application/x-www-form-urlencoded', ...extra.headers },
    body: body.toString(),
  });
}

function expectSecurityHeaders(reply: Reply): void {
  const csp = String(reply.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  // The passkey script may ask this server (and no other) for its challenge.
  expect(csp).toContain("connect-src 'self';");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]{16,}'/);
  expect(csp).not.toContain('unsafe-inline');
  expect(reply.headers['x-frame-options']).toBe('DENY');
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
  // Everything inline carries the response's nonce; nothing is loaded from elsewhere.
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  for (const m of reply.body.matchAll(/<(style|script)\b([^>]*)>/g)) expect(attributes(m[2]).nonce).toBe(nonce);
  expect(reply.body).not.toMatch(/<[^>]*\s(src|href)=/);
  expect(reply.body).not.toMatch(/<[^>]*\s(style|on[a-z]+)=/);
}

const PIN = '739164';

let store: Store;
let approvals: Approvals;
let open: ApprovalPage;
let pinned: ApprovalPage;
const decided: ApprovalRecord[] = [];

beforeAll(async () => {
  store = await openStore({ kind: 'memory' });
  approvals = new Approvals(store);
  open = await startApprovalPage({ approvals, onDecision: (r) => void decided.push(r) });
  pinned = await startApprovalPage({ approvals, pin: PIN, onDecision: (r) => void decided.push(r) });
});

afterAll(async () => {
  await open?.close();
  await pinned?.close();
  await store?.close();
});

async function fresh(details: Partial<ApprovalDetails> = {}, ttlMs = 10 * 60 * 1000): Promise<ApprovalRecord> {
  return approvals.create(`q-${Math.random()}`, { ...DETAILS, ...details }, Date.now() + ttlMs);
}

/** The approval exactly as created: nothing decided, no PIN counted, nobody told. */
async function expectUnchanged(record: ApprovalRecord): Promise<void> {
  expect(await approvals.get(record.id)).toEqual(record);
  expect(decided.filter((d) => d.id === record.id)).toEqual([]);
}

describe('the approval page shows what is approved', () => {
  it('renders vendor, what, total, balances, caps, every warning (the first prominent), the sandbox badge and the deadline', async () => {
    const record = await fresh({ warnings: ['An earlier order of this kind has an unknown outcome: check it first.', 'The wallet is low.', 'Second note.'] });
    const url = open.urlFor(record.id);
    expect(url).toBe(`${open.origin}/approve/${record.id}`);
    // localhost, not 127.0.0.1: WebAuthn refuses an IP address as relying party (passkeys).
    expect(open.origin).toMatch(/^http:\/\/localhost:\d+$/);
    const page = await send(url);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    // Under the header's no-referrer a browser would post `Origin: null`; the form page
    // narrows its own policy to same-origin (approval-browser.test.ts checks the Origin sent).
    expect(page.body).toContain('<meta name="referrer" content="same-origin">');
    expect(page.body).toContain(`<dd id="vendor">${DETAILS.vendor}</dd>`);
    expect(page.body).toMatch(/<dd id="summary">5 GB residential, US<\/dd>/);
    expect(page.body).toMatch(/id="total">12\.50 USD</);
    expect(page.body).toMatch(/id="balance">100\.00 USD</);
    expect(page.body).toMatch(/id="balance-after">87\.50 USD</);
    expect(page.body).toMatch(/id="max-order">50\.00 USD</);
    expect(page.body).toMatch(/id="budget-left">200\.00 USD</);
    expect(page.body).toContain('Sandbox: play money');
    expect(page.body).toMatch(/<p class="alert" role="alert" id="first-warning">An earlier order of this kind has an unknown outcome: check it first\.<\/p>/);
    expect(page.body).toContain('<li>The wallet is low.</li><li>Second note.</li>');
    expect(page.body).toContain(`datetime="${new Date(record.expiresAt).toISOString()}"`);
    expect(page.body).toMatch(/\(\d+ min \d+ s left\)/);

    const form = parseForm(page.body);
    expect(form.method).toBe('post');
    expect(form.action).toBe(`/approve/${record.id}`);
    expect(form.fields).toEqual([{ type: 'hidden', name: 'csrf', value: record.csrf }]);
    expect(form.buttons).toEqual([
      { name: 'decision', value: 'approve' },
      { name: 'decision', value: 'decline' },
    ]);
    await expectUnchanged(record);
  });

  it('marks live orders and an unknown price, and escapes every value it shows', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror="y">&amp;';
    const record = await fresh({
      sandbox: false,
      vendor: `Nova${hostile}`,
      summary: hostile,
      warnings: [hostile, `"${hostile}'`],
      total_usd: null,
      balance_after_usd: null,
      price_source: 'unknown',
    });
    const page = await send(open.urlFor(record.id));
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.body).toContain('Live: real money');
    expect(page.body).not.toContain('Sandbox: play money');
    expect(page.body).toMatch(/id="total">Not known until the order is placed</);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;y&quot;&gt;&amp;amp;');
  });
});

describe('deciding on the page', () => {
  it('approves: the outcome page, the record approved with its time, the listener told once', async () => {
    const record = await fresh();
    const url = open.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    const reply = await submit(url, form, 'approve');
    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.body).toContain('Approved — you can go back to the chat');
    expect(reply.body).not.toContain('<form');
    const stored = await approvals.get(record.id);
    expect(stored).toMatchObject({ state: 'approved' });
    expect(stored?.decidedAt).toBeTypeOf('number');
    await expect.poll(() => decided.filter((d) => d.id === record.id)).toEqual([stored]);
    // Reloading shows the outcome, not the form.
    const again = await send(url);
    expect(again.status).toBe(200);
    expect(again.body).toContain('Approved — you can go back to the chat');
    expect(again.body).not.toContain('<form');
  });

  it('declines', async () => {
    const record = await fresh();
    const url = open.urlFor(record.id);
    const reply = await submit(url, parseForm((await send(url)).body), 'decline');
    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.body).toContain('Declined — you can go back to the chat');
    expect((await approvals.get(record.id))?.state).toBe('declined');
    await expect.poll(() => decided.filter((d) => d.id === record.id).map((d) => d.state)).toEqual(['declined']);
  });
});

describe('attacks are refused and change nothing', () => {
  const attacks: Array<[string, number, (url: string, form: ParsedForm) => Promise<Reply>]> = [
    ['no csrf', 403, (url, form) => submit(url, form, 'approve', { fields: { csrf: undefined } })],
    ['a wrong csrf', 403, (url, form) => submit(url, form, 'approve', { fields: { csrf: 'A'.repeat(43) } })],
    ['an empty csrf', 403, (url, form) => submit(url, form, 'approve', { fields: { csrf: '' } })],
    ['a foreign Origin', 403, (url, form) => submit(url, form, 'approve', { headers: { origin: 'http://evil.example' } })],
    [
      'the same port under another name in Origin',
      403,
      (url, form) => submit(url, form, 'approve', { headers: { origin: new URL(url).origin.replace('localhost', '127.0.0.1') } }),
    ],
    ['a missing Origin', 403, (url, form) => submit(url, form, 'approve', { headers: { origin: undefined } })],
    ['Origin: null', 403, (url, form) => submit(url, form, 'approve', { headers: { origin: 'null' } })],
    ['a foreign Host (DNS rebinding)', 403, (url, form) => submit(url, form, 'approve', { headers: { host: `evil.example:${new URL(url).port}` } })],
    // The page listens on 127.0.0.1 but answers only to its own name, localhost.
    ['Host: 127.0.0.1', 403, (url, form) => submit(url, form, 'approve', { headers: { host: `127.0.0.1:${new URL(url).port}` } })],
    [
      'a JSON body',
      415,
      (url, form) =>
        send(url, {
          method: 'POST',
          headers: { origin: new URL(url).origin, 'content-type': 'application/json' },
          body: JSON.stringify({ csrf: form.fields[0].value, decision: 'approve' }),
        }),
    ],
    ['a body over 4 KB', 413, (url, form) => submit(url, form, 'approve', { fields: { padding: 'x'.repeat(5000) } })],
    [
      'a chunked body over 4 KB',
      413,
      (url, form) =>
        send(url, {
          method: 'POST',
          chunked: true,
          headers: { origin: new URL(url).origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: `csrf=${form.fields[0].value}&decision=approve&padding=${'x'.repeat(64_000)}`,
        }),
    ],
    ['two decisions at once', 400, (url, form) => submit(url, form, 'decline', { fields: { decision: 'approve' } })],
    ['an unknown decision', 400, (url, form) => submit(url, form, 'yes')],
    ['a PUT', 405, (url) => send(url, { method: 'PUT', headers: { origin: new URL(url).origin } })],
    ['a GET with the decision in the query', 200, (url, form) => send(`${url}?csrf=${form.fields[0].value}&decision=approve`)],
  ];

  for (const [name, status, attack] of attacks) {
    it(`a POST/request with ${name} → ${status}`, async () => {
      const record = await fresh();
      const url = open.urlFor(record.id);
      const form = parseForm((await send(url)).body);
      const reply = await attack(url, form);
      expect(reply.status).toBe(status);
      expectSecurityHeaders(reply);
      if (status !== 200) expect(reply.body).not.toContain(record.csrf);
      await expectUnchanged(record);
      // The real form still works afterwards: nothing was used up.
      expect((await submit(url, form, 'decline')).status).toBe(200);
    });
  }

  it('a POST without Host is refused by node:http itself (400)', async () => {
    const record = await fresh();
    const url = open.urlFor(record.id);
    const reply = await submit(url, parseForm((await send(url)).body), 'approve', { headers: { host: undefined } });
    expect(reply.status).toBe(400);
    await expectUnchanged(record);
  });

  it('a GET with a foreign Host cannot read the page (and its csrf)', async () => {
    const record = await fresh();
    const reply = await send(open.urlFor(record.id), { headers: { host: `evil.example:${new URL(open.origin).port}` } });
    expect(reply.status).toBe(403);
    expectSecurityHeaders(reply);
    expect(reply.body).not.toContain(record.csrf);
    await expectUnchanged(record);
  });

  it('a replayed POST after the decision is refused (409) and the decision stands', async () => {
    const record = await fresh();
    const url = open.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    expect((await submit(url, form, 'approve')).status).toBe(200);
    const after = await approvals.get(record.id);
    for (const decision of ['approve', 'decline']) {
      const replay = await submit(url, form, decision);
      expect(replay.status).toBe(409);
      expectSecurityHeaders(replay);
      expect(replay.body).toContain('Already approved');
    }
    expect(await approvals.get(record.id)).toEqual(after);
    await expect.poll(() => decided.filter((d) => d.id === record.id)).toHaveLength(1);
  });

  it('unknown approvals and paths are 404, on GET and POST', async () => {
    const record = await fresh();
    const form = parseForm((await send(open.urlFor(record.id))).body);
    const unknown = open.urlFor('AAAAAAAAAAAAAAAAAAAAAAAA');
    for (const reply of [
      await send(unknown),
      await submit(unknown, { ...form, action: '/approve/AAAAAAAAAAAAAAAAAAAAAAAA' }, 'approve'),
      await send(`${open.origin}/approve/..%2F..%2Fetc`),
      await send(`${open.origin}/`),
    ]) {
      expect(reply.status).toBe(404);
      expectSecurityHeaders(reply);
    }
    await expectUnchanged(record);
  });

  it('an expired approval is refused (410) with a clear page, on GET and POST', async () => {
    const record = await fresh({}, 300);
    const url = open.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    await new Promise((r) => setTimeout(r, 350));
    const page = await send(url);
    expect(page.status).toBe(410);
    expectSecurityHeaders(page);
    expect(page.body).toContain('Expired');
    expect(page.body).not.toContain('<form');
    const post = await submit(url, form, 'approve');
    expect(post.status).toBe(410);
    expect(post.body).toContain('Expired');
    expect(await approvals.get(record.id)).toEqual({ ...record, state: 'expired' });
    expect(decided.filter((d) => d.id === record.id)).toEqual([]);
  });
});

describe('with an approval PIN', () => {
  it('asks for the PIN in the form, and approves with the right one', async () => {
    const record = await fresh();
    const url = pinned.urlFor(record.id);
    const page = await send(url);
    const form = parseForm(page.body);
    expect(form.fields).toEqual([
      { type: 'hidden', name: 'csrf', value: record.csrf },
      { type: 'password', name: 'pin', value: '' },
    ]);
    const reply = await submit(url, form, 'approve', { pin: PIN });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Approved — you can go back to the chat');
    expect((await approvals.get(record.id))?.state).toBe('approved');
  });

  it('declines without a PIN', async () => {
    const record = await fresh();
    const url = pinned.urlFor(record.id);
    const reply = await submit(url, parseForm((await send(url)).body), 'decline');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Declined — you can go back to the chat');
    expect(await approvals.get(record.id)).toMatchObject({ state: 'declined', wrongPins: 0 });
  });

  it(`counts a missing or wrong PIN as a wrong attempt; the ${MAX_WRONG_PINS}th voids the approval for good`, async () => {
    const record = await fresh();
    const url = pinned.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    const missing = await submit(url, form, 'approve');
    expect(missing.status).toBe(403);
    expectSecurityHeaders(missing);
    expect(missing.body).toContain('Enter the PIN to approve. 4 attempts left');
    expect(await approvals.get(record.id)).toMatchObject({ state: 'pending', wrongPins: 1 });
    for (const [n, wrong] of ['000000', `${PIN}0`, PIN.slice(0, 5), ''].entries()) {
      const reply = await submit(url, form, 'approve', { pin: wrong });
      if (n < 3) {
        expect(reply.status).toBe(403);
        expect(reply.body).toContain(`${MAX_WRONG_PINS - 2 - n} attempt`);
        expect(parseForm(reply.body).fields[0].value).toBe(record.csrf);
      } else {
        expect(reply.status).toBe(410);
        expect(reply.body).toContain('Void: too many wrong PINs');
      }
    }
    expect(await approvals.get(record.id)).toMatchObject({ state: 'void', wrongPins: MAX_WRONG_PINS });
    await expect.poll(() => decided.filter((d) => d.id === record.id).map((d) => d.state)).toEqual(['void']);
    // Void is final, even with the right PIN now.
    const late = await submit(url, form, 'approve', { pin: PIN });
    expect(late.status).toBe(410);
    expect((await approvals.get(record.id))?.state).toBe('void');
    expect((await send(url)).status).toBe(410);
  });

  it('a wrong PIN from a refused request (bad csrf) is not even counted', async () => {
    const record = await fresh();
    const url = pinned.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    expect((await submit(url, form, 'approve', { pin: '1', fields: { csrf: 'nope' } })).status).toBe(403);
    await expectUnchanged(record);
  });

  it('the PIN never appears in a response or in the store', async () => {
    const record = await fresh();
    const url = pinned.urlFor(record.id);
    const form = parseForm((await send(url)).body);
    await submit(url, form, 'approve', { pin: `${PIN}${PIN}` });
    await submit(url, form, 'approve', { pin: PIN });
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(PIN);
    const stored = JSON.stringify(await store.entries(''));
    expect(stored).toContain(record.id);
    expect(stored).not.toContain(PIN);
  });
});

describe('mounted in another server', () => {
  it('answers /approve/* and leaves every other path to its host', async () => {
    let origin = '';
    const handle = createApprovalHandler({ approvals, origin: () => origin });
    const server = createServer(async (req, res) => {
      if (!(await handle(req, res))) res.end('host server');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await send(`${origin}/healthz`)).body).toBe('host server');
      const record = await fresh();
      const url = `${origin}/approve/${record.id}`;
      const reply = await submit(url, parseForm((await send(url)).body), 'approve');
      expect(reply.status).toBe(200);
      expect((await approvals.get(record.id))?.state).toBe('approved');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('passkey routes keep the same guards', () => {
  let guarded: ApprovalPage;
  let passkeyStore: Store;

  beforeAll(async () => {
    passkeyStore = await openStore({ kind: 'memory' });
    // One enrolled passkey: Approve needs it (its key is never used here: no ceremony runs).
    const enrolled: PasskeyRecord = { id: 'cred-laptop', publicKey: 'AA', counter: 0, name: 'laptop', rpId: 'localhost', createdAt: Date.now() };
    await passkeyStore.set(`passkey:${enrolled.id}`, enrolled);
    guarded = await startApprovalPage({ approvals: new Approvals(passkeyStore), passkeys: { mode: 'auto', store: passkeyStore } });
  });

  afterAll(async () => {
    await guarded?.close();
    await passkeyStore?.close();
  });

  it('the approval page with a passkey: same headers, the script inline under the nonce, two empty fields for the signed answer', async () => {
    const record = await new Approvals(passkeyStore).create(`q-${Math.random()}`, DETAILS, Date.now() + 60_000);
    const page = await send(guarded.urlFor(record.id));
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.body).toContain('data-passkey="approve"');
    expect(parseForm(page.body).fields).toEqual([
      { type: 'hidden', name: 'csrf', value: record.csrf },
      { type: 'hidden', name: 'passkey', value: '' },
      { type: 'hidden', name: 'passkey_challenge', value: '' },
    ]);
  });

  it('a challenge is given only to the page: its Host, its Origin and its csrf; none is stored otherwise', async () => {
    const approvals = new Approvals(passkeyStore);
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, Date.now() + 60_000);
    const url = `${guarded.urlFor(record.id)}/passkey`;
    const port = new URL(url).port;
    const ask = (headers: Record<string, string | undefined>, csrf = record.csrf) =>
      send(url, {
        method: 'POST',
        headers: { origin: guarded.origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `csrf=${csrf}`,
      });
    const challenges = async () => (await passkeyStore.entries('passkey-challenge:')).length;
    for (const [headers, csrf] of [
      [{ host: `evil.example:${port}` }, record.csrf],
      [{ host: `127.0.0.1:${port}` }, record.csrf],
      [{ origin: 'http://evil.example' }, record.csrf],
      [{ origin: undefined }, record.csrf],
      [{}, 'A'.repeat(43)],
    ] as const) {
      const refused = await ask(headers, csrf);
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toBe('application/json');
      expect(refused.body).not.toContain(record.csrf);
    }
    expect(await challenges()).toBe(0);
    const given = await ask({});
    expect(given.status).toBe(200);
    const { nonce, options } = JSON.parse(given.body) as { nonce: string; options: { rpId: string; userVerification: string } };
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(nonce).toMatch(/^[\w-]{43}$/);
    expect(await challenges()).toBe(1);
    expect(await approvals.get(record.id)).toEqual(record);
  });

  it('an enrolment page cannot be read under another Host (DNS rebinding), and is 404 where passkeys are not served', async () => {
    const enrolment = await createEnrolment(passkeyStore, 'phone');
    const url = `${guarded.origin}/passkey/${enrolment.id}`;
    const page = await send(url);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.body).toContain('data-passkey="enrol"');
    for (const host of [`evil.example:${new URL(url).port}`, `127.0.0.1:${new URL(url).port}`]) {
      const refused = await send(url, { headers: { host } });
      expect(refused.status).toBe(403);
      expect(refused.body).not.toContain(enrolment.csrf);
    }
    // The page without passkeys (PROXYCART_APPROVAL_PASSKEY unset in this test) serves only approvals.
    expect((await send(`${open.origin}/passkey/${enrolment.id}`)).status).toBe(404);
  });
});
