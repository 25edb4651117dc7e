import { randomBytes } from 'node:crypto';
import { acceptedContent, createRequestStateCodec, inputRequired, inputResponse, type ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { ProxycartError } from '../../errors.js';
import type { Store } from '../../store.js';
import type { Decision, DecisionChannel, DecisionRequest } from './decision.js';
import { confirmationMessage, linkMessage } from './form.js';
import { type ApprovalPages, awaitDecision, linkForModel, openApproval, pageChannel, pageDecision } from './page.js';

// Approval on a 2026-07-28 request, which has no channel for server-initiated requests: the
// call answers `input_required` (design.md "Protocol eras") with a URL-mode input request to
// the approval page (the client shows the link to the person; the model never holds it), or a
// confirmation form where the client offers only forms. The client retries the same call with
// the person's answer and our `requestState`, on any node: the state is HMAC-sealed (the
// SDK's codec) with a secret kept in the store, bound to the environment and the client
// identity, names the quote, lives as long as a quote, and is good for one retry. The answer
// itself is untrusted input, read with the same schema as a 2025 form answer.

/** What a 2026-07-28 request brings: the capabilities it declared, and on a retry the answers and our state. */
export interface ClientRounds {
  form: boolean;
  url: boolean;
  /** The retry's `inputResponses` (untrusted). */
  responses?: Record<string, unknown>;
  /** The retry's `requestState`, as the client echoed it (untrusted until read by readAnswer). */
  state?: string;
  /** The request being served (the SDK's codec takes it; the binding here does not read it). */
  context: ServerContext;
}

/** Which question the state answers: the link to the page, or the confirmation form. */
type Asked = 'url' | 'form';

interface RoundState {
  /** The confirmation token of the quote (a handle; outside token mode it never approves anything by itself). */
  t: string;
  /** One use: claimed in the store when the retry is read. */
  n: string;
  k: Asked;
}

const SECRET_KEY = 'request-state:secret';
const usedKey = (nonce: string) => `request-state:used:${nonce}`;
/** As long as a quote and its approval live. */
const STATE_TTL_S = 10 * 60;
const REQUEST = 'approval';
/** A retry that says the person opened the link waits this long for the page's decision (frameworks time out at 60 s). */
export const ANSWER_WAIT_MS = 45_000;

/** The same question as the 2025 confirmation form; its answer is checked with this schema. */
const FORM = z.object({ approve: z.boolean().meta({ title: 'Approve this order', description: 'Place it and charge the wallet' }) });

/** The server's HMAC secret: created once in the store (the first node's wins), shared by every node, never shown. */
async function secretOf(store: Store): Promise<string> {
  await store.add(SECRET_KEY, randomBytes(32).toString('base64url'));
  const secret = await store.get<string>(SECRET_KEY);
  if (!secret) throw new ProxycartError('storage', 'The approval state key could not be read from the store. Nothing was sent.');
  return secret;
}

async function codecFor(store: Store, environment: string, identity: string | undefined) {
  const key = await secretOf(store);
  return createRequestStateCodec<RoundState>({ key, ttlSeconds: STATE_TTL_S, bind: () => `${environment}\n${identity ?? ''}` });
}

function refused(why: string): ProxycartError {
  return new ProxycartError('policy', `This approval answer is refused: ${why}. Nothing was sent.`, {
    advice: 'Call place_order again with the same arguments and no answer for a new quote; the person approves that one.',
  });
}

/**
 * Reads a retry's `requestState`: ours, unaltered, unexpired, for this environment and client,
 * and not used before (claimed now, atomically, across nodes). Returns the quote's token and
 * the question asked; anything else is a `policy` refusal before any vendor request.
 */
export async function readAnswer(
  store: Store,
  rounds: ClientRounds,
  environment: string,
  identity: string | undefined,
): Promise<{ token: string; asked: Asked }> {
  const codec = await codecFor(store, environment, identity);
  let state: RoundState;
  try {
    state = await codec.verify(rounds.state ?? '', rounds.context);
  } catch (error) {
    const reason = error instanceof Error ? error.message : '';
    throw refused(
      reason === 'bind'
        ? 'its requestState was issued for another environment or client'
        : reason === 'expired'
          ? 'its requestState has expired'
          : 'its requestState is not one this server issued',
    );
  }
  if (typeof state?.t !== 'string' || typeof state.n !== 'string' || (state.k !== 'url' && state.k !== 'form')) throw refused('its requestState is malformed');
  if (!(await store.add(usedKey(state.n), true, STATE_TTL_S * 1000))) throw refused('its requestState was already used');
  return { token: state.t, asked: state.k };
}

export function inputRequiredChannel(options: {
  store: Store;
  pages: ApprovalPages;
  rounds: ClientRounds;
  ask: Asked;
  environment: string;
  only: boolean;
}): DecisionChannel {
  const { store, pages, rounds } = options;

  async function ask(request: DecisionRequest, asked: Asked, question: ReturnType<typeof inputRequired.elicit>): Promise<Decision> {
    const codec = await codecFor(store, options.environment, request.identity);
    const requestState = await codec.mint({ t: request.token, n: randomBytes(16).toString('base64url'), k: asked }, rounds.context);
    return { state: 'ask', result: inputRequired({ inputRequests: { [REQUEST]: question }, requestState }) };
  }

  async function askLink(request: DecisionRequest, url: string): Promise<Decision> {
    const details = await request.details();
    return ask(request, 'url', inputRequired.elicitUrl({ message: linkMessage(details), url }));
  }

  return {
    async decide(request) {
      if (request.asking === 'quote') {
        if (options.ask === 'form')
          return ask(request, 'form', inputRequired.elicit({ message: confirmationMessage(await request.details()), requestedSchema: FORM }));
        return askLink(request, (await openApproval(pages, request, false)).url);
      }
      if (request.asking !== 'answer') return undefined;
      const view = inputResponse(rounds.responses, REQUEST);
      if (options.ask === 'form') {
        const answer = acceptedContent(rounds.responses, REQUEST, FORM);
        if (answer?.approve === true) return { state: 'approved' };
        if (answer || (view.kind === 'elicit' && view.action === 'decline') || options.only)
          return { state: 'declined', why: 'The person did not approve this order.' };
        // Cancelled or not a valid answer: the approval page takes over, as after a 2025 form.
        return pageChannel(pages).decide({ ...request, asking: 'quote' });
      }
      const found = (await pages.find(request.quoteId)) ?? (await openApproval(pages, request, false));
      if (view.kind === 'elicit' && view.action === 'decline') return { state: 'declined', why: 'The person declined to open the approval page.' };
      if (view.kind !== 'elicit' || view.action !== 'accept') return linkForModel(found.url);
      // `accept` means only that the person opened the link: the decision is on the page.
      const decided = found.record.state === 'pending' ? await awaitDecision(pages, request.quoteId, ANSWER_WAIT_MS, request.waiting) : found.record;
      const decision = pageDecision(decided, found.url, request.expiresAt);
      return decision.state === 'pending' ? askLink(request, found.url) : decision;
    },
  };
}
