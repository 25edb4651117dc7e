import type { ConfirmMode } from '../../config.js';
import { ProxycartError } from '../../errors.js';
import type { Store } from '../../store.js';
import type { Decision, DecisionChannel, DecisionRequest } from './decision.js';
import { type ElicitAnswer, formChannel, formsRefused } from './form.js';
import { type ClientRounds, inputRequiredChannel, readAnswer } from './input-required.js';
import { type ApprovalPages, pageChannel } from './page.js';
import { tokenChannel } from './token.js';
import { type UrlElicitation, urlChannel } from './url.js';

// Which channels ask the person, in which order, for the confirmation mode in force and what
// this client offers (design.md "Approval channels", "Protocol eras"):
//   token  the agent confirms with the token (delegated)
//   page   the approval page
//   elicit a confirmation form, nothing else
//   auto   2025-11-25: a form where the client offers one (unanswered: the page), else the
//          link through the client (URL elicitation), else the page;
//          2026-07-28: an input_required link to the page where the client takes URL input
//          requests, else an input_required form, else the page
// A passkey is asked for on the page only, so where one is required no form may approve.

/** What the calling client offers for reaching the person. */
export interface ClientChannels {
  /** Form elicitation (2025-11-25, declared by the client). */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  /** URL elicitation (2025-11-25, declared by the client). */
  urlElicitation?: UrlElicitation;
  /** Multi-round results (2026-07-28 requests). */
  rounds?: ClientRounds;
}

export interface PersonOptions {
  confirm: ConfirmMode;
  pages: ApprovalPages;
  client: ClientChannels;
  store: Store;
  /** The environment id and client identity the quote belongs to (an input request's state is bound to both). */
  environment: string;
  identity?: string;
}

export interface Person {
  /** Set when this client cannot reach a person in this mode at all: refused before anything is quoted. */
  unreachable?: ProxycartError;
  /**
   * On a retry that brings the answer to our input request: the token of the quote it answers,
   * once its state is verified (a `policy` refusal otherwise). Undefined on any other call.
   */
  answered(): Promise<string | undefined>;
  /** Gets a person's decision on the quote through the first channel that gives one. */
  decide(request: DecisionRequest): Promise<Decision>;
}

export function reachPerson(options: PersonOptions): Person {
  const { confirm, pages, client } = options;
  const page = pageChannel(pages);
  const forms = client.rounds ? client.rounds.form : client.elicit !== undefined;
  const unreachable =
    confirm === 'elicit' && !forms
      ? new ProxycartError('policy', 'Orders need a person to confirm in the client, and this client does not support confirmation forms (elicitation).', {
          advice: 'Use a client with elicitation support, or a person can set PROXYCART_CONFIRM=auto.',
        })
      : undefined;
  let asked: 'url' | 'form' | undefined;

  const rounds = (ask: 'url' | 'form', only: boolean) =>
    inputRequiredChannel({ store: options.store, pages, rounds: client.rounds!, ask, environment: options.environment, only });

  async function channelsFor(request: DecisionRequest): Promise<DecisionChannel[]> {
    if (confirm === 'token') return [tokenChannel];
    if (request.asking === 'answer' && asked) return [rounds(asked, confirm === 'elicit')];
    // A confirmation with the token: the person's decision is on the page.
    if (request.asking !== 'quote' || confirm === 'page') return [page];
    const formAllowed = forms && !(await pages.passkeyRequired(request.identity));
    if (client.rounds) {
      if (confirm === 'elicit') return [formAllowed ? rounds('form', true) : formsRefused];
      if (client.rounds.url) return [rounds('url', false)];
      return [formAllowed ? rounds('form', false) : page];
    }
    if (confirm === 'elicit') return [formAllowed && client.elicit ? formChannel(client.elicit, true) : formsRefused];
    if (formAllowed && client.elicit) return [formChannel(client.elicit, false), page];
    return [client.urlElicitation ? urlChannel(client.urlElicitation, pages) : page];
  }

  return {
    unreachable,
    async answered() {
      if (client.rounds?.state === undefined) return undefined;
      const answer = await readAnswer(options.store, client.rounds, options.environment, options.identity);
      asked = answer.asked;
      return answer.token;
    },
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
