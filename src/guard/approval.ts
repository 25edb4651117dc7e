import type { ApprovalDetails, ApprovalRecord } from '../approval/approvals.js';
import type { OrderChange } from '../providers/types.js';
import { sleep } from '../wait.js';
import type { Quote } from './quote.js';

// How the money path asks a person through the approval page (design.md "Approval
// channels"): an approval record per quote, decided on a page the model cannot operate,
// read back from the shared store by whichever process the model calls next.

/** The page and its records, as the runtime provides them (started on first use). */
export interface ApprovalChannel {
  /**
   * Creates the approval of a quote (for `identity`'s order, in HTTP mode) and, with `show`,
   * opens its page in the person's browser where it can.
   */
  open(quoteId: string, details: ApprovalDetails, expiresAt: number, show: boolean, identity?: string): Promise<{ record: ApprovalRecord; url: string }>;
  /** The approval of a quote, as stored, and its URL on this process's page. */
  find(quoteId: string): Promise<{ record: ApprovalRecord; url: string } | undefined>;
  /** Whether Approve needs a passkey (PROXYCART_APPROVAL_PASSKEY): then only the page can approve, never a form. */
  passkeyRequired(identity?: string): Promise<boolean>;
}

/** How often a waiting call looks at the store for the person's decision. */
export const DECISION_POLL_MS = 500;

export interface Waiting {
  signal?: AbortSignal;
  progress?: (progress: number, total: number | undefined, message: string) => Promise<void>;
}

/**
 * Waits up to `ms` for the person to decide on the approval of `quoteId`, with progress
 * notifications. Returns the record as it stands at the end (possibly still pending).
 */
export async function awaitDecision(channel: ApprovalChannel, quoteId: string, ms: number, waiting: Waiting): Promise<ApprovalRecord | undefined> {
  const started = Date.now();
  let found = await channel.find(quoteId);
  let polls = 0;
  while (found?.record.state === 'pending' && Date.now() - started < ms && !waiting.signal?.aborted) {
    const elapsed = Date.now() - started;
    if (polls % 4 === 0) await waiting.progress?.(elapsed / 1000, ms / 1000, 'Waiting for the person to approve or decline on the approval page');
    polls += 1;
    await sleep(Math.min(DECISION_POLL_MS, ms - elapsed), waiting.signal);
    found = await channel.find(quoteId);
  }
  return found?.record;
}

export function approvalDetails(
  vendor: string,
  sandbox: boolean,
  quote: Quote,
  maxOrderUsd: number,
  budgetLeftUsd: number,
  change?: OrderChange,
): ApprovalDetails {
  return {
    vendor,
    sandbox,
    ...(change ? { change } : {}),
    summary: quote.summary,
    total_usd: quote.total_usd,
    price_source: quote.price_source,
    balance_usd: quote.balance_usd,
    balance_after_usd: quote.balance_after_usd,
    max_order_usd: maxOrderUsd,
    budget_left_usd: budgetLeftUsd,
    warnings: quote.warnings,
  };
}
