import * as z from 'zod';
import type { ApprovalRecord, ApprovedBy } from '../approval/approvals.js';
import type { ConfirmMode } from '../config.js';
import { maskCredentials } from '../credentials.js';
import type { Environment } from '../environment.js';
import { asProxycartError, ProxycartError } from '../errors.js';
import { type LedgerEntry, overcharge, PRICE_TOLERANCE_USD, UNKNOWN_PREFIX } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { log } from '../log.js';
import { formatUsd } from '../money.js';
import type { Order, PreparedOrder, ProviderSpec, ReadOptions } from '../providers/types.js';
import type { Store } from '../store.js';
import { MAX_WAIT_SECONDS, waitMs, waitSecondsInput } from '../wait.js';
import { type ApprovalChannel, approvalDetails, awaitDecision, type Waiting } from './approval.js';
import { type Binding, confirmationMessage, findQuote, forgetQuote, hashArguments, issueToken, type QuoteRecord, tokenId } from './confirmation.js';
import { checkBudget, checkQuote, checkRecurring, type Limits } from './policy.js';
import { buildQuote, type Quote, quotedTotal } from './quote.js';
import { type RecoverRule, type SettleDeps, sendPrepared, settleEntry, unknownOrder } from './reconcile.js';

// The money path, for every operation that can spend or arm a charge: a new order, more
// time, more traffic, renewal switched on. The guard sees a prepared call (its price, its
// request, whether it arms charges later), what a token binds it to, and how a lost answer
// is recovered; it never knows which vendor or which operation it is.

/**
 * The fields place_order takes beside the vendor's order fields. The guard reads them and
 * strips them before the order is hashed, quoted or sent.
 */
export const orderControls = {
  // Both undescribed on purpose (every byte of tools/list counts): the quote's next_step says
  // when to use them, in the words of the confirmation mode in force.
  confirmation_token: z.string().min(1).max(200).optional(),
  wait_seconds: waitSecondsInput,
};

/** A money tool's parsed input: the vendor's fields and the guard's own. */
export type MoneyArgs = Record<string, unknown> & z.output<z.ZodObject<typeof orderControls>>;

/** The person's answer to a confirmation form; `unanswered` covers errors and time-outs. */
export type ElicitAnswer = 'accept' | 'decline' | 'cancel' | 'unanswered';

/** One money operation as the guard runs it, built by the tool that offers it. */
export interface MoneyCall {
  /** What its tokens bind beside the arguments and the environment (absent: a new order). */
  binding?: Binding;
  /** Checks and prices the call without spending: the exact request, its quote, whether it arms later charges. */
  prepare(args: Record<string, unknown>, options?: ReadOptions): Promise<PreparedOrder>;
  /** How an unanswered call is learnt (absent: the provider's own `recover`). */
  recover?: RecoverRule;
}

/** What a money call needs; it settles calls already sent through the same dependencies as order_status. */
export interface MoneyContext extends SettleDeps {
  call: MoneyCall;
  provider: ProviderSpec;
  /** The account this server charges for the provider (sandbox or one live key). */
  environment: Environment;
  /** The authenticated client calling (HTTP mode), whose own budget applies too. */
  identity?: string;
  store: Store;
  ledger: Ledger;
  limits: Limits;
  confirm: ConfirmMode;
  /** Present when the client declared form elicitation. */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  /** Present when the client declared URL elicitation: it shows the person the approval page's link. */
  urlElicitation?: UrlElicitation;
  /** The approval page and its records. */
  approvals: ApprovalChannel;
  waiting: Waiting;
}

export interface UrlElicitation {
  ask(message: string, url: string, elicitationId: string): Promise<ElicitAnswer>;
  /** notifications/elicitation/complete, once the page has the decision. */
  complete(elicitationId: string): Promise<void>;
  /** How long the call waits for the page decision after the client showed the link. */
  waitMs: number;
}

export interface MoneyResult {
  status: 'approval_required' | 'confirmation_required' | 'placed' | 'declined' | 'outcome_unknown';
  quote: Quote;
  confirmation_token?: string;
  /** The page where the person approves or declines (never operated by the model). */
  approval_url?: string;
  expires_at?: string;
  /** True when this call made no vendor request: the token was already used, and this is its order. */
  replayed?: boolean;
  order?: Order;
  /** Said after placing: e.g. `overcharged`, a charge above the approved total. */
  warnings?: string[];
  next_step: string;
}

