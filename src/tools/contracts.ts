import * as z from 'zod';
import { orderControls } from '../guard/money-path.js';
import type { LifecycleOperation, ProviderSpec } from '../providers/types.js';
import { waitSecondsInput } from '../wait.js';

// The four operation contracts every provider's tools follow: output shapes and the
// shared inputs. Provider-specific inputs come from each provider's own schemas.

// Output schemas name each operation's own top-level fields and leave the rest open:
// every byte of tools/list is paid in every conversation. Every result also carries
// `provider` and `sandbox`, and the nested shapes (quote, order, offer) are documented in
// the README; a test checks real results against the full shapes.
const common = {};
export const ORDER_STATES = ['pending', 'active', 'failed', 'cancelled', 'expired', 'refunded', 'outcome_unknown'] as const;
const open = z.looseObject({});

export const listOffersOutput = z.object({ ...common, offers: z.array(open), notes: z.array(z.string()).optional() });

export const placeOrderOutput = z.object({
  ...common,
  status: z.enum(['approval_required', 'confirmation_required', 'placed', 'declined', 'outcome_unknown']),
  quote: open,
  confirmation_token: z.string().optional(),
  approval_url: z.string().optional(),
  expires_at: z.string().optional(),
  order: open.optional(),
  next_step: z.string(),
});

// The lifecycle tools (extend, top up, renewal) answer like place_order; their listing names
// only what a model acts on (the README documents the rest) to keep tools/list within budget.
export const changeOutput = z.object({ status: z.string() });

/** A lifecycle operation's tool input: the provider's fields plus the guard's own. */
export function changeInput(spec: ProviderSpec, operation: LifecycleOperation) {
  return spec.operations![operation]!.input.extend(orderControls).strict();
}

export const orderStatusOutput = z.object({ ...common, order: open, next_step: z.string().optional() });

export const walletBalanceOutput = z.object({ ...common, balance: z.number(), currency: z.string() });

export const orderStatusInput = z
  .object({
    order_id: z.string().min(1).max(200),
    wait_seconds: waitSecondsInput.describe('Poll until usable or final'),
    include_credentials: z.boolean().optional().describe('Unmask passwords'),
  })
  .strict();

/** The vendor's order fields plus the guard's own (confirmation_token, wait_seconds), which the guard strips before the vendor sees them. */
export function placeOrderInput<P extends z.ZodObject>(spec: ProviderSpec<z.ZodObject, P>) {
  return spec.placeOrderInput.extend(orderControls).strict();
}

export function listOffersInput<L extends z.ZodObject>(spec: ProviderSpec<L>) {
  return spec.listOffersInput.strict();
}

export const walletBalanceInput = z.object({}).strict();

const PRICES: Record<ProviderSpec['capabilities']['quote'], string> = {
  catalog_estimate: 'USD prices where published',
  vendor_quote: 'no prices (place_order quotes)',
  unknown: 'no prices published',
};

export const DESCRIPTIONS = {
  // Says only what the vendor really publishes: prices, or none (then place_order quotes).
  list_offers: (p: ProviderSpec) => `${p.title} offers (${PRICES[p.capabilities.quote]}).`,
  // Not "the first call only quotes": with a confirmation form the first call can place.
  place_order: (p: ProviderSpec) => `Buy from the ${p.title} wallet (quote, approval, order). Follow next_step.`,
  order_status: (p: ProviderSpec) => `Status and proxies of a ${p.title} order.`,
  wallet_balance: (p: ProviderSpec) => `${p.title} wallet balance.`,
};

/** Tool titles and descriptions of the lifecycle operations: short, every byte of tools/list counts. */
export const CHANGE_WORDS: Record<LifecycleOperation, { title: string; description: (p: ProviderSpec) => string }> = {
  extend_order: { title: 'extend order', description: (p) => `Extend a ${p.title} order; first call quotes.` },
  add_bandwidth: { title: 'add bandwidth', description: (p) => `Add traffic to a ${p.title} order; first call quotes.` },
  set_auto_renew: { title: 'auto-renew', description: (p) => `${p.title} auto-renew on (recurring charges) or off.` },
};
