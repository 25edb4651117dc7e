import { randomBytes } from 'node:crypto';
import { ProxycartError } from '../errors.js';
import type { Store } from '../store.js';

// Approval records: what a person approves or declines on the approval page (design.md
// "Approval channels"). They live in the shared Store, so a page served by one server
// process decides an approval that another process's place_order is waiting for.
//
//   approval:<id>             -> ApprovalRecord
//   approval-quote:<quoteId>  -> id of the newest approval for that quote
//
// The id is what the page URL carries: 144 random bits, never the confirmation token (the
// guard links the two through quoteId, the token's hash). Decisions go through
// store.update (compare-and-swap), so of two racing decisions exactly one is recorded and
// it is final. A record outlives its expiry by KEEP_AFTER_EXPIRY_MS so that late readers
// learn "expired" (or what was decided) instead of "unknown".

export interface ApprovalDetails {
  vendor: string;
  /** Shows a "sandbox: play money" badge. */
  sandbox: boolean;
  /** What exactly is bought, one line. */
  summary: string;
  /** Present when an order that exists is changed (extended, topped up, renewal switched): which, and its expiry before and after. */
  change?: { order_id: string; expires_at?: string | null; new_expires_at?: string | null };
  /** Present when approving arms a charge that comes back by itself: said first, before the total, on every surface. */
  renews?: string;
  /** null: the price is known only after ordering. */
  total_usd: number | null;
  price_source: string;
  balance_usd: number | null;
  balance_after_usd: number | null;
  /** Per-order cap. */
  max_order_usd: number;
  /** What is left of the 24-hour budget. */
  budget_left_usd: number;
  /** In order of importance; the first one (e.g. an earlier order of unknown outcome) stands out. */
  warnings: string[];
}

export type ApprovalState = 'pending' | 'approved' | 'declined' | 'expired' | 'void';

/** Who approved on the page, and when: the receipt the ledger keeps with the order. */
export interface ApprovedBy {
  /** The name of the passkey that signed the approval (absent: approved on the page without one). */
  passkey?: string;
  /** The identity the passkey was enrolled for (teams mode). */
  identity?: string;
  at: number;
}

export interface ApprovalRecord {
  id: string;
  /** The guard's quote id (hash of the confirmation token). */
  quoteId: string;
  /** The authenticated client whose order this is (HTTP mode): its own passkeys approve it. */
  identity?: string;
  details: ApprovalDetails;
  /** 'expired' is never stored: it is derived from expiresAt when read. */
  state: ApprovalState;
  createdAt: number;
  expiresAt: number;
  decidedAt?: number;
  wrongPins: number;
  /** Approves whose passkey was missing or not accepted; absent on records made before passkeys. */
  passkeyFailures?: number;
  /** Set with an approve on the page. */
  approvedBy?: ApprovedBy;
  /** Random per approval; stored so that any process serving the page can check it. */
  csrf: string;
}

export const MAX_WRONG_PINS = 5;
/** Failed passkey approves that void an approval, as wrong PINs do. */
export const MAX_PASSKEY_FAILURES = 5;
export const KEEP_AFTER_EXPIRY_MS = 60 * 60 * 1000;

/** An approval that can no longer be decided: unknown (record undefined), expired, void or decided. */
export class ApprovalClosedError extends ProxycartError {
  readonly record: ApprovalRecord | undefined;

  constructor(record: ApprovalRecord | undefined) {
    super(record ? 'policy' : 'not_found', record ? `This approval is ${record.state} and cannot be decided any more.` : 'No such approval.', {
      advice: 'Ask for a new quote; the person approves it on its own page.',
    });
    this.record = record;
  }
}

const recordKey = (id: string) => `approval:${id}`;
const quoteKey = (quoteId: string) => `approval-quote:${quoteId}`;

/** The record as readers see it: a pending approval past its time is expired. */
function view(record: ApprovalRecord, now = Date.now()): ApprovalRecord {
  return record.state === 'pending' && now >= record.expiresAt ? { ...record, state: 'expired' } : record;
}

function keepFor(record: Pick<ApprovalRecord, 'expiresAt'>): number {
  return Math.max(1, record.expiresAt + KEEP_AFTER_EXPIRY_MS - Date.now());
}

export class Approvals {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async create(quoteId: string, details: ApprovalDetails, expiresAt: number, identity?: string): Promise<ApprovalRecord> {
    for (;;) {
      const record: ApprovalRecord = {
        id: randomBytes(18).toString('base64url'),
        quoteId,
        ...(identity === undefined ? {} : { identity }),
        details,
        state: 'pending',
        createdAt: Date.now(),
        expiresAt,
        wrongPins: 0,
        csrf: randomBytes(32).toString('base64url'),
      };
      // add() and not set(): an id is never reused, however unlikely a collision is.
      if (!(await this.store.add(recordKey(record.id), record, keepFor(record)))) continue;
      await this.store.set(quoteKey(quoteId), record.id, keepFor(record));
      return record;
    }
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const record = await this.store.get<ApprovalRecord>(recordKey(id));
    return record && view(record);
  }

  async forQuote(quoteId: string): Promise<ApprovalRecord | undefined> {
    const id = await this.store.get<string>(quoteKey(quoteId));
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Records the person's decision. Only a pending, unexpired approval can be decided, once.
   * An approve carries its receipt: the passkey that signed it, if one did.
   */
  decide(id: string, decision: 'approve' | 'decline', signedBy: Omit<ApprovedBy, 'at'> = {}): Promise<ApprovalRecord> {
    return this.change(id, (record, now) =>
      decision === 'approve'
        ? { ...record, state: 'approved', decidedAt: now, approvedBy: { ...signedBy, at: now } }
        : { ...record, state: 'declined', decidedAt: now },
    );
  }

  /** Counts an approve whose passkey was missing or refused; the MAX_PASSKEY_FAILURES-th voids the approval. */
  failedPasskey(id: string): Promise<ApprovalRecord> {
    return this.change(id, (record, now) => {
      const passkeyFailures = (record.passkeyFailures ?? 0) + 1;
      return passkeyFailures >= MAX_PASSKEY_FAILURES ? { ...record, passkeyFailures, state: 'void', decidedAt: now } : { ...record, passkeyFailures };
    });
  }

  /** Counts a wrong (or missing) PIN on an approve; the MAX_WRONG_PINS-th voids the approval. */
  wrongPin(id: string): Promise<ApprovalRecord> {
    return this.change(id, (record, now) => {
      const wrongPins = record.wrongPins + 1;
      return wrongPins >= MAX_WRONG_PINS ? { ...record, wrongPins, state: 'void', decidedAt: now } : { ...record, wrongPins };
    });
  }

  /** Applies `next` atomically to a pending, unexpired approval; throws ApprovalClosedError otherwise. */
  private async change(id: string, next: (record: ApprovalRecord, now: number) => ApprovalRecord): Promise<ApprovalRecord> {
    const before = await this.store.get<ApprovalRecord>(recordKey(id));
    if (!before) throw new ApprovalClosedError(undefined);
    // `closed` reflects the last run of the callback: store.update may retry it after losing a race.
    let closed: ApprovalRecord | undefined;
    const after = await this.store.update<ApprovalRecord>(
      recordKey(id),
      (current) => {
        const now = Date.now();
        closed = undefined;
        if (!current) return current;
        if (view(current, now).state !== 'pending') {
          closed = view(current, now);
          return current;
        }
        return next(current, now);
      },
      keepFor(before),
    );
    if (closed) throw new ApprovalClosedError(closed);
    if (!after) throw new ApprovalClosedError(undefined);
    return view(after);
  }
}
