import { describe, expect, it } from 'vitest';
import { ProxycartError } from '../../src/errors.js';
import { checkBudget, checkQuote, checkRecurring, type Limits } from '../../src/guard/policy.js';
import { type Quote, renewalText } from '../../src/guard/quote.js';
import type { VendorQuote } from '../../src/providers/types.js';

const limits: Limits = { maxOrderUsd: 50, dailyBudgetUsd: 200, allowUnpriced: false, allowRecurring: false };

function quote(total: number | null, balance: number | null = 100): Quote {
  return {
    total_usd: total,
    currency: 'USD',
    price_source: total === null ? 'unknown' : 'catalog_estimate',
    summary: 'test order',
    balance_usd: balance,
    balance_after_usd: total !== null && balance !== null ? balance - total : null,
    warnings: [],
  };
}
const vendor = (q: Quote, extra: Partial<VendorQuote> = {}): VendorQuote => ({
  total_usd: q.total_usd,
  price_source: q.price_source,
  summary: q.summary,
  ...extra,
});

function refusal(run: () => void): ProxycartError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProxycartError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkQuote', () => {
  it('passes an affordable order under the cap', () => {
    const q = quote(49.99);
    expect(() => checkQuote(q, vendor(q), limits)).not.toThrow();
  });

  it('refuses an order over the per-order cap and names the setting', () => {
    const q = quote(50.01, 1000);
    const error = refusal(() => checkQuote(q, vendor(q), limits));
    expect(error.kind).toBe('policy');
    expect(error.message).toContain('50.01 USD');
    expect(error.advice).toContain('PROXYCART_MAX_ORDER_USD');
  });

  it('refuses unpriced orders unless allowed, naming PROXYCART_ALLOW_UNPRICED', () => {
    const q = quote(null);
    const error = refusal(() => checkQuote(q, vendor(q), limits));
    expect(error.kind).toBe('policy');
    expect(error.advice).toContain('PROXYCART_ALLOW_UNPRICED=1');
    expect(() => checkQuote(q, vendor(q), { ...limits, allowUnpriced: true })).not.toThrow();
  });

  it('refuses when the known balance is short', () => {
    const q = quote(30, 20);
    expect(refusal(() => checkQuote(q, vendor(q), limits)).kind).toBe('insufficient_funds');
  });

  it('passes when the balance is unknown (the vendor will refuse a short wallet)', () => {
    const q = quote(30, null);
    expect(() => checkQuote(q, vendor(q), limits)).not.toThrow();
  });

  it('refuses what the vendor quote blocks, keeping the vendor words', () => {
    const q = quote(10);
    const error = refusal(() => checkQuote(q, vendor(q, { blocking: 'Insufficient funds. Total $2. Not enough $33.10' }), limits));
    expect(error.kind).toBe('insufficient_funds');
    expect(error.details.vendorMessage).toContain('Not enough $33.10');
  });
});

describe('checkBudget', () => {
  it('allows spending up to the budget exactly and refuses a cent more', () => {
    expect(() => checkBudget(quote(50), limits, { total: 150 })).not.toThrow();
    const error = refusal(() => checkBudget(quote(50.01), limits, { total: 150 }));
    expect(error.kind).toBe('policy');
    expect(error.advice).toContain('PROXYCART_DAILY_BUDGET_USD');
  });

  it("holds each client to its own budget as well as the server's", () => {
    const perClient = { ...limits, identityBudgetUsd: 20 };
    expect(() => checkBudget(quote(10), perClient, { total: 150, identity: { name: 'token:alice', spent: 10 } })).not.toThrow();
    const error = refusal(() => checkBudget(quote(10.01), perClient, { total: 150, identity: { name: 'token:alice', spent: 10 } }));
    expect(error.message).toMatch(/token:alice's last 24 hours' spending from 10\.00 USD over its budget of 20\.00 USD/);
    expect(error.advice).toContain('PROXYCART_IDENTITY_BUDGET_USD');
    // Without an identity (stdio) only the server's budget applies.
    expect(() => checkBudget(quote(40), perClient, { total: 150 })).not.toThrow();
  });
});

describe('recurring charges', () => {
  const renewal = { field: 'auto_renew', every: 'every 30 days', price_usd: null, off: 'proxyjam_set_auto_renew with enabled: false' };

  it('are refused unless PROXYCART_ALLOW_RECURRING is on, naming the field and the setting', () => {
    expect(() => checkRecurring(renewal, limits)).toThrow(/^auto_renew: true arms a recurring charge/);
    try {
      checkRecurring(renewal, limits);
    } catch (error) {
      expect((error as ProxycartError).kind).toBe('policy');
      expect((error as ProxycartError).advice).toMatch(/PROXYCART_ALLOW_RECURRING=1/);
    }
    expect(() => checkRecurring(renewal, { ...limits, allowRecurring: true })).not.toThrow();
    expect(() => checkRecurring(undefined, limits)).not.toThrow();
  });

  it('are said in plain words: that it renews without asking, how often and at what price', () => {
    expect(renewalText(renewal)).toBe(
      'RENEWS AUTOMATICALLY: this charges the wallet again without asking, every 30 days, until it is turned off. To turn it off: proxyjam_set_auto_renew with enabled: false.',
    );
    expect(renewalText({ ...renewal, price_usd: 3.5, note: 'Known.' })).toMatch(/every 30 days, 3\.50 USD each time, until it is turned off\. Known\./);
  });
});
