import { usableAmount } from '../../money.js';
import type { Balance, OfferList, Order, OrderState } from '../types.js';
import type { BalanceData, StatusData } from './api.js';
import { DURATIONS, POOL_LOCATIONS, UNPUBLISHED_PREFIX } from './schemas.js';

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

// ProxyScrape publishes neither a catalog nor prices, only the order fields. This is that
// description, by hand, as offers. Only the datacenter type string is published; the other
// products are known from the field notes, so their ids carry the unpublished prefix.
const OFFERS: OfferList = {
  offers: [
    {
      id: 'new_datacenter_shared',
      name: 'Shared datacenter proxies',
      kind: 'datacenter',
      country: null,
      price_from_usd: null,
      type_published: true,
      fields: {
        required: ['type', 'country', 'proxies'],
        optional: ['is_subscription', 'days', 'duration', 'bandwidth', 'coupon_code'],
      },
      options: [
        { field: 'proxies', locations: [...POOL_LOCATIONS], value: 'IP-pool size per location' },
        { field: 'days', example: 30 },
        { field: 'bandwidth', values: { 0: 'unlimited' } },
        { field: 'is_subscription', values: [true, false] },
      ],
      example: { type: 'new_datacenter_shared', country: 'Belgium', is_subscription: false, days: 30, proxies: { mixed: 1000 }, bandwidth: 0 },
    },
    {
      id: `${UNPUBLISHED_PREFIX}residential`,
      name: 'Residential bandwidth pack',
      kind: 'residential',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country', 'bandwidth'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [
        { field: 'bandwidth', unit: 'GB' },
        { field: 'duration', values: [...DURATIONS], omit: 'pack that does not expire' },
      ],
    },
    {
      id: `${UNPUBLISHED_PREFIX}residential_unlimited`,
      name: 'Residential unlimited',
      kind: 'residential',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country', 'location'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [
        { field: 'location', value: 'id of a server location; see Residential Unlimited in the dashboard' },
        { field: 'duration', values: [...DURATIONS] },
      ],
    },
    {
      id: `${UNPUBLISHED_PREFIX}serp`,
      name: 'SERP package',
      kind: 'serp',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [{ field: 'duration', values: [...DURATIONS], omit: 'package that does not expire' }],
    },
  ],
  notes: [
    'ProxyScrape has no catalog or price endpoint: these are its documented order types and fields, not live stock.',
    'Only new_datacenter_shared has a published type string; the residential, residential unlimited and SERP type strings are not published (the dashboard checkout shows them).',
    'Prices are known only after ordering: order_status shows the charged price.',
    'proxycart places such unpriced orders only when PROXYCART_ALLOW_UNPRICED=1 is set.',
    'Ordering and order reads need the account:api_ordering:write and :read permissions, which ProxyScrape support grants on request.',
  ],
};

/** The documented order types; a fresh copy each time, so a caller's changes stay its own. */
export function offerList(): OfferList {
  return structuredClone(OFFERS);
}
