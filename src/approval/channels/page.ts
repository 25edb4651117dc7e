import { ProxycartError } from '../../errors.js';
import { MAX_WAIT_SECONDS, sleep } from '../../wait.js';
import type { ApprovalDetails, ApprovalRecord } from '../approvals.js';
import type { Decision, DecisionChannel, DecisionRequest, Pending, Waiting } from './decision.js';

// The approval page (design.md "Approval channels"): an approval record per quote, decided
// on a page the model cannot operate, read back from the shared store by whichever process
// the model calls next. A new quote opens the page (in the person's browser where it can)
// and gives the model the link; a confirmation with the token reads, or waits for, the
// decision made there.

/** The page and its records, as the runtime provides them (started on first use). */
export interface ApprovalPages {
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

/**
 * Waits up to `ms` for the person to decide on the approval of `quoteId`, with progress
 * notifications. Returns the record as it stands at the end (possibly still pending).
 */
export async function awaitDecision(pages: ApprovalPages, quoteId: string, ms: number, waiting: Waiting): Promise<ApprovalRecord | undefined> {
  const started = Date.now();
  let found = await pages.find(quoteId);
  let polls = 0;
  while (found?.record.state === 'pending' && Date.now() - started < ms && !waiting.signal?.aborted) {
    const elapsed = Date.now() - started;
    if (polls % 4 === 0) await waiting.progress?.(elapsed / 1000, ms / 1000, 'Waiting for the person to approve or decline on the approval page');
    polls += 1;
    await sleep(Math.min(DECISION_POLL_MS, ms - elapsed), waiting.signal);
    found = await pages.find(quoteId);
  }
  return found?.record;
}

/** The model is given the link: the person decides there, then the model confirms with the token. */
export function linkForModel(url: string): Pending {
  return {
    state: 'pending',
    status: 'approval_required',
    approval_url: url,
    next_step: `A person must approve this order on the approval page; you cannot. Give the person this link: ${url} . Then call this tool again with the same arguments and confirmation_token (add wait_seconds, at most ${MAX_WAIT_SECONDS}, to wait for their decision; a call never waits longer). It places the order only once they approved.`,
  };
}

/** What the page's record says about the quote: approved, declined, still open (with the time left), or closed. */
export function pageDecision(approval: ApprovalRecord | undefined, url: string, expiresAt: number): Decision {
  switch (approval?.state) {
    case 'approved':
      return { state: 'approved', approvedBy: approval.approvedBy };
    case 'declined':
      return { state: 'declined', why: 'The person declined this order on the approval page.' };
    case 'pending': {
      const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
      const left = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
      const link = linkForModel(url);
      return {
        ...link,
        next_step: `Not decided yet: the person has neither approved nor declined this order, and ${left} are left before the quote expires. Nothing was placed. ${link.next_step}`,
      };
    }
    case 'void':
      return {
        state: 'closed',
        forget: true,
        error: new ProxycartError(
          'policy',
          `This approval was voided after five ${approval.wrongPins >= 5 ? 'wrong PINs' : 'failed passkey attempts'}. Nothing was sent.`,
          {
            advice: 'Call place_order without a token for a new quote; the person approves it on its own page.',
          },
        ),
      };
    default:
      return {
        state: 'closed',
        forget: false,
        error: new ProxycartError('policy', 'This approval has expired. Nothing was sent.', {
          advice: 'Call place_order without a token for a new quote; the person approves it on its own page.',
        }),
      };
  }
}

/** Opens the approval of a new quote: `show` puts it in the person's browser where the server can. */
export async function openApproval(pages: ApprovalPages, request: DecisionRequest, show: boolean) {
  return pages.open(request.quoteId, await request.details(), request.expiresAt, show, request.identity);
}

export function pageChannel(pages: ApprovalPages): DecisionChannel {
  return {
    async decide(request) {
      if (request.asking === 'quote') return linkForModel((await openApproval(pages, request, true)).url);
      // Issued without a page (a form answered elsewhere, or token mode before a restart): open one now.
      const found = (await pages.find(request.quoteId)) ?? (await openApproval(pages, request, true));
      const decided =
        request.waitMs > 0 && found.record.state === 'pending' ? await awaitDecision(pages, request.quoteId, request.waitMs, request.waiting) : found.record;
      return pageDecision(decided, found.url, request.expiresAt);
    },
  };
}
