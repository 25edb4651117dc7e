import type { ConfirmMode } from '../../config.js';
import { ProxycartError } from '../../errors.js';
import type { Decision, DecisionChannel, DecisionRequest } from './decision.js';
import { type ElicitAnswer, formChannel, formsRefused } from './form.js';
import { type ApprovalPages, pageChannel } from './page.js';
import { tokenChannel } from './token.js';
import { type UrlElicitation, urlChannel } from './url.js';

// Which channels ask the person, in which order, for the confirmation mode in force and what
// this client offers (design.md "Approval channels"):
//   token  the agent confirms with the token (delegated)
//   page   the approval page
//   elicit a confirmation form, nothing else
//   auto   a form where the client offers one (unanswered: the page), else the link through
//          the client (URL elicitation), else the page
// A passkey is asked for on the page only, so where one is required no form may approve.

/** What the calling client offers for reaching the person. */
export interface ClientChannels {
  /** Form elicitation (2025-11-25, declared by the client). */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  /** URL elicitation (2025-11-25, declared by the client). */
  urlElicitation?: UrlElicitation;
}

export interface Person {
  /** Set when this client cannot reach a person in this mode at all: refused before anything is quoted. */
  unreachable?: ProxycartError;
  /** Gets a person's decision on the quote through the first channel that gives one. */
  decide(request: DecisionRequest): Promise<Decision>;
}

export function reachPerson(confirm: ConfirmMode, pages: ApprovalPages, client: ClientChannels): Person {
  const page = pageChannel(pages);
  const unreachable =
    confirm === 'elicit' && !client.elicit
      ? new ProxycartError('policy', 'Orders need a person to confirm in the client, and this client does not support confirmation forms (elicitation).', {
          advice: 'Use a client with elicitation support, or a person can set PROXYCART_CONFIRM=auto.',
        })
      : undefined;

  async function channelsFor(request: DecisionRequest): Promise<DecisionChannel[]> {
    if (confirm === 'token') return [tokenChannel];
    // A confirmation with the token: the person's decision is on the page.
    if (request.asking === 'token' || confirm === 'page') return [page];
    const formAllowed = client.elicit !== undefined && !(await pages.passkeyRequired(request.identity));
    if (confirm === 'elicit') return [formAllowed && client.elicit ? formChannel(client.elicit, true) : formsRefused];
    if (formAllowed && client.elicit) return [formChannel(client.elicit, false), page];
    return [client.urlElicitation ? urlChannel(client.urlElicitation, pages) : page];
  }

  return {
    unreachable,
    async decide(request) {
      for (const channel of await channelsFor(request)) {
        const decision = await channel.decide(request);
        if (decision) return decision;
      }
      // Only a form can pass, and the page that follows it always answers.
      throw new Error('no approval channel answered');
    },
  };
}
