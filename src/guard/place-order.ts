import type { ConfirmMode } from '../config.js';
import { asProxycartError, ProxycartError } from '../errors.js';
import { log } from '../log.js';
import type { Order, ProviderClient, ProviderSpec } from '../providers/types.js';
import type { Store } from '../store.js';
import { maskCredentials } from '../tools/credentials.js';
import { confirmationMessage, findQuote, forgetQuote, hashArguments, issueToken, tokenId, type QuoteRecord } from './confirmation.js';
import type { Ledger, LedgerEntry } from './ledger.js';
import { settleEntry, unknownOrder } from './reconcile.js';
import { checkBudget, checkQuote, type Limits } from './policy.js';
import { buildQuote, type Quote } from './quote.js';

/** The person's answer to a confirmation form; `unanswered` covers errors and time-outs. */
export type ElicitAnswer = 'accept' | 'decline' | 'cancel' | 'unanswered';

export interface PlaceOrderContext {
  provider: ProviderSpec;
  client: ProviderClient;
  store: Store;
  ledger: Ledger;
  limits: Limits;
  confirm: ConfirmMode;
  /** Present when the client declared form elicitation. */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  /** How long a money call may take (ms); a `submitting` entry older than this plus a margin was interrupted. */
  moneyTimeoutMs: number;
}

export interface PlaceOrderResult {
  status: 'confirmation_required' | 'placed' | 'declined' | 'outcome_unknown';
  quote: Quote;
  confirmation_token?: string;
  expires_at?: string;
  order?: Order;
  next_step: string;
}

export async function placeOrder(ctx: PlaceOrderContext, args: Record<string, unknown>): Promise<PlaceOrderResult> {
  const { confirmation_token: token, ...orderArgs } = args;
  const argsHash = hashArguments(ctx.provider.id, orderArgs);
  if (typeof token === 'string') return confirmWithToken(ctx, token, argsHash);
  if (ctx.confirm === 'elicit' && !ctx.elicit) {
    throw new ProxycartError('policy', 'Orders need a person to confirm in the client, and this client does not support confirmation forms (elicitation).', {
      advice: 'Use a client with elicitation support, or a person can set PROXYCART_CONFIRM=auto.',
    });
  }

  const prepared = await ctx.client.prepareOrder(orderArgs);
  const quote = await buildQuote(ctx.client, prepared);
  checkQuote(quote, prepared.quote, ctx.limits);
  checkBudget(quote, ctx.limits, await ctx.ledger.spentLast24h());

  const { token: issued, record } = await issueToken(ctx.store, { provider: ctx.provider.id, argsHash, prepared, quote });
  if (ctx.confirm !== 'token' && ctx.elicit) {
    const answer = await ctx.elicit(confirmationMessage(ctx.provider.title, quote));
    if (answer === 'accept') return withToken(await confirmAndPlace(ctx, record), issued);
    if (answer === 'decline' || ctx.confirm === 'elicit') {
      await forgetQuote(ctx.store, record.id);
      return { status: 'declined', quote, next_step: 'The person did not approve this order. Nothing was ordered or charged.' };
    }
    log('info', `${ctx.provider.id}: confirmation form ${answer}; falling back to a confirmation token`);
  }
  return {
    status: 'confirmation_required',
    quote,
    confirmation_token: issued,
    expires_at: new Date(record.expiresAt).toISOString(),
    next_step:
      'Show this quote to the person (what, total, balance after). Only if they agree, call this tool again with exactly the same arguments plus confirmation_token. Never confirm on your own.',
  };
}

async function confirmWithToken(ctx: PlaceOrderContext, token: string, argsHash: string): Promise<PlaceOrderResult> {
  if (ctx.confirm === 'elicit') {
    throw new ProxycartError('policy', 'Confirmation tokens are off: orders must be confirmed by a person in the client (PROXYCART_CONFIRM=elicit).');
  }
  const id = tokenId(token);
  const entry = await ctx.ledger.get(id);
  if (entry) {
    if (entry.provider !== ctx.provider.id || entry.argsHash !== argsHash) throw argumentsChanged();
    return withToken(await settle(ctx, entry), token);
  }
  const record = await findQuote(ctx.store, id);
  if (!record || record.expiresAt < Date.now()) {
    throw new ProxycartError('policy', 'This confirmation token is unknown or has expired. Nothing was sent.', {
      advice: 'Call place_order without a token to get a new quote, show it to the person, then confirm.',
    });
  }
  if (record.provider !== ctx.provider.id || record.argsHash !== argsHash) throw argumentsChanged();
  return withToken(await confirmAndPlace(ctx, record), token);
}

function argumentsChanged(): ProxycartError {
  return new ProxycartError('policy', 'These arguments differ from the ones the confirmation token was issued for. Nothing was sent.', {
    advice: 'Confirm with exactly the quoted arguments, or call without a token for a new quote of the changed order.',
  });
}

/** Send one approved order: intent in the ledger first, then exactly one vendor call, then its result. */
async function confirmAndPlace(ctx: PlaceOrderContext, record: QuoteRecord): Promise<PlaceOrderResult> {
  const intent = await ctx.ledger.writeIntent(
    { id: record.id, provider: record.provider, argsHash: record.argsHash, idempotencyKey: record.idempotencyKey, prepared: record.prepared, quote: record.quote },
    (spent) => {
      // The limits may have changed (a restart with new settings) since the quote was made.
      checkQuote(record.quote, record.prepared.quote, ctx.limits);
      checkBudget(record.quote, ctx.limits, spent);
    },
  );
  if (!intent) {
    // Another call (maybe in another process) holds this quote: report its outcome, send nothing.
    return settle(ctx, (await ctx.ledger.get(record.id))!);
  }
  let order: Order;
  try {
    order = await ctx.client.placeOrder(record.prepared, record.idempotencyKey);
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

/** The result of an approved quote that was already sent (by this call or another). */
async function settle(ctx: PlaceOrderContext, entry: LedgerEntry): Promise<PlaceOrderResult> {
  const settled = await settleEntry({ client: ctx.client, ledger: ctx.ledger, vendor: ctx.provider.title, moneyTimeoutMs: ctx.moneyTimeoutMs }, entry);
  return settled.order ? placedResult(settled.entry, settled.order) : unknownOutcome(settled.entry, settled.why);
}

function placedResult(entry: LedgerEntry, order: Order): PlaceOrderResult {
  return {
    status: 'placed',
    quote: entry.quote,
    order,
    next_step:
      order.state === 'active'
        ? 'The order is active. Use order_status with include_credentials: true to see the proxy passwords.'
        : 'The order is paid and being provisioned. Call order_status with this order id and wait_seconds to follow it until it is active.',
  };
}

function unknownOutcome(entry: LedgerEntry, why: string): PlaceOrderResult {
  return {
    status: 'outcome_unknown',
    quote: entry.quote,
    order: unknownOrder(entry),
    next_step: `The order was sent but its outcome is unknown: ${why} Do NOT ask for a new quote or order again. Later, call order_status with order id ${unknownOrder(entry).id}, or this tool again with the same arguments and confirmation_token: both check with the vendor and never send a second order. If the vendor still cannot tell, the person should check the vendor dashboard and wallet.`,
  };
}

function withToken(result: PlaceOrderResult, token: string): PlaceOrderResult {
  return result.status === 'outcome_unknown' ? { ...result, confirmation_token: token } : result;
}
