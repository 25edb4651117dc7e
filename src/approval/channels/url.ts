import { log } from '../../log.js';
import type { DecisionChannel } from './decision.js';
import { type ElicitAnswer, linkMessage } from './form.js';
import { type ApprovalPages, awaitDecision, linkForModel, openApproval, pageDecision } from './page.js';

// URL elicitation (2025-11-25): the client shows the person the approval page's link, so the
// model never holds it; the call then waits for the page's decision (accept means only that
// the person opened the link). Declined → declined; unanswered → the model is given the link.

export interface UrlElicitation {
  ask(message: string, url: string, elicitationId: string): Promise<ElicitAnswer>;
  /** notifications/elicitation/complete, once the page has the decision. */
  complete(elicitationId: string): Promise<void>;
  /** How long the call waits for the page decision after the client showed the link. */
  waitMs: number;
}

export function urlChannel(elicitation: UrlElicitation, pages: ApprovalPages): DecisionChannel {
  return {
    async decide(request) {
      if (request.asking !== 'quote') return undefined;
      const details = await request.details();
      const { record: approval, url } = await openApproval(pages, request, false);
      const answer = await elicitation.ask(linkMessage(details), url, approval.id);
      if (answer === 'decline') return { state: 'declined', why: 'The person declined to open the approval page.' };
      if (answer === 'accept') {
        const decided = await awaitDecision(pages, request.quoteId, elicitation.waitMs, request.waiting);
        if (decided?.state !== 'pending') await elicitation.complete(approval.id).catch(() => undefined);
        return pageDecision(decided, url, request.expiresAt);
      }
      log('info', `${details.vendor}: approval link ${answer}; the model is given the link instead`);
      return linkForModel(url);
    },
  };
}
