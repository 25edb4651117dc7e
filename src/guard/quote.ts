import { asProxycartError } from '../errors.js';
import type { PreparedOrder, PriceSource, ProviderClient } from '../providers/types.js';

/** The quote a person approves: the vendor's price plus the wallet it will come from. */
export interface Quote {
  total_usd: number | null;
  currency: 'USD';
  price_source: PriceSource;
  summary: string;
  balance_usd: number | null;
  balance_after_usd: number | null;
  warnings: string[];
}

export async function buildQuote(client: ProviderClient, prepared: PreparedOrder): Promise<Quote> {
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
  if (vendor.total_usd === null) warnings.push('The price is known only after the order is placed.');
  const total = vendor.total_usd === null ? null : round(vendor.total_usd);
  return {
    total_usd: total,
    currency: 'USD',
    price_source: vendor.price_source,
    summary: vendor.summary,
    balance_usd: balance === null ? null : round(balance),
    balance_after_usd: balance !== null && total !== null ? round(balance - total) : null,
    warnings,
  };
}

export function round(usd: number): number {
  return Math.round(usd * 100) / 100;
}
