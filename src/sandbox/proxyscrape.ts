import { apiKeyAuth, guardedRoute, newUuid, type SimRequest, type SimResponse, Simulator, type VendorState } from './kit.js';
import {
  COUNTRY_POOL_FACTOR,
  COUPONS,
  DATACENTER_30D,
  ERRORS,
  FOREIGN_ORDER_ID,
  foreignOrder,
  INITIAL,
  LOCATIONS,
  PERIOD_FACTOR,
  RESIDENTIAL_PACKS_GB,
  RESIDENTIAL_PER_GB,
  SANDBOX_ACCOUNT,
  SUBSCRIPTION_FACTOR,
  sandboxKey,
} from './seeds/proxyscrape.js';

export { FOREIGN_ORDER_ID, sandboxKey } from './seeds/proxyscrape.js';

// ProxyScrape Account API v4, API-ordering endpoints, simulated on loopback: `api-token`
// auth (the kit's, with the vendor's identity sentence), the `{success, data | error}`
// envelope, the documented error sentences and status codes, a wallet debited when the order row is created, and asynchronous processing
// (`paid`, then `processed` with a subaccount).
//
// The price list, error sentences and seeded order are in seeds/proxyscrape.ts.

export interface SimSubaccount {
  AccountID: string;
  AccountType: string;
  label: string;
  time_added: number;
}

export interface SimOrder {
  order_id: string;
  /** The account (email) the order belongs to. */
  account: string;
  status: 'paid' | 'processed' | 'blocked' | 'failed' | 'refunded' | string;
  type: string;
  created_at: number;
  updated_at: number;
  price: number;
  currency: string;
  paid_with_credit: boolean;
  subaccount: SimSubaccount | null;
  block_reason?: string;
  /** The body as received, for tests. */
  request: Record<string, unknown>;
  /** When the processor picks the order up (ms since epoch). */
  processAt: number;
}

export type ProcessingOutcome = 'processed' | 'blocked' | 'failed';

export interface ProxyScrapeState extends VendorState {
  orders: Map<string, SimOrder>;
  /** account:api_ordering:write granted. */
  writeEnabled: boolean;
  /** account:api_ordering:read granted. */
  readEnabled: boolean;
  processingMs: number;
  /** What the processor does with the next orders it picks up. */
  processingOutcome: ProcessingOutcome;
  /** Per-account API-ordering discount, percent (applied after the coupon). */
  apiOrderingDiscountPct: number;
  subaccountCount: number;
}

export interface ProxyScrapeSimOptions {
  balance?: number;
  /** Delay between `paid` and the processor's verdict; the vendor says usually well under a second. */
  processingMs?: number;
  writeEnabled?: boolean;
  readEnabled?: boolean;
  processingOutcome?: ProcessingOutcome;
  apiOrderingDiscountPct?: number;
}

const long = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
let countryNames: Set<string> | undefined;

/** Full English country names (ICU's) the sandbox sells to; ISO codes are not names. */
function knownCountries(): Set<string> {
  if (countryNames) return countryNames;
  countryNames = new Set();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const a of letters) {
    for (const b of letters) {
      const name = long.of(a + b);
      if (name && name !== a + b) countryNames.add(name);
    }
  }
  // Older spellings a checkout list may still use.
  for (const name of ['Turkey', 'Czech Republic', 'Hong Kong', 'Macao', 'Palestine', 'Myanmar']) countryNames.add(name);
  return countryNames;
}

const now = () => Math.floor(Date.now() / 1000);
const cents = (usd: number) => Math.round(usd * 100) / 100;

function fail(status: number, error: string): SimResponse {
  return { status, json: { success: false, error } };
}

