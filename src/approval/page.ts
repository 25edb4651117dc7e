import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PasskeyMode } from '../config.js';
import type { Store } from '../store.js';
import { ApprovalClosedError, type ApprovalRecord, type Approvals, type ApprovedBy, MAX_PASSKEY_FAILURES, MAX_WRONG_PINS } from './approvals.js';
import {
  approvalOptions,
  enrolmentClosed,
  finishEnrolment,
  getEnrolment,
  PasskeyRefusal,
  passkeyPolicy,
  registrationOptions,
  verifyApproval,
} from './passkeys.js';
import { type PasskeyNeed, renderApproval, renderEnrolment, renderMessage, renderOutcome, voidTitle } from './render.js';

// The approval page over node:http, no framework (design.md "Approval channels").
//
//   GET  /approve/<id>          shows the order and one form; never changes anything.
//   POST /approve/<id>          csrf, decision=approve|decline, pin (when PROXYCART_APPROVAL_PIN is
//                               set), passkey + passkey_challenge (when a passkey is required).
//   POST /approve/<id>/passkey  csrf: the WebAuthn options of this approval (JSON), a fresh challenge.
//   GET  /passkey/<id>          a one-time enrolment page (passkeys.ts); POST /passkey/<id>/options
//                               gives its registration options, POST /passkey/<id> the new passkey.
//
// A POST is refused (403, nothing changes) unless its Host is this server's own host:port
// (a DNS-rebinding page has another Host), its Origin is this page's origin, and its csrf
// is the approval's. An approve without the right PIN counts as a wrong attempt; the
// fifth voids the approval; so does a fifth approve whose passkey is missing or refused
// (a ceremony cancelled in the browser posts nothing). Decline needs no PIN or passkey. Unknown (404), expired or void (410) and
// decided (409) approvals are refused with a page that says so.
//
// createApprovalHandler() answers /approve/* and returns false for any other path, so a
// bigger server (HTTP mode) can mount it; startApprovalPage() runs it alone on loopback.
// The PIN is a secret: it is compared in constant time and never logged, stored or echoed.

export interface ApprovalPageOptions {
  approvals: Approvals;
  /** PROXYCART_APPROVAL_PIN. */
  pin?: string;
  /** Called after an approval became final here (approved, declined, or void after wrong PINs or passkeys). */
  onDecision?: (record: ApprovalRecord) => void | Promise<void>;
  /** PROXYCART_APPROVAL_PASSKEY and the store passkeys live in; without it passkeys are off. */
  passkeys?: { mode: PasskeyMode; store: Store };
}

export type ApprovalHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const MAX_BODY_BYTES = 4096;
/** A new passkey's attestation is bigger than any approval form. */
const ENROL_BODY_BYTES = 16_384;
const PATH = /^\/(approve|passkey)\/([A-Za-z0-9_-]{16,64})(\/passkey|\/options)?$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly text: string,
  ) {
    super(title);
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, nonce: string, html: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // connect-src 'self': the passkey script asks this server (only) for its challenge.
    'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...extra,
  });
  res.end(html);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  res.end(JSON.stringify(body));
}

async function readForm(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new Refusal(415, 'Not a form', 'This page accepts only its own form.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new Refusal(413, 'Too large', 'The form sent too much data.');
  // Events rather than for-await: leaving a for-await loop early destroys the socket, and
  // the 413 page could not be sent. Past the limit the rest is dropped unread.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      reject(new Refusal(413, 'Too large', 'The form sent too much data.'));
    };
    req.on('data', onData);
    req.once('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.once('error', reject);
  });
}

/** The one value of `name`; a repeated field is refused rather than guessed at. */
function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new Refusal(400, 'Bad request', `The form sent ${name} twice.`);
  return values[0];
}

function closedRefusal(record: ApprovalRecord | undefined): Refusal {
  if (!record) return new Refusal(404, 'No such approval', 'This approval link is unknown. Ask the assistant for a new quote.');
  const state = record.state;
  if (state === 'approved' || state === 'declined') {
    return new Refusal(409, `Already ${state}`, `This order was already ${state}; that decision is final. You can go back to the chat.`);
  }
  if (state === 'void')
    return new Refusal(410, voidTitle(record), 'This approval can no longer be used; nothing will be ordered. Ask the assistant for a new quote.');
  return new Refusal(410, 'Expired', 'The time to decide has passed; nothing will be ordered. Ask the assistant for a new quote.');
}

