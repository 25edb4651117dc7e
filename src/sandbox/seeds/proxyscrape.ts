// Seed data of the ProxyScrape simulator (src/sandbox/proxyscrape.ts keeps the behaviour).
// The vendor publishes no prices and only one type string: everything about prices here,
// and the `new_residential` type, are SANDBOX-ONLY ASSUMPTIONS chosen to exercise the client.

export const sandboxKey = 'psx_sandbox_3c1f9a7e5b2d4c608e1a9f3b7d5c2e4a';

export const SANDBOX_ACCOUNT = 'sandbox@proxycart.test';
export const FOREIGN_ACCOUNT = 'someone-else@proxycart.test';
/** An order that exists but belongs to another account: must answer 404 like an unknown id. */
export const FOREIGN_ORDER_ID = '7d3e2b1a-5c4f-4e8d-9a6b-0f1e2d3c4b5a';

export const ERRORS = {
  pricing: 'Missing or invalid pricing configuration.',
  funds: 'Insufficient wallet balance.',
  identity: 'Could not determine account email from authenticated identity.',
  writeDenied: 'API ordering is not enabled for this account. Contact support to request access.',
  readDenied: 'Reading order status via the API-ordering endpoint is not enabled for this account. Contact support to request access.',
  notFound: 'Order not found.',
} as const;

// --- Sandbox price list (assumption) ---------------------------------------------------

/** USD for 30 days of a shared datacenter pool of the given size, location `mixed`. */
export const DATACENTER_30D: Record<number, number> = { 100: 3.5, 250: 8, 500: 15, 1000: 29, 2500: 70, 5000: 135, 10000: 260 };
export const LOCATIONS = ['mixed', 'us', 'gb', 'de', 'fr', 'ca', 'es', 'it', 'br', 'th'];
/** A single-country pool costs more than the mixed one. */
export const COUNTRY_POOL_FACTOR = 1.2;
export const PERIOD_FACTOR: Record<string, number> = { '30': 1, '60': 1.9, '90': 2.7 };
export const SUBSCRIPTION_FACTOR = 0.9;
/** USD per GB of a residential pack, by duration; `none` is a pack that does not expire. */
export const RESIDENTIAL_PER_GB: Record<string, number> = { none: 4, '30d': 3, '60d': 2.8, '90d': 2.6 };
export const RESIDENTIAL_PACKS_GB = new Set([1, 5, 10, 25, 50, 100]);
/** Coupons: percent (0..1) or fixed USD off the product price. */
export const COUPONS: Record<string, { percent?: number; usd?: number }> = { SANDBOX10: { percent: 0.1 }, SANDBOX5USD: { usd: 5 } };

/** The wallet and switches a fresh simulator starts with. */
export const INITIAL = {
  balance: 100,
  writeEnabled: true,
  readEnabled: true,
  processingMs: 1000,
  processingOutcome: 'processed',
  apiOrderingDiscountPct: 0,
} as const;

/** The seeded order of another account (its times relative to `seededAt`, seconds). */
export function foreignOrder(seededAt: number, accountId: string) {
  return {
    order_id: FOREIGN_ORDER_ID,
    account: FOREIGN_ACCOUNT,
    status: 'processed',
    type: 'new_datacenter_shared',
    created_at: seededAt,
    updated_at: seededAt + 1,
    price: 26.1,
    currency: 'USD',
    paid_with_credit: true,
    subaccount: { AccountID: accountId, AccountType: 'datacenter_shared', label: 'Account 1', time_added: seededAt + 1 },
    request: {},
    processAt: 0,
  };
}
