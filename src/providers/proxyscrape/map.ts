import { usableAmount } from '../../money.js';
import type { Balance, Order, OrderState } from '../types.js';
import type { BalanceData, StatusData } from './schemas.js';

// Pure translation of ProxyScrape payloads into proxycart's domain types.

const STATES: Record<string, OrderState> = {
  paid: 'pending',
  processed: 'active',
  blocked: 'failed',
  failed: 'failed',
  refunded: 'refunded',
};

/** Our state for a status word; an unknown word is treated as still in progress, so polling goes on until its time limit. */
export function classifyStatus(status: string): OrderState {
  return Object.hasOwn(STATES, status.toLowerCase()) ? STATES[status.toLowerCase()] : 'pending';
}

export function isKnownStatus(status: string): boolean {
  return Object.hasOwn(STATES, status.toLowerCase());
}

/** A money amount the vendor may send as "26.10" or 26.1; null when it is not a finite number. */
export function parseAmount(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const amount = typeof value === 'number' ? value : Number(value.trim());
  return typeof value === 'string' && value.trim() === '' ? null : Number.isFinite(amount) ? amount : null;
}

function isoFromUnix(seconds: number | null | undefined): string | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;
}

/** The order as `orders/{id}/status` describes it. `fallbackId` is the id we asked for. */
export function toOrder(data: StatusData, fallbackId: string): Order {
  const id = data.order_id || fallbackId;
  const currency = data.currency ?? 'USD';
  const price = usableAmount(data.price);
  const order: Order = {
    id,
    status: data.status,
    state: classifyStatus(data.status),
    // Only a USD price can count towards proxycart's USD caps and budget.
    total_usd: currency.toUpperCase() === 'USD' ? price : null,
    proxies: [],
    type: data.type ?? null,
    price: data.price === null || data.price === undefined ? null : String(data.price),
    currency,
    paid_with_credit: data.paid_with_credit ?? null,
    created_at: isoFromUnix(data.created_at),
    updated_at: isoFromUnix(data.updated_at),
  };
  if (data.block_reason) order.block_reason = data.block_reason;
  if (!isKnownStatus(data.status)) order.note = `ProxyScrape reported an undocumented status "${data.status}"; treated as still in progress.`;
  const sub = data.subaccount;
  if (sub?.AccountID) {
    order.subaccount = {
      AccountID: sub.AccountID,
      AccountType: sub.AccountType ?? null,
      label: sub.label ?? null,
      time_added: isoFromUnix(sub.time_added),
    };
    if (sub.AccountType) {
      // Credentials live behind the product endpoint of the subaccount. Its answer is not
      // documented, so proxycart points there instead of guessing proxies from it.
      order.proxy_list_path = `/v4/account/${sub.AccountID}/${sub.AccountType}/proxy-list`;
      order.note = 'The proxies are in the subaccount: read them from proxy_list_path in the ProxyScrape Account API or dashboard.';
    }
  }
  if (order.state === 'refunded') order.note = 'Refunded by ProxyScrape: the subaccount is no longer valid.';
  return order;
}

/**
 * The order right after `orders/create`, when only its id is known. The wallet is debited
 * when the order row is created, so `paid` is the vendor's word for this moment.
 */
export function createdOrder(id: string): Order {
  return {
    id,
    status: 'paid',
    state: 'pending',
    total_usd: null,
    proxies: [],
    note: 'ProxyScrape sets the price and creates the subaccount asynchronously; call order_status for both.',
  };
}

export function toBalance(data: BalanceData): Balance | undefined {
  const balance = parseAmount(data.balance);
  if (balance === null) return undefined;
  return { balance, currency: (data.currency ?? 'USD').toUpperCase() };
}
