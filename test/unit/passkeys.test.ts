import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalRecord, Approvals } from '../../src/approval/approvals.js';
import {
  approvalChallenge,
  approvalOptions,
  createEnrolment,
  type Enrolment,
  enrolmentClosed,
  finishEnrolment,
  listPasskeys,
  type PasskeyRecord,
  PasskeyRefusal,
  passkeyPolicy,
  registrationOptions,
  removePasskey,
  verifyApproval,
} from '../../src/approval/passkeys.js';
import { ProxycartError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store.js';
import { DETAILS } from '../approval-details.js';

// The passkey records, policy and challenges without a browser. Real ceremonies (a virtual
// authenticator in Chromium) are in test/e2e/passkey-browser.test.ts and passkey-teams.test.ts.

const ORIGIN = 'http://localhost:4321';
let store: Store;
let approvals: Approvals;

beforeAll(async () => {
  store = await openStore({ kind: 'memory' });
  approvals = new Approvals(store);
});

afterAll(async () => {
  await store.close();
});

function passkey(name: string, fields: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return { id: `cred-${name}`, publicKey: 'AA', counter: 0, name, rpId: 'localhost', createdAt: Date.now(), ...fields };
}

const pending = () => approvals.create(`q-${Math.random()}`, DETAILS, Date.now() + 10 * 60 * 1000);
const garbage = (id = 'cred-x') => JSON.stringify({ id, rawId: id, type: 'public-key', response: {}, clientExtensionResults: {} });

describe('whether Approve needs a passkey, and whose', () => {
  it('off never; auto once one is enrolled for this host; required always', async () => {
    const empty = await openStore({ kind: 'memory' });
    expect(await passkeyPolicy(empty, 'off', 'localhost')).toEqual({ required: false, allowed: [] });
    expect(await passkeyPolicy(empty, 'auto', 'localhost')).toEqual({ required: false, allowed: [] });
    expect(await passkeyPolicy(empty, 'required', 'localhost')).toEqual({ required: true, allowed: [] });
    await empty.set('passkey:cred-team', passkey('team', { rpId: 'proxycart.example.com' }));
    // A passkey made for the team's URL cannot sign at localhost.
    expect((await passkeyPolicy(empty, 'auto', 'localhost')).required).toBe(false);
    expect((await passkeyPolicy(empty, 'auto', 'proxycart.example.com')).required).toBe(true);
    expect((await passkeyPolicy(empty, 'off', 'proxycart.example.com')).required).toBe(false);
    await empty.close();
  });

  it("an identity's own passkeys approve its orders; one with none may be approved by any", async () => {
    const team = await openStore({ kind: 'memory' });
    for (const p of [passkey('alice', { identity: 'token:alice' }), passkey('bob', { identity: 'token:bob' }), passkey('lead')])
      await team.set(`passkey:${p.id}`, p);
    const names = async (identity?: string) => (await passkeyPolicy(team, 'auto', 'localhost', identity)).allowed.map((p) => p.name).sort();
    expect(await names('token:alice')).toEqual(['alice']);
    expect(await names('token:bob')).toEqual(['bob']);
    expect(await names('token:carol')).toEqual(['alice', 'bob', 'lead']);
    expect(await names()).toEqual(['alice', 'bob', 'lead']);
    await team.close();
  });
});

describe('enrolment links', () => {
  it('are one-time, 10 minutes, for a valid and free name', async () => {
    const enrolment = await createEnrolment(store, 'laptop', 'token:alice');
    expect(enrolment).toMatchObject({ name: 'laptop', identity: 'token:alice' });
    expect(enrolment.expiresAt - enrolment.createdAt).toBe(10 * 60 * 1000);
    expect(Buffer.from(enrolment.id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(enrolmentClosed(enrolment)).toBeUndefined();
    expect(enrolmentClosed(undefined)).toMatch(/unknown/);
    expect(enrolmentClosed({ ...enrolment, expiresAt: Date.now() - 1 })).toMatch(/expired/);
    expect(enrolmentClosed({ ...enrolment, enrolled: 'cred' })).toMatch(/already enrolled/);
    for (const bad of ['', ' lead', 'a'.repeat(49), 'x<script>', 'tab\there']) await expect(createEnrolment(store, bad)).rejects.toThrow(ProxycartError);
    await store.set('passkey:cred-taken', passkey('taken'));
    await expect(createEnrolment(store, 'taken')).rejects.toThrow(/exists already/);
    await store.delete('passkey:cred-taken');
  });

  it('asks for user verification, and a registration challenge is used up by the first answer', async () => {
    const enrolment = await createEnrolment(store, 'phone');
    const options = (await registrationOptions(store, enrolment.id, ORIGIN)) as {
      rp: { id: string };
      challenge: string;
      authenticatorSelection: { userVerification: string };
    };
    expect(options.rp.id).toBe('localhost');
    expect(options.authenticatorSelection.userVerification).toBe('required');
    expect((await store.get<Enrolment>(`passkey-enrolment:${enrolment.id}`))?.challenge).toBe(options.challenge);
    await expect(finishEnrolment(store, enrolment.id, ORIGIN, garbage())).rejects.toThrow(/not accepted/);
    await expect(finishEnrolment(store, enrolment.id, ORIGIN, garbage())).rejects.toThrow(/not started from its page/);
    await expect(finishEnrolment(store, enrolment.id, ORIGIN, 'not json')).rejects.toThrow(PasskeyRefusal);
    expect(await listPasskeys(store)).toEqual([]);
    // An expired link gives no options.
    await store.update<Enrolment>(`passkey-enrolment:${enrolment.id}`, (open) => open && { ...open, expiresAt: Date.now() - 1 });
    await expect(registrationOptions(store, enrolment.id, ORIGIN)).rejects.toThrow(/expired/);
  });
});

describe('approval challenges', () => {
  it('bind the approval: its id, its quote, vendor, what is bought, the total, and the nonce', async () => {
    const record = await pending();
    const base = Buffer.from(approvalChallenge(record, 'n1')).toString('hex');
    const variants: ApprovalRecord[] = [
      { ...record, id: 'other-id' },
      { ...record, quoteId: 'other-quote' },
      { ...record, details: { ...record.details, vendor: 'Other' } },
      { ...record, details: { ...record.details, summary: '50 GB residential, US' } },
      { ...record, details: { ...record.details, total_usd: 12.51 } },
    ];
    for (const variant of variants) expect(Buffer.from(approvalChallenge(variant, 'n1')).toString('hex')).not.toBe(base);
    expect(Buffer.from(approvalChallenge(record, 'n2')).toString('hex')).not.toBe(base);
    expect(Buffer.from(approvalChallenge(record, 'n1')).toString('hex')).toBe(base);
  });

  it('ask for user verification of an allowed passkey; a nonce is single use and for one approval only', async () => {
    const a = await pending();
    const b = await pending();
    const allowed = [passkey('laptop')];
    const { nonce, options } = (await approvalOptions(store, a, ORIGIN, allowed)) as {
      nonce: string;
      options: { challenge: string; rpId: string; userVerification: string; allowCredentials: Array<{ id: string }> };
    };
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [{ id: 'cred-laptop' }] });
    expect(options.challenge).toBe(Buffer.from(approvalChallenge(a, nonce)).toString('base64url'));
    expect(options.challenge).not.toContain(nonce);
    // Sent to B, A's nonce is refused (and used up).
    await expect(verifyApproval(store, b, ORIGIN, allowed, nonce, garbage('cred-laptop'))).rejects.toThrow(/not made for this approval/);
    await expect(verifyApproval(store, a, ORIGIN, allowed, nonce, garbage('cred-laptop'))).rejects.toThrow(/used before/);
    // A fresh nonce reaches the signature check, once.
    const fresh = (await approvalOptions(store, a, ORIGIN, allowed)).nonce;
    await expect(verifyApproval(store, a, ORIGIN, allowed, fresh, garbage('cred-laptop'))).rejects.toThrow(/not accepted/);
    await expect(verifyApproval(store, a, ORIGIN, allowed, fresh, garbage('cred-laptop'))).rejects.toThrow(/used before/);
    // A passkey that is not allowed for this approval is refused before any signature check.
    const third = (await approvalOptions(store, a, ORIGIN, allowed)).nonce;
    await expect(verifyApproval(store, a, ORIGIN, allowed, third, garbage('cred-stranger'))).rejects.toThrow(/not enrolled to approve this order/);
    await expect(verifyApproval(store, a, ORIGIN, allowed, undefined, undefined)).rejects.toThrow(/none was used/);
  });
});

describe('removing', () => {
  it('takes a passkey off the list by name', async () => {
    await store.set('passkey:cred-old', passkey('old'));
    expect((await removePasskey(store, 'old')).name).toBe('old');
    expect((await listPasskeys(store)).map((p) => p.name)).not.toContain('old');
    await expect(removePasskey(store, 'old')).rejects.toThrow(/No passkey is named/);
  });
});
