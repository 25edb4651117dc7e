import type * as z from 'zod';
import { maskCredentials } from '../credentials.js';
import { ProxycartError } from '../errors.js';
import { settleEntry, unknownOrder } from '../guard/reconcile.js';
import { UNKNOWN_PREFIX } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Order, OrderHint, ProviderId } from '../providers/types.js';
import { MAX_WAIT_SECONDS, sleep, waitMs } from '../wait.js';
import type { orderStatusInput } from './contracts.js';
import type { ToolCall } from './define.js';
import type { VendorDeps } from './vendor-deps.js';

const POLL_INTERVAL_MS = 1500;

export type OrderStatusArgs = z.output<typeof orderStatusInput>;

/** What the ledger knows of an order placed through proxycart, for the vendor's lookups (undefined: placed elsewhere). */
export async function orderHint(ledger: Ledger, providerId: ProviderId, orderId: string): Promise<OrderHint | undefined> {
  const entry = await ledger.byOrderId(providerId, orderId);
  return entry
    ? { lookup: entry.prepared.lookup, references: Array.isArray(entry.order?.references) ? (entry.order.references as string[]) : undefined }
    : undefined;
}

/** Read an order; with wait_seconds, poll until it is usable or final, reporting progress. */
export async function orderStatus(deps: VendorDeps, args: OrderStatusArgs, call: ToolCall): Promise<{ order: Order; next_step?: string }> {
  const { client, ledger, providerId } = deps;
  let orderId = args.order_id;
  if (orderId.startsWith(UNKNOWN_PREFIX)) {
    // An order whose money call got no answer: ask the vendor what became of it first.
    const pending = await ledger.get(orderId.slice(UNKNOWN_PREFIX.length));
    if (!pending || pending.provider !== providerId) throw new ProxycartError('not_found', `No order ${orderId} was sent through proxycart to this vendor.`);
    if (pending.status === 'failed') {
      const why = pending.settledByPerson
        ? 'a person found on the vendor dashboard that it was never placed'
        : `the vendor did not take it (${pending.error?.message ?? 'no reason given'})`;
      return { order: { ...unknownOrder(pending), status: 'not placed', state: 'failed' }, next_step: `Not placed: ${why}. Nothing was charged.` };
    }
    const settled = await settleEntry(deps, pending);
    if (!settled.order)
      return { order: unknownOrder(settled.entry), next_step: `Still unknown: ${settled.why} Check again later; never order again meanwhile.` };
    if (settled.order.id.startsWith(UNKNOWN_PREFIX)) {
      // Resolved from the vendor's dashboard: the vendor's order id may not be known here.
      return {
        order: settled.order,
        next_step: 'A person confirmed from the vendor dashboard that this order was placed; the vendor dashboard shows its details.',
      };
    }
    orderId = settled.order.id;
  }
  const hint = await orderHint(ledger, providerId, orderId);
  const waitFor = waitMs(args.wait_seconds);
  const started = Date.now();
  let polls = 0;
  let order = await client.orderStatus(orderId, hint);
  while (order.state === 'pending' && Date.now() - started < waitFor && !call.signal.aborted) {
    polls += 1;
    const elapsed = Date.now() - started;
    await call.progress(elapsed / 1000, waitFor / 1000, `Order ${order.id} is ${order.status}; checking again (${polls})`);
    await sleep(Math.min(POLL_INTERVAL_MS, waitFor - elapsed), call.signal);
    order = await client.orderStatus(orderId, hint);
  }
  const shown = args.include_credentials ? order : maskCredentials(order);
  return { order: shown, next_step: nextStep(order, waitFor > 0) };
}

function nextStep(order: Order, waited: boolean): string | undefined {
  if (order.state === 'pending') {
    return waited
      ? 'Still being provisioned. Call again with wait_seconds to keep following it.'
      : `Being provisioned. Call again with wait_seconds (at most ${MAX_WAIT_SECONDS}: a call waits no longer) to wait until it is usable.`;
  }
  if (order.state === 'active' && order.proxies.length > 0 && order.proxies.some((p) => p.password?.includes('*'))) {
    return 'Passwords are masked; call with include_credentials: true to see them.';
  }
  return undefined;
}