export function createApprovalHandler(options: ApprovalPageOptions & { origin: () => string }): ApprovalHandler {
  const { approvals, pin, passkeys } = options;
  const notify = (record: ApprovalRecord) => {
    // A failing listener must not turn a recorded decision into an error page.
    void Promise.resolve()
      .then(() => options.onDecision?.(record))
      .catch(() => undefined);
  };

  /** Reading needs the right Host too: a rebinding page must not read the csrf value. */
  function checkHost(req: IncomingMessage): URL {
    const origin = new URL(options.origin());
    if (req.headers.host?.toLowerCase() !== origin.host) throw new Refusal(403, 'Refused', 'This request did not come to this server by its own address.');
    return origin;
  }

  function checkPost(req: IncomingMessage): URL {
    const origin = checkHost(req);
    if (req.headers.origin !== origin.origin) throw new Refusal(403, 'Refused', 'This request did not come from the approval page.');
    return origin;
  }

  async function pendingWithCsrf(id: string, form: URLSearchParams): Promise<ApprovalRecord> {
    const record = await approvals.get(id);
    if (record?.state !== 'pending') throw closedRefusal(record);
    const csrf = single(form, 'csrf');
    if (csrf === undefined || !sameSecret(csrf, record.csrf))
      throw new Refusal(403, 'Refused', 'This request did not come from the approval page. Open the link again.');
    return record;
  }

  /** Whether Approve needs a passkey here, and which may sign (passkeys.ts). */
  async function passkeyNeed(record: ApprovalRecord, origin: URL) {
    if (!passkeys || passkeys.mode === 'off') return { need: undefined, allowed: [] };
    const policy = await passkeyPolicy(passkeys.store, passkeys.mode, origin.hostname, record.identity);
    const need: PasskeyNeed = !policy.required ? 'suggest' : policy.allowed.length ? 'required' : 'missing';
    return { need, allowed: policy.allowed };
  }

  async function post(req: IncomingMessage, id: string): Promise<{ status: number; html: (nonce: string) => string }> {
    const origin = checkPost(req);
    const form = await readForm(req);
    const record = await pendingWithCsrf(id, form);
    const decision = single(form, 'decision');
    if (decision !== 'approve' && decision !== 'decline') throw new Refusal(400, 'Bad request', 'Choose Approve or Decline.');
    try {
      let signedBy: Omit<ApprovedBy, 'at'> = {};
      const passkey = decision === 'approve' ? await passkeyNeed(record, origin) : { need: undefined, allowed: [] };
      if (passkey.need === 'missing') {
        // Nobody could have signed: not an attempt, and nothing changes.
        throw new Refusal(
          403,
          'A passkey is needed',
          'Approving needs a passkey and none is enrolled for this page: run proxycart passkey add, then open the link again.',
        );
      }
      if (decision === 'approve' && pin !== undefined) {
        const given = single(form, 'pin');
        if (given === undefined || !sameSecret(given, pin)) {
          const counted = await approvals.wrongPin(id);
          if (counted.state === 'void') {
            notify(counted);
            return { status: 410, html: (nonce) => renderOutcome(nonce, counted) };
          }
          const left = MAX_WRONG_PINS - counted.wrongPins;
          const error = `${given ? 'Wrong PIN' : 'Enter the PIN to approve'}. ${left} attempt${left === 1 ? '' : 's'} left before this approval is void.`;
          return { status: 403, html: (nonce) => renderApproval(nonce, { record: counted, pinRequired: true, passkey: passkey.need, error }) };
        }
      }
      if (passkey.need === 'required') {
        try {
          const signer = await verifyApproval(
            passkeys!.store,
            record,
            origin.origin,
            passkey.allowed,
            single(form, 'passkey_challenge'),
            single(form, 'passkey'),
          );
          signedBy = { passkey: signer.name, ...(signer.identity === undefined ? {} : { identity: signer.identity }) };
        } catch (error) {
          if (!(error instanceof PasskeyRefusal)) throw error;
          const counted = await approvals.failedPasskey(id);
          if (counted.state === 'void') {
            notify(counted);
            return { status: 410, html: (nonce) => renderOutcome(nonce, counted) };
          }
          const left = MAX_PASSKEY_FAILURES - (counted.passkeyFailures ?? 0);
          const text = `${error.message} ${left} attempt${left === 1 ? '' : 's'} left before this approval is void.`;
          return { status: 403, html: (nonce) => renderApproval(nonce, { record: counted, pinRequired: pin !== undefined, passkey: 'required', error: text }) };
        }
      }
      const decided = await approvals.decide(id, decision, signedBy);
      notify(decided);
      return { status: 200, html: (nonce) => renderOutcome(nonce, decided) };
    } catch (error) {
      // Another tab or process decided (or time ran out) between our read and our write.
      if (error instanceof ApprovalClosedError) throw closedRefusal(error.record);
      throw error;
    }
  }

  /** POST /approve/<id>/passkey: a fresh challenge for this approval, for the page script. */
  async function approvalChallenge(req: IncomingMessage, id: string): Promise<unknown> {
    const origin = checkPost(req);
    const record = await pendingWithCsrf(id, await readForm(req));
    const { need, allowed } = await passkeyNeed(record, origin);
    if (need !== 'required') throw new Refusal(409, 'No passkey asked for', 'This approval does not take a passkey. Reload the page.');
    return approvalOptions(passkeys!.store, record, origin.origin, allowed);
  }

  async function enrolment(req: IncomingMessage, res: ServerResponse, id: string, action: string | undefined, nonce: string): Promise<void> {
    const store = passkeys!.store;
    const origin = checkHost(req);
    const closed = async () => {
      const why = enrolmentClosed(await getEnrolment(store, id));
      return why && new Refusal(why.includes('unknown') ? 404 : 410, 'Enrolment link closed', why);
    };
    if ((req.method === 'GET' || req.method === 'HEAD') && action === undefined) {
      const refusal = await closed();
      if (refusal) throw refusal;
      return send(res, 200, nonce, renderEnrolment(nonce, (await getEnrolment(store, id))!));
    }
    if (req.method !== 'POST') throw new Refusal(405, 'Not allowed', 'Use the page’s button.');
    checkPost(req);
    const form = await readForm(req, ENROL_BODY_BYTES);
    const refusal = await closed();
    if (refusal) throw refusal;
    const open = (await getEnrolment(store, id))!;
    const csrf = single(form, 'csrf');
    if (csrf === undefined || !sameSecret(csrf, open.csrf))
      throw new Refusal(403, 'Refused', 'This request did not come from the enrolment page. Open the link again.');
    if (action === '/options') return sendJson(res, 200, { options: await registrationOptions(store, id, origin.origin) });
    try {
      const passkey = await finishEnrolment(store, id, origin.origin, single(form, 'credential'));
      const whose = passkey.identity ? ` for ${passkey.identity}` : '';
      send(
        res,
        200,
        nonce,
        renderMessage(nonce, 'Passkey enrolled', `${passkey.name}${whose} now approves orders on the proxycart approval page. You can close this tab.`),
      );
    } catch (error) {
      if (!(error instanceof PasskeyRefusal)) throw error;
      const now = await getEnrolment(store, id);
      if (enrolmentClosed(now)) throw new Refusal(410, 'Enrolment link closed', error.message);
      send(res, 400, nonce, renderEnrolment(nonce, now!, `${error.message} Try again.`));
    }
  }

  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const passkeyPath = path.startsWith('/passkey/') && passkeys !== undefined;
    if (!path.startsWith('/approve/') && !passkeyPath) return false;
    const nonce = randomBytes(16).toString('base64');
    const [, kind, id, action] = PATH.exec(path) ?? [];
    const json = action !== undefined;
    try {
      if (id === undefined || (kind === 'approve' && action === '/options') || (kind === 'passkey' && action === '/passkey')) throw closedRefusal(undefined);
      if (kind === 'passkey') {
        await enrolment(req, res, id, action, nonce);
      } else if (action === '/passkey') {
        if (req.method !== 'POST') throw new Refusal(405, 'Not allowed', 'Use the page’s buttons.');
        sendJson(res, 200, await approvalChallenge(req, id));
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        const origin = checkHost(req);
        const record = await approvals.get(id);
        if (!record) throw closedRefusal(undefined);
        if (record.state === 'pending') {
          const { need } = await passkeyNeed(record, origin);
          send(res, 200, nonce, renderApproval(nonce, { record, pinRequired: pin !== undefined, passkey: need }));
        } else send(res, record.state === 'expired' || record.state === 'void' ? 410 : 200, nonce, renderOutcome(nonce, record));
      } else if (req.method === 'POST') {
        const outcome = await post(req, id);
        send(res, outcome.status, nonce, outcome.html(nonce));
      } else {
        send(res, 405, nonce, renderMessage(nonce, 'Not allowed', 'Use the page’s buttons.'), { Allow: 'GET, HEAD, POST' });
      }
    } catch (error) {
      if (error instanceof Refusal) {
        // After a refused upload the rest of the body is not read: close the connection.
        const extra: Record<string, string> = error.status === 413 ? { Connection: 'close' } : {};
        if (json) sendJson(res, error.status, { error: `${error.title}: ${error.text}` });
        else send(res, error.status, nonce, renderMessage(nonce, error.title, error.text), extra);
      } else if (json) {
        sendJson(res, 500, { error: 'The server could not answer. Reload the page and try again.' });
      } else {
        send(res, 500, nonce, renderMessage(nonce, 'Not recorded', 'The decision could not be read or recorded. Reload the page and try again.'));
      }
    }
    return true;
  };
}

export interface ApprovalPage {
  origin: string;
  port: number;
  urlFor(id: string): string;
  close(): Promise<void>;
}

/**
 * Runs the page on its own server (127.0.0.1, port 0 = ephemeral); the caller starts it on
 * first need. Its address is `http://localhost:<port>`: WebAuthn refuses an IP address as
 * relying party, and browsers resolve `localhost` to loopback themselves. Only that Host is
 * accepted, so a DNS-rebinding page (another name for 127.0.0.1) is still refused.
 */
export async function startApprovalPage(options: ApprovalPageOptions & { port?: number; host?: string }): Promise<ApprovalPage> {
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const handle = createApprovalHandler({ ...options, origin: () => origin });
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (handled) return;
        const nonce = randomBytes(16).toString('base64');
        send(res, 404, nonce, renderMessage(nonce, 'Not found', 'This server only shows approval pages.'));
      },
      () => res.destroy(),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host === '127.0.0.1' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    urlFor: (id) => `${origin}/approve/${id}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
