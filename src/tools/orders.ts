import * as z from 'zod';
import { type LedgerEntry, stateOf, UNKNOWN_PREFIX } from '../ledger/entry.js';
import { roundCents } from '../money.js';
import type { Runtime } from '../runtime.js';
import { ORDER_STATES } from './contracts.js';
import { defineTool, identityKey, type ToolDefinition } from './define.js';

// proxycart_orders: the books. Orders placed through proxycart, from the ledger (the
// vendors are not asked: this is what proxycart sent and what it was told), the money
// calls whose outcome is still unknown, and what is left of the 24-hour budget.

function ordersInput(providers: readonly string[]) {
  return z
    .object({
      provider: providerEnum(providers).optional(),
      state: z.enum(ORDER_STATES).optional(),
      limit: z.number().int().min(1).optional(),
      cursor: z.string().max(200).optional(),
    })
    .strict();
}

/** The enabled providers' ids (a plain string when none is enabled). */
export function providerEnum(providers: readonly string[]): z.ZodType<string> {
  return providers.length ? z.enum(providers as [string, ...string[]]) : z.string().max(40);
}

const open = z.looseObject({});
// Also always present: `outcome_unknown` (unresolved money calls, with what to do); `next_cursor` when older orders remain.
export const ordersOutput = z.object({ orders: z.array(open), spending: open });

export interface Spending {
  spent_24h_usd: number;
  daily_budget_usd: number;
  budget_left_usd: number;
  max_order_usd: number;
}

/** An admin client (HTTP mode) sees every client's orders; any other sees its own. */
const ADMIN_SCOPE = 'proxycart:admin';

function row(entry: LedgerEntry): Record<string, unknown> {
  const placed = entry.status === 'placed' && entry.order;
  return {
    provider: entry.provider,
    // A refused order has no vendor id; one still being sent or unknown is followed by its `unknown:` id.
    order_id: placed ? entry.order!.id : entry.status === 'failed' ? null : `${UNKNOWN_PREFIX}${entry.id}`,
    state: stateOf(entry),
    total_usd: placed && typeof entry.order!.total_usd === 'number' ? entry.order!.total_usd : entry.quote.total_usd,
    approved_usd: entry.quote.total_usd,
    at: new Date(entry.createdAt).toISOString(),
    what: entry.quote.summary,
    // Who approved it on the page: the passkey (and its identity) that signed, and when.
    ...(entry.approvedBy ? { approved_by: { ...entry.approvedBy, at: new Date(entry.approvedBy.at).toISOString() } } : {}),
    ...(entry.status === 'failed' && entry.error ? { error: `${entry.error.kind}: ${entry.error.message}` } : {}),
  };
}

function unresolved(entry: LedgerEntry): Record<string, unknown> {
  const id = `${UNKNOWN_PREFIX}${entry.id}`;
  return {
    ...row(entry),
    what_to_do: `Call ${entry.provider}_order_status with order_id "${id}" to ask the vendor what became of it; do not order the same again meanwhile.`,
  };
}

export function ordersTool(runtime: Runtime): ToolDefinition {
  const { config } = runtime;
  return defineTool({
    name: 'proxycart_orders',
    title: 'Orders',
    description: 'Orders placed here, newest first (next_cursor pages on), unresolved ones, and the 24-hour budget left.',
    effect: 'read',
    input: ordersInput(runtime.providers.map((p) => p.id)),
    output: ordersOutput,
    async handler(args, call) {
      const { provider, state, cursor } = args;
      const limit = Math.min(args.limit ?? 20, 200);
      const identity = identityKey(call.identity);
      const own = identity && !call.identity!.scopes.includes(ADMIN_SCOPE) ? identity : undefined;
      const ledger = await runtime.ledger();
      const [page, unknown, spent] = await Promise.all([
        ledger.list({ sandbox: config.sandbox, provider, state, identity: own, limit, cursor }),
        ledger.unknownOutcomes(config.sandbox, own),
        ledger.spending(config.sandbox),
      ]);
      const spending: Spending = {
        spent_24h_usd: spent.total,
        daily_budget_usd: config.dailyBudgetUsd,
        budget_left_usd: Math.max(0, roundCents(config.dailyBudgetUsd - spent.total)),
        max_order_usd: config.maxOrderUsd,
      };
      return {
        sandbox: config.sandbox,
        orders: page.entries.map(row),
        ...(page.next ? { next_cursor: page.next } : {}),
        outcome_unknown: unknown.filter((entry) => !provider || entry.provider === provider).map(unresolved),
        spending,
      };
    },
  });
}
