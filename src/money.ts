import { ProxycartError } from './errors.js';

// Every amount that can reach a cap, the 24-hour budget or the ledger passes through here.
// A vendor price is usable only as a finite number above zero; anything else (null, an empty
// string, zero, a negative or non-numeric value) would let an order slip under the caps, so
// it makes the order unpriced instead, with a warning that names the vendor's field.

/** A usable USD amount, or why there is none. */
export type Price = { usd: number; warning?: undefined } | { usd: null; warning: string };

/** Whole cents, the unit every cap and ledger total is kept in. */
export function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

export function formatUsd(usd: number): string {
  return `${usd.toFixed(2)} USD`;
}

/** The amount if `value` is a finite number > 0 (numbers, or numeric strings as vendors send them). */
export function usableAmount(value: unknown): number | null {
  const amount = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : Number.NaN;
  return Number.isFinite(amount) && amount > 0 ? amount : null;
}

/** A vendor's price field, checked: `field` names where it came from, for the warning. */
export function vendorPrice(vendor: string, field: string, value: unknown): Price {
  const amount = usableAmount(value);
  if (amount !== null) return { usd: amount };
  return { usd: null, warning: `${vendor} gave ${field} = ${describe(value)}, which is not a price; the order is treated as unpriced.` };
}

/**
 * `unit × quantity`, rounded to cents. An unpriced unit stays unpriced; a product that
 * overflows is refused as input (no real order costs that), and one that rounds to zero
 * cents is not a price either.
 */
export function priceTimes(unit: Price, quantity: number, what: string): Price {
  if (unit.usd === null) return unit;
  const product = unit.usd * quantity;
  if (!Number.isFinite(product) || product > Number.MAX_SAFE_INTEGER / 100) {
    throw new ProxycartError('invalid_input', `${what}: ${quantity} × ${unit.usd} is too large to be a price.`, {
      advice: 'Order a smaller quantity; this amount cannot be right.',
    });
  }
  const total = roundCents(product);
  return total > 0
    ? { usd: total }
    : { usd: null, warning: `${what}: ${quantity} × ${unit.usd} rounds to 0.00 USD, which is not a price; the order is treated as unpriced.` };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'number' ? String(value) : String(JSON.stringify(value) ?? value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