function ok(data: unknown): SimResponse {
  return { status: 200, json: { success: true, data } };
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** The product price in USD, or undefined when the body matches no sandbox package. */
export function sandboxPrice(body: Record<string, unknown>): number | undefined {
  const type = body.type;
  const pools = Object.entries(body).flatMap(([key, value]) => {
    const match = /^proxies\[(\w+)\]$/.exec(key);
    return match ? [[match[1], value] as const] : [];
  });
  const subscription = body.is_subscription === true ? SUBSCRIPTION_FACTOR : 1;
  if (body.is_subscription !== undefined && typeof body.is_subscription !== 'boolean') return undefined;

  if (type === 'new_datacenter_shared') {
    if (pools.length === 0 || body.location !== undefined) return undefined;
    if (body.bandwidth !== undefined && body.bandwidth !== 0) return undefined;
    const days = body.days === undefined ? undefined : isInt(body.days) ? String(body.days) : 'bad';
    const fromDuration = typeof body.duration === 'string' ? body.duration.replace(/d$/, '') : body.duration === undefined ? undefined : 'bad';
    if (days !== undefined && fromDuration !== undefined && days !== fromDuration) return undefined;
    const period = PERIOD_FACTOR[days ?? fromDuration ?? ''];
    if (period === undefined) return undefined;
    let total = 0;
    for (const [location, size] of pools) {
      if (!LOCATIONS.includes(location) || !isInt(size) || DATACENTER_30D[size] === undefined) return undefined;
      total += DATACENTER_30D[size] * (location === 'mixed' ? 1 : COUNTRY_POOL_FACTOR);
    }
    return total * period * subscription;
  }
  if (type === 'new_residential') {
    if (pools.length || body.location !== undefined || body.days !== undefined) return undefined;
    if (!isInt(body.bandwidth) || !RESIDENTIAL_PACKS_GB.has(body.bandwidth)) return undefined;
    const perGb = RESIDENTIAL_PER_GB[body.duration === undefined ? 'none' : String(body.duration)];
    return perGb === undefined ? undefined : body.bandwidth * perGb * subscription;
  }
  return undefined;
}

function applyDiscounts(price: number, coupon: unknown, state: ProxyScrapeState): number | undefined {
  let total = price;
  if (coupon !== undefined) {
    const deal = typeof coupon === 'string' ? COUPONS[coupon.toUpperCase()] : undefined;
    // Unknown coupons: the vendor's answer is not documented; the sandbox treats them as a
    // pricing problem, the one documented refusal of an order body.
    if (!deal) return undefined;
    total = deal.percent !== undefined ? total * (1 - deal.percent) : Math.max(0, total - (deal.usd ?? 0));
  }
  return cents(total * (1 - state.apiOrderingDiscountPct / 100));
}

/** `api-token` header; a missing and a wrong token get the same 401 (the vendor finds no account). */
const auth = apiKeyAuth({ key: sandboxKey, from: { header: 'api-token' }, missing: () => fail(401, ERRORS.identity) });

function accountOf(request: SimRequest): string {
  // The vendor derives the account from the token; only the sandbox key has an account here.
  return auth.accepts(request) ? SANDBOX_ACCOUNT : '';
}

/** The processor: applied when an order is looked at after its processing time. */
function settle(order: SimOrder, state: ProxyScrapeState): void {
  if (order.status !== 'paid' || Date.now() < order.processAt) return;
  order.updated_at = now();
  if (state.processingOutcome === 'blocked') {
    order.status = 'blocked';
    order.block_reason = 'Sandbox: stopped by the pricing guard.';
  } else if (state.processingOutcome === 'failed') {
    order.status = 'failed';
  } else {
    state.subaccountCount += 1;
    order.status = 'processed';
    order.subaccount = {
      AccountID: newUuid(),
      AccountType: order.type === 'new_datacenter_shared' ? 'datacenter_shared' : 'residential',
      label: `Sandbox account ${state.subaccountCount}`,
      time_added: order.updated_at,
    };
  }
}

function statusView(order: SimOrder): Record<string, unknown> {
  const view: Record<string, unknown> = {
    order_id: order.order_id,
    status: order.status,
    type: order.type,
    created_at: order.created_at,
    updated_at: order.updated_at,
    price: order.price.toFixed(2),
    currency: order.currency,
    paid_with_credit: order.paid_with_credit,
    subaccount: order.subaccount,
  };
  if (order.status === 'blocked') view.block_reason = order.block_reason ?? null;
  return view;
}

export function createSimulator(options: ProxyScrapeSimOptions = {}): Simulator<ProxyScrapeState> {
  const fresh = (): ProxyScrapeState => {
    const seededAt = now() - 86_400;
    return {
      balance: options.balance ?? INITIAL.balance,
      orders: new Map([[FOREIGN_ORDER_ID, foreignOrder(seededAt, newUuid()) as SimOrder]]),
      writeEnabled: options.writeEnabled ?? INITIAL.writeEnabled,
      readEnabled: options.readEnabled ?? INITIAL.readEnabled,
      processingMs: options.processingMs ?? INITIAL.processingMs,
      processingOutcome: options.processingOutcome ?? INITIAL.processingOutcome,
      apiOrderingDiscountPct: options.apiOrderingDiscountPct ?? INITIAL.apiOrderingDiscountPct,
      subaccountCount: 0,
    };
  };
  const state = fresh();
  const check = [auth.check];

  const createOrder = guardedRoute(
    'POST',
    '/orders/create',
    check,
    (request) => {
      const account = accountOf(request);
      if (!state.writeEnabled) return fail(403, ERRORS.writeDenied);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, ERRORS.pricing);
      const fields = body as Record<string, unknown>;
      // VAT is derived from the full country name; a code or an unknown name prices nothing.
      if (typeof fields.country !== 'string' || !knownCountries().has(fields.country)) return fail(400, ERRORS.pricing);
      const base = sandboxPrice(fields);
      const price = base === undefined ? undefined : applyDiscounts(base, fields.coupon_code, state);
      if (price === undefined) return fail(400, ERRORS.pricing);
      // Check and debit in one synchronous step: concurrent orders cannot both pass the check.
      if (price > state.balance + 1e-9) return fail(400, ERRORS.funds);
      state.balance = cents(state.balance - price);
      const created = now();
      const order: SimOrder = {
        order_id: newUuid(),
        account,
        status: 'paid',
        type: String(fields.type),
        created_at: created,
        updated_at: created,
        price,
        currency: 'USD',
        paid_with_credit: true,
        subaccount: null,
        request: { ...fields },
        processAt: Date.now() + state.processingMs,
      };
      state.orders.set(order.order_id, order);
      return ok(order.order_id);
    },
    true,
  );

  const orderStatus = guardedRoute('GET', '/orders/:orderId/status', check, (request) => {
    const account = accountOf(request);
    if (!state.readEnabled) return fail(403, ERRORS.readDenied);
    const order = state.orders.get(request.params.orderId);
    // Another account's order gets the same answer as a missing one, so ids cannot be probed.
    if (!order || order.account !== account) return fail(404, ERRORS.notFound);
    settle(order, state);
    return ok(statusView(order));
  });

  const balance = guardedRoute('GET', '/orders/balance', check, () => {
    // The docs give the read refusal's wording only for status; balance needs the same grant.
    if (!state.readEnabled) return fail(403, ERRORS.readDenied);
    return ok({ balance: state.balance, currency: 'USD' });
  });

  return new Simulator<ProxyScrapeState>('proxyscrape', '/v4/account', [createOrder, balance, orderStatus], state, { seed: fresh });
}
