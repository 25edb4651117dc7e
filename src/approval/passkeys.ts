import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PasskeyMode } from '../config.js';
import { ProxycartError } from '../errors.js';
import type { Store } from '../store.js';
import type { ApprovalRecord } from './approvals.js';

// Passkeys for Approve on the approval page (design.md "Passkeys"): the approval needs a
// user-verifying authenticator (fingerprint, face, device PIN, security key), which an
// agent driving a browser cannot satisfy, and the receipt names the passkey that signed.
//
//   passkey:<credential id>     -> PasskeyRecord: public key, counter, name, identity (nothing secret)
//   passkey-enrolment:<id>      -> Enrolment: a one-time link, valid for ENROLMENT_TTL_MS
//   passkey-challenge:<nonce>   -> the approval a challenge was issued for; deleted when used
//
// An approval's WebAuthn challenge is SHA-256 of the approval (its id, its quote, vendor,
// what is bought and the total) and a random nonce. The nonce is single use and lives no
// longer than the approval, so an assertion signs one decision on one approval: sent to
// another approval its challenge does not match, and sent twice its nonce is gone.
// The WebAuthn protocol itself is @simplewebauthn/server's, loaded only when a ceremony runs.

export interface PasskeyRecord {
  /** The credential id, base64url. */
  id: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (a clone that reuses a count is refused). */
  counter: number;
  transports?: AuthenticatorTransportFuture[];
  name: string;
  /** The identity it was enrolled for (teams mode): it approves that identity's orders. */
  identity?: string;
  /** The host name it was made for: a passkey for `localhost` cannot sign on a team's URL, nor the reverse. */
  rpId: string;
  createdAt: number;
  lastUsedAt?: number;
}

export interface Enrolment {
  id: string;
  /** The name the passkey will have. */
  name: string;
  identity?: string;
  createdAt: number;
  expiresAt: number;
  csrf: string;
  /** The registration challenge given to the page, until a response uses it up. */
  challenge?: string;
  /** The credential id enrolled through this link: a link enrols one passkey. */
  enrolled?: string;
}

export const ENROLMENT_TTL_MS = 10 * 60 * 1000;
const KEEP_AFTER_EXPIRY_MS = 60 * 60 * 1000;
const CEREMONY_TIMEOUT_MS = 120_000;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,47}$/u;

const passkeyKey = (id: string) => `passkey:${id}`;
const enrolmentKey = (id: string) => `passkey-enrolment:${id}`;
const challengeKey = (nonce: string) => `passkey-challenge:${nonce}`;

/** A ceremony that did not pass; `message` is safe to show the person (no secrets, no stack). */
export class PasskeyRefusal extends Error {}

export async function listPasskeys(store: Store): Promise<PasskeyRecord[]> {
  return (await store.entries<PasskeyRecord>('passkey:')).map(([, record]) => record).sort((a, b) => a.createdAt - b.createdAt);
}

export function checkPasskeyName(name: string): void {
  if (!NAME.test(name)) {
    throw new ProxycartError(
      'configuration',
      `A passkey name is 1-48 letters, digits, spaces, ".", "_", "@" or "-", got ${JSON.stringify(name.slice(0, 60))}.`,
    );
  }
}

/** Takes `name` off the list; its device keeps the credential, but it no longer approves anything here. */
export async function removePasskey(store: Store, name: string): Promise<PasskeyRecord> {
  const found = (await listPasskeys(store)).filter((p) => p.name === name);
  if (found.length === 0) throw new ProxycartError('not_found', `No passkey is named ${JSON.stringify(name)}; proxycart passkey list shows them.`);
  for (const passkey of found) await store.delete(passkeyKey(passkey.id));
  return found[0]!;
}

/**
 * Whether Approve needs a passkey, and which ones may sign: with `identity`, its own passkeys
 * where it has any (others otherwise, and the receipt says whose); only those made for `rpId`.
 */
export async function passkeyPolicy(
  store: Store,
  mode: PasskeyMode,
  rpId: string,
  identity?: string,
): Promise<{ required: boolean; allowed: PasskeyRecord[] }> {
  if (mode === 'off') return { required: false, allowed: [] };
  const here = (await listPasskeys(store)).filter((p) => p.rpId === rpId);
  const own = identity === undefined ? [] : here.filter((p) => p.identity === identity);
  return { required: mode === 'required' || here.length > 0, allowed: own.length ? own : here };
}

// Enrolment ---------------------------------------------------------------------------------

