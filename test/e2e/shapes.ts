import * as z from 'zod';
import { ORDER_STATES } from '../../src/tools/contracts.js';

// The full result shapes of design.md. tools/list advertises only their top level (to stay
// small); the end-to-end tests hold every real result to these.

const common = { provider: z.string(), sandbox: z.boolean() };

const proxy = z.object({
  host: z.string(),
  port: z.number().int().min(0),
  protocol: z.string(),
  username: z.string().nullable(),
  password: z.string().nullable(),
});

export const orderShape = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  state: z.enum(ORDER_STATES),
  total_usd: z.number().nullable(),
  proxies: z.array(proxy),
});

export const quoteShape = z.object({
  total_usd: z.number().nullable(),
  currency: z.literal('USD'),
  price_source: z.enum(['vendor_quote', 'catalog_estimate', 'unknown']),
  summary: z.string().min(1),
  balance_usd: z.number().nullable(),
  balance_after_usd: z.number().nullable(),
  warnings: z.array(z.string()),
});

export const listOffersShape = z.object({
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

export const placeOrderShape = z.object({
  ...common,
  status: z.enum(['confirmation_required', 'placed', 'declined', 'outcome_unknown']),
  quote: quoteShape,
  confirmation_token: z.string().optional(),
  expires_at: z.iso.datetime().optional(),
  order: orderShape.optional(),
  next_step: z.string().min(1),
});

export const orderStatusShape = z.object({ ...common, order: orderShape, next_step: z.string().optional() });

export const walletBalanceShape = z.object({ ...common, balance: z.number(), currency: z.string() });
