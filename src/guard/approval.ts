import type { ApprovalDetails } from '../approval/approvals.js';
import type { OrderChange } from '../providers/types.js';
import type { Quote } from './quote.js';

/**
 * What every approval surface shows of a quote: vendor, what (and the order it changes), a
 * recurring charge first, total, balance, the caps and what is left of the budget.
 */
export function approvalDetails(
  vendor: string,
  sandbox: boolean,
  quote: Quote,
  maxOrderUsd: number,
  budgetLeftUsd: number,
  change?: OrderChange,
): ApprovalDetails {
  return {
    vendor,
    sandbox,
    ...(change ? { change } : {}),
    ...(quote.renews ? { renews: quote.renews } : {}),
    summary: quote.summary,
    total_usd: quote.total_usd,
    price_source: quote.price_source,
    balance_usd: quote.balance_usd,
    balance_after_usd: quote.balance_after_usd,
    max_order_usd: maxOrderUsd,
    budget_left_usd: budgetLeftUsd,
    warnings: quote.warnings,
  };
}