/** A one-time enrolment link's record; the name must be free. */
export async function createEnrolment(store: Store, name: string, identity?: string): Promise<Enrolment> {
  checkPasskeyName(name);
  if ((await listPasskeys(store)).some((p) => p.name === name)) {
    throw new ProxycartError('configuration', `A passkey named ${JSON.stringify(name)} exists already: pick another name, or remove that one first.`);
  }
  const now = Date.now();
  const enrolment: Enrolment = {
    id: randomBytes(18).toString('base64url'),
    name,
    ...(identity === undefined ? {} : { identity }),
    createdAt: now,
    expiresAt: now + ENROLMENT_TTL_MS,
    csrf: randomBytes(32).toString('base64url'),
  };
  await store.set(enrolmentKey(enrolment.id), enrolment, ENROLMENT_TTL_MS + KEEP_AFTER_EXPIRY_MS);
  return enrolment;
}

export function getEnrolment(store: Store, id: string): Promise<Enrolment | undefined> {
  return store.get<Enrolment>(enrolmentKey(id));
}

/** Why an enrolment link can no longer be used, or undefined while it can. */
export function enrolmentClosed(enrolment: Enrolment | undefined, now = Date.now()): string | undefined {
  if (!enrolment) return 'This enrolment link is unknown. Run proxycart passkey add again for a new one.';
  if (enrolment.enrolled) return `This link already enrolled the passkey ${enrolment.name}; a link enrols one passkey.`;
  if (now >= enrolment.expiresAt) return 'This enrolment link has expired (links last 10 minutes). Run proxycart passkey add again for a new one.';
  return undefined;
}

/** Changes an open enrolment atomically; refuses one that closed meanwhile. */
async function changeEnrolment(store: Store, id: string, next: (open: Enrolment) => Enrolment): Promise<Enrolment> {
  let closed: string | undefined;
  const after = await store.update<Enrolment>(
    enrolmentKey(id),
    (current) => {
      closed = enrolmentClosed(current);
      return closed || !current ? current : next(current);
    },
    KEEP_AFTER_EXPIRY_MS + ENROLMENT_TTL_MS,
  );
  if (closed || !after) throw new PasskeyRefusal(closed ?? 'This enrolment link is unknown.');
  return after;
}

const userIdOf = (identity: string | undefined) =>
  new Uint8Array(
    createHash('sha256')
      .update(`proxycart user\n${identity ?? ''}`)
      .digest()
      .subarray(0, 16),
  );

/** The options for navigator.credentials.create() on the enrolment page, with a fresh challenge. */
export async function registrationOptions(store: Store, id: string, origin: string): Promise<unknown> {
  const rpId = new URL(origin).hostname;
  const challenge = randomBytes(32).toString('base64url');
  const enrolment = await changeEnrolment(store, id, (open) => ({ ...open, challenge }));
  const { generateRegistrationOptions } = await import('@simplewebauthn/server');
  const existing = (await listPasskeys(store)).filter((p) => p.rpId === rpId && p.identity === enrolment.identity);
  return generateRegistrationOptions({
    rpName: 'proxycart',
    rpID: rpId,
    userName: enrolment.identity ?? 'proxycart',
    userDisplayName: `proxycart approvals${enrolment.identity ? ` (${enrolment.identity})` : ''}`,
    userID: userIdOf(enrolment.identity),
    challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    // The same device twice would be one person with two names; the authenticator refuses it.
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
}

/**
 * The page's JSON answer, shaped enough to look up its credential; @simplewebauthn/server
 * checks every field of it. (No zod here: a schema in this lazily loaded module makes
 * esbuild split zod into one more file that start-up then reads.)
 */
function parseAnswer<T extends { id: string }>(text: string | undefined, what: string): T {
  try {
    const value = JSON.parse(text ?? '') as { id?: unknown; rawId?: unknown; response?: unknown } | null;
    if (value && typeof value.id === 'string' && value.id === value.rawId && typeof value.response === 'object' && value.response) return value as T;
  } catch {
    // not JSON: refused below
  }
  throw new PasskeyRefusal(`The page sent no usable ${what}.`);
}

/** Verifies the enrolment page's new credential and stores it; the link is then used up. */
export async function finishEnrolment(store: Store, id: string, origin: string, responseText: string | undefined): Promise<PasskeyRecord> {
  const response = parseAnswer<RegistrationResponseJSON>(responseText, 'passkey');
  // The challenge is taken before it is checked: whatever the outcome, it signs nothing else.
  let challenge: string | undefined;
  await changeEnrolment(store, id, (open) => {
    challenge = open.challenge;
    return { ...open, challenge: undefined };
  });
  if (!challenge) throw new PasskeyRefusal('This enrolment was not started from its page. Press the button again.');
  const rpId = new URL(origin).hostname;
  const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origin,
    expectedRPID: rpId,
    requireUserVerification: true,
  }).catch((error: unknown) => {
    throw new PasskeyRefusal(`The passkey was not accepted (${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}).`);
  });
  if (!verified.verified) throw new PasskeyRefusal('The passkey was not accepted.');
  const { credential } = verified.registrationInfo;
  const enrolment = await changeEnrolment(store, id, (open) => ({ ...open, enrolled: credential.id }));
  const record: PasskeyRecord = {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(credential.transports?.length ? { transports: credential.transports } : {}),
    name: enrolment.name,
    ...(enrolment.identity === undefined ? {} : { identity: enrolment.identity }),
    rpId,
    createdAt: Date.now(),
  };
  if (!(await store.add(passkeyKey(record.id), record))) throw new PasskeyRefusal('This passkey is enrolled already.');
  return record;
}

