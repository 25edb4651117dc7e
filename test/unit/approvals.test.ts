import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApprovalClosedError, Approvals, MAX_PASSKEY_FAILURES, MAX_WRONG_PINS } from '../../src/approval/approvals.js';
import { openStore, type Store } from '../../src/store.js';
import type { StoreUrl } from '../../src/store-url.js';
import { DETAILS } from '../approval-details.js';

// Approval records on the real store backends: what the page and the guard share.

const dir = mkdtempSync(join(tmpdir(), 'proxycart-approvals-'));
const backends: Array<[string, StoreUrl]> = [
  ['memory', { kind: 'memory' }],
  ['sqlite', { kind: 'sqlite', file: join(dir, 'state.sqlite') }],
];
if (process.env.PROXYCART_TEST_REDIS_URL) backends.push(['redis', { kind: 'redis', url: process.env.PROXYCART_TEST_REDIS_URL }]);

const inTenMinutes = () => Date.now() + 10 * 60 * 1000;

async function closedWith(promise: Promise<unknown>): Promise<ApprovalClosedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApprovalClosedError);
  return error as ApprovalClosedError;
}

describe.each(backends)('approvals on %s', (_name, url) => {
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore(url);
    stores.push(store);
    return new Approvals(store);
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it('creates a pending record with a random id and csrf, found by id and by quote', async () => {
    const approvals = await open();
    const quoteId = `q-${Math.random()}`;
    const record = await approvals.create(quoteId, DETAILS, inTenMinutes());
    expect(record).toMatchObject({ quoteId, state: 'pending', wrongPins: 0, details: DETAILS });
    // >= 128 random bits, base64url.
    expect(Buffer.from(record.id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(record.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(record.csrf).not.toBe(record.id);
    expect(Buffer.from(record.csrf, 'base64url').length).toBe(32);
    expect(await approvals.get(record.id)).toEqual(record);
    expect(await approvals.forQuote(quoteId)).toEqual(record);
    expect(await approvals.get('no-such-approval-id')).toBeUndefined();
    expect(await approvals.forQuote('no-such-quote')).toBeUndefined();
    const other = await approvals.create(quoteId, DETAILS, inTenMinutes());
    expect(other.id).not.toBe(record.id);
    expect(other.csrf).not.toBe(record.csrf);
  });

  it('records a decision with its time; the decision is final', async () => {
    const approvals = await open();
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    const before = Date.now();
    const approved = await approvals.decide(record.id, 'approve');
    expect(approved.state).toBe('approved');
    expect(approved.decidedAt).toBeGreaterThanOrEqual(before);
    expect(await approvals.get(record.id)).toEqual(approved);
    const refused = await closedWith(approvals.decide(record.id, 'decline'));
    expect(refused.kind).toBe('policy');
    expect(refused.record?.state).toBe('approved');
    await closedWith(approvals.wrongPin(record.id));
    expect(await approvals.get(record.id)).toEqual(approved);

    const other = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    expect((await approvals.decide(other.id, 'decline')).state).toBe('declined');
    expect((await closedWith(approvals.decide(other.id, 'approve'))).record?.state).toBe('declined');
  });

  it('lets exactly one of many concurrent approve/decline calls win', async () => {
    const approvals = await open();
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    const attempts = Array.from({ length: 12 }, (_, i) => approvals.decide(record.id, i % 2 ? 'approve' : 'decline'));
    const outcomes = await Promise.allSettled(attempts);
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ApprovalClosedError);
    const won = (winners[0] as PromiseFulfilledResult<{ state: string; decidedAt?: number }>).value;
    expect(await approvals.get(record.id)).toMatchObject({ state: won.state, decidedAt: won.decidedAt });
  });

  it('reads as expired after its time and refuses decisions then', async () => {
    const approvals = await open();
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, Date.now() + 150);
    expect((await approvals.get(record.id))?.state).toBe('pending');
    await new Promise((r) => setTimeout(r, 200));
    expect((await approvals.get(record.id))?.state).toBe('expired');
    expect((await approvals.forQuote(record.quoteId))?.state).toBe('expired');
    expect((await closedWith(approvals.decide(record.id, 'approve'))).record?.state).toBe('expired');
    await closedWith(approvals.wrongPin(record.id));
    expect((await approvals.get(record.id))?.state).toBe('expired');
  });

  it(`counts wrong PINs and voids the approval at the ${MAX_WRONG_PINS}th`, async () => {
    const approvals = await open();
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    for (let n = 1; n < MAX_WRONG_PINS; n++) {
      const counted = await approvals.wrongPin(record.id);
      expect(counted).toMatchObject({ wrongPins: n, state: 'pending' });
    }
    const voided = await approvals.wrongPin(record.id);
    expect(voided).toMatchObject({ wrongPins: MAX_WRONG_PINS, state: 'void' });
    expect(voided.decidedAt).toBeTypeOf('number');
    expect((await closedWith(approvals.decide(record.id, 'approve'))).record?.state).toBe('void');
    expect((await approvals.get(record.id))?.state).toBe('void');
  });

  it(`keeps the receipt of an approve; counts failed passkeys and voids the approval at the ${MAX_PASSKEY_FAILURES}th`, async () => {
    const approvals = await open();
    const signed = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes(), 'token:alice');
    expect(signed.identity).toBe('token:alice');
    const approved = await approvals.decide(signed.id, 'approve', { passkey: 'laptop', identity: 'token:alice' });
    expect(approved.approvedBy).toEqual({ passkey: 'laptop', identity: 'token:alice', at: approved.decidedAt });
    const declined = await approvals.decide((await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes())).id, 'decline');
    expect(declined.approvedBy).toBeUndefined();

    const record = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    for (let n = 1; n < MAX_PASSKEY_FAILURES; n++) expect(await approvals.failedPasskey(record.id)).toMatchObject({ passkeyFailures: n, state: 'pending' });
    expect(await approvals.failedPasskey(record.id)).toMatchObject({ passkeyFailures: MAX_PASSKEY_FAILURES, wrongPins: 0, state: 'void' });
    expect((await closedWith(approvals.decide(record.id, 'approve', { passkey: 'laptop' }))).record?.state).toBe('void');
  });

  it('counts concurrent wrong PINs without losing any', async () => {
    const approvals = await open();
    const record = await approvals.create(`q-${Math.random()}`, DETAILS, inTenMinutes());
    await Promise.all(Array.from({ length: MAX_WRONG_PINS - 1 }, () => approvals.wrongPin(record.id)));
    expect(await approvals.get(record.id)).toMatchObject({ wrongPins: MAX_WRONG_PINS - 1, state: 'pending' });
  });

  it('refuses unknown approvals as not_found', async () => {
    const approvals = await open();
    const error = await closedWith(approvals.decide('AAAAAAAAAAAAAAAAAAAAAAAA', 'approve'));
    expect(error.kind).toBe('not_found');
    expect(error.record).toBeUndefined();
    await closedWith(approvals.wrongPin('AAAAAAAAAAAAAAAAAAAAAAAA'));
  });
});

describe('approvals shared by two connections on one SQLite file', () => {
  it('see the same approval, and of decisions made through both exactly one wins', async () => {
    const url: StoreUrl = { kind: 'sqlite', file: join(dir, 'shared.sqlite') };
    const [storeA, storeB] = [await openStore(url), await openStore(url)];
    try {
      const [a, b] = [new Approvals(storeA), new Approvals(storeB)];
      const record = await a.create('q-shared', DETAILS, inTenMinutes());
      expect(await b.get(record.id)).toEqual(record);
      expect(await b.forQuote('q-shared')).toEqual(record);
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).decide(record.id, i % 3 ? 'approve' : 'decline')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const seenByA = await a.get(record.id);
      expect(seenByA?.state === 'approved' || seenByA?.state === 'declined').toBe(true);
      expect(await b.get(record.id)).toEqual(seenByA);

      const second = await b.create('q-shared-2', DETAILS, inTenMinutes());
      await b.wrongPin(second.id);
      expect((await a.get(second.id))?.wrongPins).toBe(1);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });
});
