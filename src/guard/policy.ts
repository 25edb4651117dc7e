import { ProxycartError } from '../errors.js';
import type { Recurring, VendorQuote } from '../providers/types.js';
import type { Quote } from './quote.js';

export interface Limits {
  maxOrderUsd: number;
  dailyBudgetUsd: number;
  /** PROXYCART_IDENTITY_BUDGET_USD: the 24-hour cap of each authenticated client (HTTP mode). */
  identityBudgetUsd?: number;
  allowUnpriced: boolean;
  /** PROXYCART_ALLOW_RECURRING: calls that arm future charges may be approved at all. */
  allowRecurring: boolean;
}

/** The last 24 hours' spending of one book: all of it, and the calling client's share. */
export interface Spending {
  total: number;
  /** Present when the caller is an authenticated client. */
  identity?: { name: string; spent: number };
}

/**
 * A call that arms charges later, without anyone asking again, is refused unless a person
 * allowed such calls in the configuration; the refusal names the vendor field and the setting.
 */
export function checkRecurring(recurring: Recurring | undefined, limits: Limits): void {
  if (!recurring || limits.allowRecurring) return;
  throw new ProxycartError(
    'policy',
    `${recurring.field}: true arms a recurring charge (the vendor charges the wallet again later without asking), and recurring charges are off. Nothing was sent.`,
    {
      advice: `Leave ${recurring.field} out (or false), or a person can allow recurring charges by setting PROXYCART_ALLOW_RECURRING=1 in the server configuration; each one still needs approval.`,
    },
  );
}

/** Refuse a quote that no person may approve: over the per-order cap, unpriced, unaffordable, or blocked by the vendor. */
export function checkQuote(quote: Quote, vendor: VendorQuote, limits: Limits): void {
  if (vendor.blocking) {
    const funds = /insufficient|not enough|balance/i.test(vendor.blocking);
    throw new ProxycartError(funds ? 'insufficient_funds' : 'vendor_error', 'The vendor says this order cannot be placed as it is.', {
      vendorMessage: vendor.blocking,
      ...(funds ? { advice: fundsAdvice(quote, limits) } : {}),
    });
  }
  if (quote.total_usd === null) {
    if (!limits.allowUnpriced) {
      throw new ProxycartError('policy', 'This order has no price before it is placed (the vendor publishes none), and unpriced orders are off.', {
        advice: 'A person can allow them by setting PROXYCART_ALLOW_UNPRICED=1 in the server configuration; the per-order cap cannot protect such orders.',
      });
    }
    return;
  }
  if (quote.total_usd > limits.maxOrderUsd) {
    throw new ProxycartError('policy', `This order costs ${usd(quote.total_usd)}, over the per-order cap of ${usd(limits.maxOrderUsd)}.`, {
      advice: 'Order less, or a person can raise PROXYCART_MAX_ORDER_USD in the server configuration.',
    });
  }
  if (quote.balance_usd !== null && quote.balance_usd < quote.total_usd) {
    throw new ProxycartError('insufficient_funds', `This order costs ${usd(quote.total_usd)} but the wallet holds ${usd(quote.balance_usd)}.`, {
      advice: fundsAdvice(quote, limits),
    });
  }
}

/** Refuse an order that would take the last 24 hours' spending over the server's budget, or the client's own. */
export function checkBudget(quote: Quote, limits: Limits, spent: Spending): void {
  const total = quote.total_usd ?? 0;
  if (spent.total + total > limits.dailyBudgetUsd + 1e-9) {
    throw new ProxycartError(
      'policy',
      `This order (${usd(total)}) would take the last 24 hours' spending from ${usd(spent.total)} over the budget of ${usd(limits.dailyBudgetUsd)}.`,
      {
        advice: 'Wait until earlier orders are more than 24 hours old, or a person can raise PROXYCART_DAILY_BUDGET_USD.',
      },
    );
  }
  const own = spent.identity;
  if (own && limits.identityBudgetUsd !== undefined && own.spent + total > limits.identityBudgetUsd + 1e-9) {
    throw new ProxycartError(
      'policy',
      `This order (${usd(total)}) would take ${own.name}'s last 24 hours' spending from ${usd(own.spent)} over its budget of ${usd(limits.identityBudgetUsd)}.`,
      {
        advice: 'Wait until earlier orders are more than 24 hours old, or a person can raise PROXYCART_IDENTITY_BUDGET_USD.',
      },
    );
  }
}

// Topping up is no use when a cap would refuse the order anyway: say so in the same answer.
function fundsAdvice(quote: Quote, limits: Limits): string {
  const total = quote.total_usd;
  if (total !== null && total > limits.maxOrderUsd) {
    return `Topping up alone will not do: at ${usd(total)} the order is also over the per-order cap of ${usd(limits.maxOrderUsd)} (PROXYCART_MAX_ORDER_USD). Order less.`;
  }
  if (total !== null && total > limits.dailyBudgetUsd) {
    return `Topping up alone will not do: at ${usd(total)} the order is also over the 24-hour budget of ${usd(limits.dailyBudgetUsd)} (PROXYCART_DAILY_BUDGET_USD). Order less.`;
  }
  return 'Top up the vendor wallet or choose a smaller order.';
}

function usd(amount: number): string {
  return `${amount.toFixed(2)} USD`;
}