// Approval -------------------------------------------------------------------------------

/** The challenge of one approval: what is approved, bound to a single-use nonce. */
export function approvalChallenge(approval: ApprovalRecord, nonce: string): Uint8Array<ArrayBuffer> {
  const d = approval.details;
  const bound = JSON.stringify(['proxycart approval 1', approval.id, approval.quoteId, d.vendor, d.summary, d.total_usd, nonce]);
  return new Uint8Array(createHash('sha256').update(bound).digest());
}

/** Options for navigator.credentials.get() to approve `approval`, and the nonce the answer must bring back. */
export async function approvalOptions(
  store: Store,
  approval: ApprovalRecord,
  origin: string,
  allowed: PasskeyRecord[],
): Promise<{ nonce: string; options: unknown }> {
  const nonce = randomBytes(32).toString('base64url');
  await store.set(challengeKey(nonce), { approvalId: approval.id }, Math.max(1, approval.expiresAt - Date.now()));
  const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
  const options = await generateAuthenticationOptions({
    rpID: new URL(origin).hostname,
    allowCredentials: allowed.map((p) => ({ id: p.id, transports: p.transports })),
    challenge: approvalChallenge(approval, nonce),
    timeout: Math.min(CEREMONY_TIMEOUT_MS, Math.max(1_000, approval.expiresAt - Date.now())),
    userVerification: 'required',
  });
  return { nonce, options };
}

/**
 * Checks an assertion for `approval`: its nonce (used up here, whatever the outcome), the
 * passkey (one of `allowed`), the signature over this approval's challenge, user
 * verification and the counter. Returns the passkey that signed; throws PasskeyRefusal.
 */
export async function verifyApproval(
  store: Store,
  approval: ApprovalRecord,
  origin: string,
  allowed: PasskeyRecord[],
  nonce: string | undefined,
  assertionText: string | undefined,
): Promise<PasskeyRecord> {
  if (!assertionText) throw new PasskeyRefusal('Approving needs your passkey, and none was used.');
  const assertion = parseAnswer<AuthenticationResponseJSON>(assertionText, 'passkey answer');
  let issued: { approvalId: string } | undefined;
  if (nonce && /^[A-Za-z0-9_-]{43}$/.test(nonce)) {
    await store.update<{ approvalId: string }>(challengeKey(nonce), (current) => {
      issued = current;
      return undefined;
    });
  }
  if (issued?.approvalId !== approval.id)
    throw new PasskeyRefusal('This passkey answer was not made for this approval now (used before, or made for another one).');
  const passkey = allowed.find((p) => p.id === assertion.id);
  if (!passkey) throw new PasskeyRefusal('This passkey is not enrolled to approve this order.');
  const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
  const verified = await verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: Buffer.from(approvalChallenge(approval, nonce!)).toString('base64url'),
    expectedOrigin: origin,
    expectedRPID: passkey.rpId,
    credential: { id: passkey.id, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: passkey.counter },
    requireUserVerification: true,
  }).catch((error: unknown) => {
    throw new PasskeyRefusal(`The passkey was not accepted (${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}).`);
  });
  if (!verified.verified || !verified.authenticationInfo.userVerified)
    throw new PasskeyRefusal('The passkey did not verify you (fingerprint, face or device PIN).');
  const { newCounter } = verified.authenticationInfo;
  await store.update<PasskeyRecord>(passkeyKey(passkey.id), (current) =>
    current ? { ...current, counter: Math.max(current.counter, newCounter), lastUsedAt: Date.now() } : current,
  );
  return passkey;
}

// The page script ----------------------------------------------------------------------------

let script: string | undefined;

/**
 * The browser half (src/approval/passkey-page.ts with @simplewebauthn/browser), bundled by
 * scripts/build.mjs into dist/passkey-page.js and inlined into the page under its CSP nonce:
 * nothing is fetched from anywhere else. Next to this module once built; from the sources
 * (tests) it is read from dist/.
 */
export function passkeyPageScript(): string {
  if (script !== undefined) return script;
  const candidates = [new URL('./passkey-page.js', import.meta.url), new URL('../../dist/passkey-page.js', import.meta.url)].map((url) => fileURLToPath(url));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) throw new Error('dist/passkey-page.js is missing: run npm run build.');
  script = readFileSync(file, 'utf8').replaceAll('</script', '<\\/script');
  return script;
}