export async function runMoneyCall(ctx: MoneyContext, args: MoneyArgs): Promise<MoneyResult> {
  // The guard's own fields never reach the hash, the quote or the vendor.
  const { confirmation_token: token, wait_seconds: waitSeconds, ...orderArgs } = args;
  const argsHash = hashArguments(ctx.environment, orderArgs, ctx.call.binding);
  if (token !== undefined) return confirmWithToken(ctx, token, argsHash, waitMs(waitSeconds));
  if (ctx.confirm === 'elicit' && !ctx.elicit) {
    throw new ProxycartError('policy', 'Orders need a person to confirm in the client, and this client does not support confirmation forms (elicitation).', {
      advice: 'Use a client with elicitation support, or a person can set PROXYCART_CONFIRM=auto.',
    });
  }
  return requestApproval(ctx, orderArgs, argsHash, await ctx.call.prepare(orderArgs), []);
}

/** Quote a prepared order, check it against the caps, and ask for a person's approval. */
async function requestApproval(
  ctx: MoneyContext,
  args: Record<string, unknown>,
  argsHash: string,
  prepared: PreparedOrder,
  notes: string[],
): Promise<MoneyResult> {
  // A charge that comes back by itself is refused before anything else unless a person allowed such charges.
  checkRecurring(prepared.recurring, ctx.limits);
  const quote = await buildQuote(ctx.client, ctx.provider.title, prepared);
  // Two index look-ups: an earlier identical order of unknown outcome, and the spending.
  const [unresolved, spent] = await Promise.all([ctx.ledger.unresolved(argsHash), ctx.ledger.spending(ctx.environment.sandbox, ctx.identity)]);
  if (unresolved && ctx.confirm === 'token') throw sameOrderUnresolved(ctx, unresolved);
  // What a person must read first: that it renews by itself, then an identical order that may already have been charged.
  quote.warnings.unshift(...(quote.renews ? [quote.renews] : []), ...(unresolved ? [unresolvedWarning(unresolved)] : []), ...notes);
  checkQuote(quote, prepared.quote, ctx.limits);
  checkBudget(quote, ctx.limits, spent);

  const { token: issued, record } = await issueToken(ctx.store, {
    provider: ctx.provider.id,
    environment: ctx.environment,
    args,
    argsHash,
    prepared,
    quote,
    ...(ctx.call.binding ? { binding: ctx.call.binding } : {}),
    ...(ctx.call.recover ? { recover: ctx.call.recover } : {}),
  });
  // A call that moves no money and arms nothing (renewal switched off) needs nobody's approval: it is made at once.
  if (prepared.charges === false && !prepared.recurring) return confirmAndPlace(ctx, record);
  if (ctx.confirm === 'token') {
    return {
      status: 'confirmation_required',
      quote,
      confirmation_token: issued,
      expires_at: new Date(record.expiresAt).toISOString(),
      // Token mode: the person delegated approval to the agent (PROXYCART_CONFIRM=token).
      next_step:
        'Confirm with the token when your instructions allow this purchase: call this tool again with exactly the same arguments plus confirmation_token. The caps still apply.',
    };
  }
  // A passkey is asked for on the page only: a form would let an approval through without one.
  const formAllowed = ctx.elicit !== undefined && ctx.confirm !== 'page' && !(await ctx.approvals.passkeyRequired(ctx.identity));
  if (ctx.confirm === 'elicit' && !formAllowed) {
    await forgetQuote(ctx.store, record.id);
    throw new ProxycartError(
      'policy',
      'Approving needs a passkey (PROXYCART_APPROVAL_PASSKEY), which only the approval page asks for, and PROXYCART_CONFIRM=elicit allows forms only. Nothing was sent.',
      {
        advice: 'A person can set PROXYCART_CONFIRM=auto or page, or PROXYCART_APPROVAL_PASSKEY=off.',
      },
    );
  }
  if (ctx.elicit && formAllowed) {
    const answer = await ctx.elicit(confirmationMessage(ctx.provider.title, quote, ctx.environment.sandbox, prepared.change !== undefined));
    if (answer === 'accept') return withToken(await confirmAndPlace(ctx, record), issued);
    if (answer === 'decline' || ctx.confirm === 'elicit') return declined(ctx, record, 'The person did not approve this order.');
    log('info', `${ctx.provider.id}: confirmation form ${answer}; the approval page takes over`);
  }
  // A client with URL elicitation shows the link to the person itself.
  const asked = ctx.confirm === 'auto' && !formAllowed ? ctx.urlElicitation : undefined;
  const { record: approval, url } = await openApproval(ctx, record, spent.total, !asked);
  if (asked) {
    const answer = await asked.ask(`Approve or decline this ${ctx.provider.title} order on the approval page: ${quote.summary}`, url, approval.id);
    if (answer === 'decline') return declined(ctx, record, 'The person declined to open the approval page.');
    if (answer === 'accept') {
      // `accept` means only that the person opened the link: the decision is on the page.
      const decided = await awaitDecision(ctx.approvals, record.id, asked.waitMs, ctx.waiting);
      if (decided?.state !== 'pending') await asked.complete(approval.id).catch(() => undefined);
      return afterDecision(ctx, record, decided, url, issued);
    }
    log('info', `${ctx.provider.id}: approval link ${answer}; the model is given the link instead`);
  }
  return approvalRequired(record, url, issued);
}

