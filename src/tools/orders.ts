import * as z from 'zod';
import { renewalText } from '../guard/quote.js';
import { DAY_MS, type LedgerEntry, stateOf, UNKNOWN_PREFIX, watchedOrderId } from '../ledger/entry.js';
import { roundCents } from '../money.js';
import type { ProviderSpec } from '../providers/types.js';
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
    // A change names the order it changed; a refused order has no vendor id; one still being sent or unknown is followed by its `unknown:` id.
    order_id: entry.target ?? (placed ? entry.order!.id : entry.status === 'failed' ? null : `${UNKNOWN_PREFIX}${entry.id}`),
    ...(entry.operation ? { operation: entry.operation } : {}),
    state: stateOf(entry),
    total_usd: placed && typeof entry.order!.total_usd === 'number' ? entry.order!.total_usd : entry.quote.total_usd,
    approved_usd: entry.quote.total_usd,
    at: new Date(entry.createdAt).toISOString(),
    what: entry.quote.summary,
    ...(placed && typeof entry.order!.expires_at === 'string' ? { expires_at: entry.order!.expires_at } : {}),
    ...(placed && typeof entry.order!.traffic_left_gb === 'number' ? { traffic_left_gb: entry.order!.traffic_left_gb } : {}),
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

/** How far ahead an expiry is "soon" (design.md: within 7 days), and how long one passed stays listed. */
export const EXPIRING_WITHIN_MS = 7 * DAY_MS;

/**
 * Orders whose expiry (as the newest entry of each records it) is within 7 days, or passed in
 * the last 7, each with the exact extend_order call that renews it like the last time where
 * the vendor has one; and the recurring charges still armed, with how to turn each off. Both
 * come from the ledger's indexes (`Ledger.expiring`, `Ledger.recurring`): an order bought
 * long ago and never changed since is listed all the same.
 */
export function watchList(expiringEntries: readonly LedgerEntry[], armedEntries: readonly LedgerEntry[], providers: readonly ProviderSpec[], now = Date.now()) {
  const expiring: Array<Record<string, unknown>> = [];
  const recurring: Array<Record<string, unknown>> = [];
  for (const entry of armedEntries) {
    const orderId = watchedOrderId(entry);
    if (!orderId || !entry.recurring) continue;
    const spec = providers.find((p) => p.id === entry.provider);
    const off = spec?.operations?.set_auto_renew ? { tool: `${entry.provider}_set_auto_renew`, arguments: { order_id: orderId, enabled: false } } : undefined;
    recurring.push({
      provider: entry.provider,
      order_id: orderId,
      since: new Date(entry.createdAt).toISOString(),
      renews: renewalText(entry.recurring),
      ...(off ? { turn_off: off } : { how_to_turn_off: entry.recurring.off }),
    });
  }
  for (const entry of expiringEntries) {
    const orderId = watchedOrderId(entry);
    const expires = typeof entry.order?.expires_at === 'string' ? Date.parse(entry.order.expires_at) : Number.NaN;
    if (!orderId || !Number.isFinite(expires)) continue;
    const spec = providers.find((p) => p.id === entry.provider);
    const extend = spec?.operations?.extend_order;
    expiring.push({
      provider: entry.provider,
      order_id: orderId,
      expires_at: entry.order!.expires_at,
      expires_in_days: Math.round(((expires - now) / DAY_MS) * 10) / 10,
      ...(extend
        ? { renew: { tool: `${entry.provider}_extend_order`, arguments: { order_id: orderId, ...extend.renewArguments?.(entry.prepared.request) } } }
        : { renew: null, why: spec?.unsupported?.extend_order ?? 'This vendor documents no way to extend an order.' }),
    });
  }
  return { expiring, recurring };
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
      const now = Date.now();
      const [page, unknown, spent, soon, armed] = await Promise.all([
        ledger.list({ sandbox: config.sandbox, provider, state, identity: own, limit, cursor }),
        ledger.unknownOutcomes(config.sandbox, own),
        ledger.spending(config.sandbox),
        ledger.expiring(config.sandbox, now - EXPIRING_WITHIN_MS, now + EXPIRING_WITHIN_MS, own),
        ledger.recurring(config.sandbox, own),
      ]);
      const mine = (entry: LedgerEntry) => !provider || entry.provider === provider;
      const { expiring, recurring } = watchList(soon.filter(mine), armed.filter(mine), runtime.providers, now);
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
        expiring,
        recurring,
        spending,
      };
    },
  });
}
