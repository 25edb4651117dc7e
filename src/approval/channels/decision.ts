import type { InputRequiredResult } from '@modelcontextprotocol/server';
import type { ProxycartError } from '../../errors.js';
import type { ApprovalDetails, ApprovedBy } from '../approvals.js';

// One question for every approval channel (design.md "Approval channels"): get a person's
// decision on this quote. The guard asks it and acts on the answer (place, decline, or tell
// the model what happens next) without knowing which channel gave it; person.ts picks the
// channels for the confirmation mode and the client.

/** How a call that waits for a person reports that it is still waiting, and when to stop. */
export interface Waiting {
  signal?: AbortSignal;
  progress?: (progress: number, total: number | undefined, message: string) => Promise<void>;
}

/** One quote a person is asked about. */
export interface DecisionRequest {
  /** The guard's quote id (hash of the confirmation token). */
  quoteId: string;
  /**
   * `quote`: a new quote; `token`: the model came back with the confirmation token; `answer`:
   * the client came back with the person's answer to our input request (2026-07-28).
   */
  asking: 'quote' | 'token' | 'answer';
  /** The confirmation token: a handle the model passes back, never a decision by itself outside token mode. */
  token: string;
  /** The HTTP client identity whose order it is (its own passkeys and budget). */
  identity?: string;
  expiresAt: number;
  /** What every surface shows: vendor, what, total, balance, caps, warnings (read when a surface needs it). */
  details(): Promise<ApprovalDetails>;
  /** How long this call may wait for a decision made elsewhere (wait_seconds). */
  waitMs: number;
  waiting: Waiting;
}

/** No decision yet: what the model is told (the result's status, the link where there is one, the next step). */
export interface Pending {
  state: 'pending';
  status: 'approval_required' | 'confirmation_required';
  approval_url?: string;
  next_step: string;
}

export type Decision =
  | { state: 'approved'; approvedBy?: ApprovedBy }
  | { state: 'declined'; why: string }
  | Pending
  /** Asked through the client (2026-07-28 `input_required`): the call's result is this question; the retry brings the answer. */
  | { state: 'ask'; result: InputRequiredResult }
  /** The quote can no longer be approved (expired, void, or no channel allowed): nothing is sent. `forget`: drop the quote. */
  | { state: 'closed'; error: ProxycartError; forget: boolean };

export interface DecisionChannel {
  /** The person's decision on this quote, or undefined when this channel got none and the next one is asked. */
  decide(request: DecisionRequest): Promise<Decision | undefined>;
}