/** The approval of a quote on the page: the quote, the caps and what is left of the 24-hour budget. */
function openApproval(ctx: MoneyContext, record: QuoteRecord, spentUsd: number, show: boolean) {
  const details = approvalDetails(
    ctx.provider.title,
    ctx.environment.sandbox,
    record.quote,
    ctx.limits.maxOrderUsd,
    Math.max(0, ctx.limits.dailyBudgetUsd - spentUsd),
    record.prepared.change,
  );
  return ctx.approvals.open(record.id, details, record.expiresAt, show, ctx.identity);
}

/** What an approval's state means for the order: placed, declined, still waiting, or refused. */
async function afterDecision(ctx: MoneyContext, record: QuoteRecord, approval: ApprovalRecord | undefined, url: string, token: string): Promise<MoneyResult> {
  switch (approval?.state) {
    case 'approved':
      return withToken(await confirmAndPlace(ctx, record, approval.approvedBy), token);
    case 'declined':
      return declined(ctx, record, 'The person declined this order on the approval page.');
    case 'pending':
      return notDecidedYet(record, url, token);
    case 'void':
      await forgetQuote(ctx.store, record.id);
      throw new ProxycartError(
        'policy',
        `This approval was voided after five ${approval.wrongPins >= 5 ? 'wrong PINs' : 'failed passkey attempts'}. Nothing was sent.`,
        {
          advice: 'Call place_order without a token for a new quote; the person approves it on its own page.',
        },
      );
    default:
      throw new ProxycartError('policy', 'This approval has expired. Nothing was sent.', {
        advice: 'Call place_order without a token for a new quote; the person approves it on its own page.',
      });
  }
}

function approvalRequired(record: QuoteRecord, url: string, token: string): MoneyResult {
  return {
    status: 'approval_required',
    quote: record.quote,
    confirmation_token: token,
    approval_url: url,
    expires_at: new Date(record.expiresAt).toISOString(),
    next_step: `A person must approve this order on the approval page; you cannot. Give the person this link: ${url} . Then call this tool again with the same arguments and confirmation_token (add wait_seconds, at most ${MAX_WAIT_SECONDS}, to wait for their decision; a call never waits longer). It places the order only once they approved.`,
  };
}

/** A confirmation before the person decided: the same approval, said to be still open, with the time left. */
function notDecidedYet(record: QuoteRecord, url: string, token: string): MoneyResult {
  const seconds = Math.max(0, Math.round((record.expiresAt - Date.now()) / 1000));
  const left = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  const result = approvalRequired(record, url, token);
  return {
    ...result,
    next_step: `Not decided yet: the person has neither approved nor declined this order, and ${left} are left before the quote expires. Nothing was placed. ${result.next_step}`,
  };
}

/** A declined quote, remembered for the rest of its lifetime so that its token keeps saying so. */
interface DeclinedRecord {
  provider: string;
  environment: string;
  argsHash: string;
  binding?: Binding;
  quote: Quote;
  why: string;
}

const declinedKey = (quoteId: string) => `declined:${quoteId}`;

