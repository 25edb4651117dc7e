import { expect, it } from 'vitest';
import { ProxycartError } from '../../src/errors.js';
import { checkQuote, type Limits } from '../../src/guard/policy.js';
import type { Quote } from '../../src/guard/quote.js';
import type { VendorQuote } from '../../src/providers/types.js';

// insufficient_funds must not send the person to top up when a cap would refuse the
// order anyway: the advice names the cap or budget then.

const limits: Limits = { maxOrderUsd: 50, dailyBudgetUsd: 40, allowUnpriced: false, allowRecurring: false };
const quote = (total: number, balance: number): Quote => ({
  total_usd: total,
  currency: 'USD',
  price_source: 'vendor_quote',
  summary: 'test order',
  balance_usd: balance,
  balance_after_usd: balance - total,
  warnings: [],
});

function refusal(q: Quote, vendor: Partial<VendorQuote> = {}, l: Limits = limits): ProxycartError {
  try {
    checkQuote(q, { total_usd: q.total_usd, price_source: q.price_source, summary: q.summary, ...vendor }, l);
  } catch (error) {
    if (error instanceof ProxycartError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

it('a vendor "insufficient balance" on an order over the per-order cap names the cap', () => {
  const error = refusal(quote(80, 10), { blocking: 'Insufficient balance' });
  expect(error.kind).toBe('insufficient_funds');
  expect(error.advice).toContain('PROXYCART_MAX_ORDER_USD');
});

it('a short wallet on an order over the 24-hour budget names the budget', () => {
  const error = refusal(quote(45, 10));
  expect(error.kind).toBe('insufficient_funds');
  expect(error.advice).toContain('PROXYCART_DAILY_BUDGET_USD');
});

it('a short wallet within every cap just says to top up', () => {
  const error = refusal(quote(30, 10));
  expect(error.kind).toBe('insufficient_funds');
  expect(error.advice).toBe('Top up the vendor wallet or choose a smaller order.');
});
