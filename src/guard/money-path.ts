import type { InputRequiredResult } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { ApprovedBy } from '../approval/approvals.js';
import type { Decision, Waiting } from '../approval/channels/decision.js';
import type { Person } from '../approval/channels/person.js';
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
import { waitMs, waitSecondsInput } from '../wait.js';
import { approvalDetails } from './approval.js';
import { type Binding, findQuote, forgetQuote, hashArguments, issueToken, type QuoteRecord, tokenId } from './confirmation.js';
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
  /** The mode's own rules (token mode refuses an order next to one of unknown outcome; elicit mode takes no tokens). */
  confirm: ConfirmMode;
  /** Gets a person's decision on a quote, through whichever channel the mode and the client allow. */
  person: Person;
  waiting: Waiting;
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

/** What a money tool answers: a result, or (2026-07-28) a question for the person, asked through the client. */
export type MoneyOutcome = MoneyResult | InputRequiredResult;

export async function runMoneyCall(ctx: MoneyContext, args: MoneyArgs): Promise<MoneyOutcome> {
  // The guard's own fields never reach the hash, the quote or the vendor.
  const { confirmation_token: token, wait_seconds: waitSeconds, ...orderArgs } = args;
  const argsHash = hashArguments(ctx.environment, orderArgs, ctx.call.binding);
  if (token !== undefined) {
    if (ctx.confirm === 'elicit') {
      throw new ProxycartError('policy', 'Confirmation tokens are off: orders must be confirmed by a person in the client (PROXYCART_CONFIRM=elicit).');
    }
    return confirmQuote(ctx, token, argsHash, 'token', waitMs(waitSeconds));
  }
  // A retry that brings the person's answer to our question: verified before anything is sent.
  const answered = await ctx.person.answered();
  if (answered !== undefined) return confirmQuote(ctx, answered, argsHash, 'answer', 0);
  if (ctx.person.unreachable) throw ctx.person.unreachable;
  return requestApproval(ctx, orderArgs, argsHash, await ctx.call.prepare(orderArgs), []);
}

/** Quote a prepared order, check it against the caps, and ask for a person's approval. */
async function requestApproval(
  ctx: MoneyContext,
  args: Record<string, unknown>,
  argsHash: string,
  prepared: PreparedOrder,
  notes: string[],
): Promise<MoneyOutcome> {
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
  const decision = await ctx.person.decide({
    quoteId: record.id,
    asking: 'quote',
    token: issued,
    identity: ctx.identity,
    expiresAt: record.expiresAt,
    details: async () => detailsOf(ctx, record, spent.total),
    waitMs: 0,
    waiting: ctx.waiting,
  });
  return afterDecision(ctx, record, decision, issued);
}

/** What the person is shown: the quote (and the order it changes), the caps and what is left of the 24-hour budget. */
function detailsOf(ctx: MoneyContext, record: QuoteRecord, spentUsd: number) {
  return approvalDetails(
    ctx.provider.title,
    ctx.environment.sandbox,
    record.quote,
    ctx.limits.maxOrderUsd,
    Math.max(0, ctx.limits.dailyBudgetUsd - spentUsd),
    record.prepared.change,
  );
}

/** What the person's decision means for the call: made, declined, still waiting (the model is told what next), or refused. */
async function afterDecision(ctx: MoneyContext, record: QuoteRecord, decision: Decision, token: string): Promise<MoneyOutcome> {
  switch (decision.state) {
    case 'ask':
      return decision.result;
    case 'approved':
      return withToken(await confirmAndPlace(ctx, record, decision.approvedBy), token);
    case 'declined':
      return declined(ctx, record, decision.why);
    case 'pending':
      return {
        status: decision.status,
        quote: record.quote,
        confirmation_token: token,
        ...(decision.approval_url === undefined ? {} : { approval_url: decision.approval_url }),
        expires_at: new Date(record.expiresAt).toISOString(),
        next_step: decision.next_step,
      };
    case 'closed':
      if (decision.forget) await forgetQuote(ctx.store, record.id);
      throw decision.error;
  }
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
async function confirmQuote(ctx: MoneyContext, token: string, argsHash: string, asking: 'token' | 'answer', waitMs: number): Promise<MoneyOutcome> {
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
  }
  const decision = await ctx.person.decide({
    quoteId: record.id,
    asking,
    token,
    identity: ctx.identity,
    expiresAt: record.expiresAt,
    details: async () => detailsOf(ctx, record, (await ctx.ledger.spending(ctx.environment.sandbox)).total),
    waitMs,
    waiting: ctx.waiting,
  });
  return afterDecision(ctx, record, decision, token);
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
async function confirmAndPlace(ctx: MoneyContext, record: QuoteRecord, approvedBy?: ApprovedBy): Promise<MoneyOutcome> {
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
async function priceAgain(ctx: MoneyContext, record: QuoteRecord): Promise<MoneyOutcome | undefined> {
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

function withToken<R extends MoneyOutcome>(result: R, token: string): R {
  return 'status' in result && result.status === 'outcome_unknown' ? { ...result, confirmation_token: token } : result;
}