async function declined(ctx: MoneyContext, record: QuoteRecord, why: string): Promise<MoneyResult> {
  const remembered: DeclinedRecord = {
    provider: record.provider,
    environment: record.environment.id,
    argsHash: record.argsHash,
    ...(record.binding ? { binding: record.binding } : {}),
    quote: record.quote,
    why,
  };
  await ctx.store.set(declinedKey(record.id), remembered, Math.max(1, record.expiresAt - Date.now()));
  await forgetQuote(ctx.store, record.id);
  return declinedResult(remembered);
}

function declinedResult({ quote, why }: Pick<DeclinedRecord, 'quote' | 'why'>): MoneyResult {
  return {
    status: 'declined',
    quote,
    next_step: `${why} Nothing was ordered or charged, and this confirmation token cannot place it. Ask the person before quoting it again.`,
  };
}

/** `waitMs`: how long this call waits for a decision on the page (`wait_seconds`). */
async function confirmWithToken(ctx: MoneyContext, token: string, argsHash: string, waitMs: number): Promise<MoneyResult> {
  if (ctx.confirm === 'elicit') {
    throw new ProxycartError('policy', 'Confirmation tokens are off: orders must be confirmed by a person in the client (PROXYCART_CONFIRM=elicit).');
  }
  const id = tokenId(token);
  const entry = await ctx.ledger.get(id);
  if (entry) {
    checkBinding(ctx, { provider: entry.provider, environment: entry.environment, argsHash: entry.argsHash, binding: bindingOf(entry) }, argsHash);
    return replayed(withToken(await settle(ctx, entry), token));
  }
  const record = await findQuote(ctx.store, id);
  if (!record || record.expiresAt < Date.now()) {
    // A declined quote keeps saying so, as an approved token keeps replaying its order.
    const refused = await ctx.store.get<DeclinedRecord>(declinedKey(id));
    if (refused) {
      checkBinding(ctx, refused, argsHash);
      return declinedResult(refused);
    }
    throw new ProxycartError('policy', 'This confirmation token is unknown or has expired. Nothing was sent.', {
      advice: 'Call place_order without a token to get a new quote, show it to the person, then confirm.',
    });
  }
  checkBinding(ctx, { provider: record.provider, environment: record.environment?.id, argsHash: record.argsHash, binding: record.binding }, argsHash);
  if (ctx.confirm === 'token') {
    // An identical order may have gone out unanswered since this quote was made.
    const unresolved = await ctx.ledger.unresolved(argsHash);
    if (unresolved) throw sameOrderUnresolved(ctx, unresolved);
    return withToken(await confirmAndPlace(ctx, record), token);
  }
  // Everywhere else a token is only a handle: the person's decision on the page decides.
  let found = await ctx.approvals.find(record.id);
  if (!found) {
    // Issued without a page (a form that was answered elsewhere, or token mode before a restart).
    found = await openApproval(ctx, record, (await ctx.ledger.spending(ctx.environment.sandbox)).total, true);
  }
  const decided = waitMs > 0 && found.record.state === 'pending' ? await awaitDecision(ctx.approvals, record.id, waitMs, ctx.waiting) : found.record;
  return afterDecision(ctx, record, decided, found.url, token);
}

/** What a token was issued for: provider, environment, arguments, and the operation and its target. */
interface Issued {
  provider: string;
  environment: string | undefined;
  argsHash: string;
  binding?: Binding;
}

function bindingOf(entry: LedgerEntry): Binding | undefined {
  return entry.operation !== undefined && entry.target !== undefined ? { operation: entry.operation, target: entry.target } : undefined;
}

/** How a binding is named to people: `extend_order of order X`, or a new order. */
function bound(binding: Binding | undefined): string {
  return binding ? `${binding.operation} of order ${binding.target}` : 'a new order';
}

/** A token confirms only the call it was issued for (operation, target, arguments), in the environment it was issued in. */
function checkBinding(ctx: MoneyContext, issued: Issued, argsHash: string): void {
  const { provider, environment, argsHash: issuedHash } = issued;
  if (provider !== ctx.provider.id || environment !== ctx.environment.id) {
    throw new ProxycartError(
      'policy',
      `This confirmation token was issued for another environment (${environment?.startsWith('sandbox:') ? 'the sandbox' : 'another account, key or base URL'}), not for ${ctx.environment.sandbox ? `the ${ctx.provider.title} sandbox` : `this ${ctx.provider.title} account`}. Nothing was sent.`,
      { advice: 'Call place_order without a token for a quote in this environment, show it to the person, then confirm.' },
    );
  }
  const [had, want] = [issued.binding, ctx.call.binding];
  if (had?.operation !== want?.operation || had?.target !== want?.target) {
    throw new ProxycartError('policy', `This confirmation token was issued for ${bound(had)}, not for ${bound(want)}. Nothing was sent.`, {
      advice: 'A token confirms only the operation and the order it was quoted for: call this tool without a token for a quote of this one.',
    });
  }
  if (issuedHash !== argsHash) {
    throw new ProxycartError('policy', 'These arguments differ from the ones the confirmation token was issued for. Nothing was sent.', {
      advice: 'Confirm with exactly the quoted arguments, or call without a token for a new quote of the changed order.',
    });
  }
}

