import { z } from 'zod';
import type { ProviderSpec } from '../providers/types.js';

// The four operation contracts every provider's tools follow: output shapes and the
// shared inputs. Provider-specific inputs come from each provider's own schemas.

const common = { provider: z.string(), sandbox: z.boolean() };

const proxy = z.object({
  host: z.string(),
  port: z.number(),
  protocol: z.string(),
  username: z.string().nullable(),
  password: z.string().nullable(),
});

export const ORDER_STATES = ['pending', 'active', 'failed', 'cancelled', 'expired', 'refunded', 'outcome_unknown'] as const;

const order = z.looseObject({
  id: z.string(),
  status: z.string(),
  state: z.enum(ORDER_STATES),
  total_usd: z.number().nullable(),
  proxies: z.array(proxy),
});

const quote = z.object({
  total_usd: z.number().nullable(),
  currency: z.string(),
  price_source: z.enum(['vendor_quote', 'catalog_estimate', 'unknown']),
  summary: z.string(),
  balance_usd: z.number().nullable(),
  balance_after_usd: z.number().nullable(),
  warnings: z.array(z.string()),
});

export const listOffersOutput = z.object({
  ...common,
  offers: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]),
      name: z.string(),
      kind: z.string(),
      country: z.string().nullable(),
      price_from_usd: z.number().nullable(),
    }),
  ),
  notes: z.array(z.string()).optional(),
});

export const placeOrderOutput = z.object({
  ...common,
  status: z.enum(['confirmation_required', 'placed', 'declined', 'outcome_unknown']),
  quote,
  confirmation_token: z.string().optional(),
  expires_at: z.string().optional(),
  order: order.optional(),
  next_step: z.string(),
});

export const orderStatusOutput = z.object({ ...common, order, next_step: z.string().optional() });

export const walletBalanceOutput = z.object({ ...common, balance: z.number(), currency: z.string() });

export const orderStatusInput = z
  .object({
    order_id: z.string().min(1).max(200),
    wait_seconds: z.number().int().min(0).max(300).optional().describe('Poll until usable or final, up to this long'),
    include_credentials: z.boolean().optional().describe('Show proxy passwords (default: masked)'),
  })
  .strict();

export const confirmationToken = z.string().min(1).max(200).optional().describe('From the quote, after the person approved');

export function placeOrderInput(spec: ProviderSpec): z.ZodObject {
  return spec.placeOrderInput.extend({ confirmation_token: confirmationToken }).strict();
}

export function listOffersInput(spec: ProviderSpec): z.ZodObject {
  return spec.listOffersInput.strict();
}

export const walletBalanceInput = z.object({}).strict();

export const DESCRIPTIONS = {
  list_offers: (p: ProviderSpec) =>
    `Browse what ${p.title} sells, with USD prices where it publishes them. Use the returned ids and options in ${p.id}_place_order.`,
  place_order: (p: ProviderSpec) =>
    `Buy from ${p.title} with the wallet. Without confirmation_token: checks and prices the order, sends nothing, and returns a quote with a token (or asks the person directly). Call again with the same arguments plus the token only after the person approves.`,
  order_status: (p: ProviderSpec) =>
    `Status and proxies of a ${p.title} order. wait_seconds polls until the proxies are usable or the order is final.`,
  wallet_balance: (p: ProviderSpec) => `The ${p.title} wallet balance.`,
};
