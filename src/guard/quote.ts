import { asProxycartError } from '../errors.js';
import { formatUsd, type Price, roundCents, vendorPrice } from '../money.js';
import type { PreparedOrder, PriceSource, ProviderClient, Recurring } from '../providers/types.js';

/** The quote a person approves: the vendor's price plus the wallet it will come from. */
export interface Quote {
  /** Present when the call arms charges later: said first, before the total, on every surface. */
  renews?: string;
  total_usd: number | null;
  currency: 'USD';
  price_source: PriceSource;
  summary: string;
  balance_usd: number | null;
  balance_after_usd: number | null;
  warnings: string[];
}

/**
 * The total of a prepared order as the guard accepts it: a provider's number is checked
 * once more, so no path can hand the caps a total that is not a price.
 */
export function quotedTotal(vendor: string, prepared: PreparedOrder): Price {
  // A call that moves no money now (a renewal switch) costs nothing; its later charges are said in `renews`.
  if (prepared.charges === false) return { usd: 0 };
  const { total_usd: total } = prepared.quote;
  if (total === null) return { usd: null, warning: 'The price is known only after the order is placed.' };
  const price = vendorPrice(vendor, 'the order total', total);
  return price.usd === null ? price : { usd: roundCents(price.usd) };
}

export async function buildQuote(client: ProviderClient, vendorTitle: string, prepared: PreparedOrder): Promise<Quote> {
  const vendor = prepared.quote;
  const warnings = [...(vendor.warnings ?? [])];
  let balance = vendor.balance_usd ?? null;
  if (balance === null && client.walletBalance) {
    try {
      const read = await client.walletBalance();
      balance = read.currency.toUpperCase() === 'USD' ? read.balance : null;
      if (balance === null) warnings.push(`The wallet is in ${read.currency}, not USD.`);
    } catch (error) {
      warnings.push(`The wallet balance could not be read (${asProxycartError(error).kind}).`);
    }
  } else if (balance === null) {
    warnings.push('This vendor does not publish the wallet balance; it will refuse the order if the balance is short.');
  }
  const price = quotedTotal(vendorTitle, prepared);
  if (price.warning) warnings.push(price.warning);
  const total = price.usd;
  return {
    ...(prepared.recurring ? { renews: renewalText(prepared.recurring) } : {}),
    total_usd: total,
    currency: 'USD',
    price_source: total === null ? 'unknown' : vendor.price_source,
    summary: vendor.summary,
    balance_usd: balance === null ? null : roundCents(balance),
    balance_after_usd: balance !== null && total !== null ? roundCents(balance - total) : null,
    warnings,
  };
}

/** A recurring charge in plain words: what a person reads first on every approval surface. */
export function renewalText(recurring: Recurring): string {
  const every = recurring.every ? `, ${recurring.every}` : '';
  const price = recurring.price_usd !== null ? `, ${formatUsd(recurring.price_usd)} each time` : '';
  const note = recurring.note ? ` ${recurring.note}` : '';
  return `RENEWS AUTOMATICALLY: this charges the wallet again without asking${every}${price}, until it is turned off.${note} To turn it off: ${recurring.off}.`;
}