/**
 * Send one approved order: price it again, intent in the ledger, then exactly one vendor
 * call, then its result. `approvedBy`: the page's receipt (which passkey, when), kept in the ledger.
 */
async function confirmAndPlace(ctx: MoneyContext, record: QuoteRecord, approvedBy?: ApprovedBy): Promise<MoneyResult> {
  const repriced = await priceAgain(ctx, record);
  if (repriced) return repriced;
  // The limits may have changed (a restart with new settings) since the quote was made.
  checkRecurring(record.prepared.recurring, ctx.limits);
  checkQuote(record.quote, record.prepared.quote, ctx.limits);
  // The budget check and the intent are one atomic step of the ledger's backend.
  const intent = await ctx.ledger.writeIntent(
    {
      id: record.id,
      provider: record.provider,
      sandbox: record.environment.sandbox,
      environment: record.environment.id,
      ...(ctx.identity === undefined ? {} : { identity: ctx.identity }),
      argsHash: record.argsHash,
      idempotencyKey: record.idempotencyKey,
      prepared: record.prepared,
      quote: record.quote,
      ...(record.binding ? { operation: record.binding.operation, target: record.binding.target } : {}),
      ...(record.recover ? { recover: record.recover } : {}),
      ...(record.prepared.recurring ? { recurring: record.prepared.recurring } : {}),
      ...(approvedBy === undefined ? {} : { approvedBy }),
    },
    ctx.limits,
  );
  if (!intent) {
    // Another call (maybe in another process) holds this quote: report its outcome, send nothing.
    return replayed(await settle(ctx, (await ctx.ledger.get(record.id))!));
  }
  let order: Order;
  try {
    order = await sendPrepared(ctx.client, record.prepared, record.idempotencyKey);
  } catch (error) {
    const failure = asProxycartError(error);
    if (failure.details.nothingCharged) {
      await ctx.ledger.record(record.id, { status: 'failed', error: { kind: failure.kind, message: failure.message } });
      await forgetQuote(ctx.store, record.id);
      throw failure;
    }
    log('warning', `${record.provider}: order ${record.id} sent without a clear answer (${failure.message})`);
    const entry = await ctx.ledger.record(record.id, { status: 'outcome_unknown', error: { kind: failure.kind, message: failure.message } });
    return unknownOutcome(entry, failure.message);
  }
  const placed = await ctx.ledger.record(record.id, { status: 'placed', order: maskCredentials(order) });
  await forgetQuote(ctx.store, record.id);
  return placedResult(placed, maskCredentials(order));
}

// Concurrent confirmations of one quote (a client retrying, or racing itself) each price it
// again before the ledger lets one of them send it. They share one vendor read per process:
// the answer is the same for all, and only one of them can place the order anyway.
const freshReads = new Map<string, Promise<PreparedOrder>>();

/** The quote's order priced now, past the catalog cache (which must never hide a rise from the ceiling check). */
function freshPrice(ctx: MoneyContext, record: QuoteRecord): Promise<PreparedOrder> {
  let read = freshReads.get(record.id);
  if (!read) {
    read = ctx.call.prepare(record.args, { fresh: true }).finally(() => freshReads.delete(record.id));
    freshReads.set(record.id, read);
  }
  return read;
}

/**
 * The approved total is a ceiling. Right before the money call the order is priced again
 * the way the quote was; a higher (or no longer known) price sends nothing, voids the
 * approval and asks for a new one at the new price. Undefined: go ahead.
 */
async function priceAgain(ctx: MoneyContext, record: QuoteRecord): Promise<MoneyResult | undefined> {
  const approved = record.quote.total_usd;
  // Unpriced calls pass the caps only when a person allowed them; a call that charges nothing now has no price to rise.
  if (approved === null || record.prepared.charges === false) return undefined;
  const fresh = await freshPrice(ctx, record);
  const now = quotedTotal(ctx.provider.title, fresh).usd;
  if (now !== null && now <= approved + PRICE_TOLERANCE_USD) return undefined;
  // A concurrent confirmation of this token may already have sent it: then that is the answer.
  const sent = await ctx.ledger.get(record.id);
  if (sent) return replayed(await settle(ctx, sent));
  await forgetQuote(ctx.store, record.id);
  const change =
    now === null
      ? `${ctx.provider.title} no longer gives a usable price for this order (it was approved at ${formatUsd(approved)}). That approval is void and nothing was sent.`
      : `The price rose from ${formatUsd(approved)} to ${formatUsd(now)} since it was approved. That approval is void and nothing was sent.`;
  log('warning', `${record.provider}: ${change}`);
  try {
    return await requestApproval(ctx, record.args, record.argsHash, fresh, [change]);
  } catch (error) {
    const refusal = asProxycartError(error);
    throw new ProxycartError(refusal.kind, `${change} ${refusal.message}`, refusal.details);
  }
}

/** The result of an approved quote that was already sent (by this call or another). */
async function settle(ctx: MoneyContext, entry: LedgerEntry): Promise<MoneyResult> {
  const settled = await settleEntry(ctx, entry);
  return settled.order ? placedResult(settled.entry, settled.order) : unknownOutcome(settled.entry, settled.why);
}

function placedResult(entry: LedgerEntry, order: Order): MoneyResult {
  const result: MoneyResult = {
    status: 'placed',
    quote: entry.quote,
    order,
    next_step:
      entry.target !== undefined
        ? `Done: ${entry.quote.summary}. order_status with order_id ${entry.target} shows the order now.`
        : order.state === 'active'
          ? 'The order is active. Use order_status with include_credentials: true to see the proxy passwords.'
          : 'The order is paid and being provisioned. Call order_status with this order id and wait_seconds to follow it until it is active.',
  };
  const over = overcharge(entry);
  if (over) {
    result.warnings = [
      `overcharged: the vendor reports charging ${formatUsd(over.charged_usd)}, above the ${formatUsd(over.approved_usd)} the person approved. proxycart counts the higher amount against the budget; tell the person, who can dispute the charge with the vendor.`,
    ];
  }
  return result;
}

function unknownOutcome(entry: LedgerEntry, why: string): MoneyResult {
  return {
    status: 'outcome_unknown',
    quote: entry.quote,
    order: unknownOrder(entry),
    next_step: `The order was sent but its outcome is unknown: ${why} Do NOT ask for a new quote or order again. Later, call order_status with order id ${unknownOrder(entry).id}, or this tool again with the same arguments and confirmation_token: both check with the vendor and never send a second order. If the vendor still cannot tell, the person should check the vendor dashboard and wallet.`,
  };
}

function unresolvedWarning(entry: LedgerEntry): string {
  return `An identical order sent ${new Date(entry.createdAt).toISOString()} has an unknown outcome (order id ${UNKNOWN_PREFIX}${entry.id}) and may already have been charged: approving this one could buy it twice. Check that order first.`;
}

function sameOrderUnresolved(ctx: MoneyContext, entry: LedgerEntry): ProxycartError {
  const id = `${UNKNOWN_PREFIX}${entry.id}`;
  return new ProxycartError(
    'policy',
    `An identical order sent ${new Date(entry.createdAt).toISOString()} has an unknown outcome (order id ${id}); a second one is refused until that one is resolved. Nothing was sent.`,
    {
      advice: `Call ${ctx.provider.id}_order_status with order_id ${id} to check with the vendor. If the vendor cannot tell, a person who checked the vendor dashboard runs: proxycart ledger settle ${id} placed|not-placed.`,
    },
  );
}

/** A result this call did not cause: the token's order was sent before, and no new charge was made. */
function replayed(result: MoneyResult): MoneyResult {
  return {
    ...result,
    replayed: true,
    quote: { ...result.quote, warnings: [...result.quote.warnings, 'The balance shown is the one at quote time.'] },
    next_step: `This confirmation token was already used: this is the result of that order, and no new charge was made. ${result.next_step}`,
  };
}

function withToken(result: MoneyResult, token: string): MoneyResult {
  return result.status === 'outcome_unknown' ? { ...result, confirmation_token: token } : result;
}
