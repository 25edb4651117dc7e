import type { z } from 'zod';

export type ProviderId = 'proxyjam' | 'proxyscrape' | 'proxyseller' | 'novaproxy';

/**
 * Our classification of a vendor's order status word. `outcome_unknown` is set by the
 * guard (a money call that got no answer), never by a provider.
 */
export type OrderState = 'pending' | 'active' | 'failed' | 'cancelled' | 'expired' | 'refunded' | 'outcome_unknown';

export type PriceSource = 'vendor_quote' | 'catalog_estimate' | 'unknown';

/** One purchasable thing, normalised. `id` is the value to order with. */
export interface Offer {
  id: string | number;
  name: string;
  kind: string;
  country: string | null;
  /** Lowest known price in USD (per unit described by the vendor options), null when unpublished. */
  price_from_usd: number | null;
  /** The vendor's own option list (periods, tiers, tariffs), kept close to its shape. */
  options?: unknown[];
  [extra: string]: unknown;
}

export interface OfferList {
  offers: Offer[];
  /** Said when the vendor has no catalog endpoint or no prices. */
  notes?: string[];
}

export interface ProxyEndpoint {
  host: string;
  port: number;
  protocol: string;
  username: string | null;
  password: string | null;
}

export interface Order {
  id: string;
  /** The vendor's own status word. */
  status: string;
  state: OrderState;
  total_usd: number | null;
  proxies: ProxyEndpoint[];
  /** Vendor facts worth showing (expiry, subaccount, order numbers...). */
  [extra: string]: unknown;
}

export interface Balance {
  balance: number;
  currency: string;
}

/** What the vendor (or our estimate) says an order will cost, before any money moves. */
export interface VendorQuote {
  total_usd: number | null;
  price_source: PriceSource;
  /** One line a person can read: what is being bought. */
  summary: string;
  /** Wallet balance when the quote call returned it (saves a balance read). */
  balance_usd?: number | null;
  warnings?: string[];
  /** Set when the vendor said this order cannot be placed as is (e.g. Proxy-Seller calc warning). */
  blocking?: string;
}

/**
 * An order checked against the vendor's rules and priced, ready to send. `request` is
 * exactly what placeOrder sends: it is stored with the confirmation token, so the order a
 * person approved is the order placed.
 */
export interface PreparedOrder {
  request: Record<string, unknown>;
  quote: VendorQuote;
  /** Facts later status lookups need (e.g. the Proxy-Seller proxy type). */
  lookup?: Record<string, string | number>;
}

/** What the ledger knows of a placed order, given back to status lookups and reconciliation. */
export interface OrderHint {
  lookup?: Record<string, string | number>;
  /** Vendor references returned at placement (e.g. Proxy-Seller base order numbers). */
  references?: string[];
}

/** What the ledger knows of an order whose money call got no answer. */
export interface UnknownOutcome {
  idempotencyKey: string;
  prepared: PreparedOrder;
  /** When the money call was sent (ms since epoch). */
  sentAt: number;
  /** Vendor order ids the ledger already attributes to other approvals: never the answer. */
  knownOrderIds: string[];
}

/** How a read may use the catalog cache. */
export interface ReadOptions {
  /** Ask the vendor now, past the catalog cache (the re-pricing right before a money call). */
  fresh?: boolean;
}

export interface ProviderClient {
  listOffers(input: Record<string, unknown>): Promise<OfferList>;
  /**
   * Local and vendor-side checks plus the quote. Never spends money. Catalog and reference
   * reads come from the catalog cache unless `options.fresh` (vendor quote calls such as
   * Proxy-Seller's order/calc are never cached).
   */
  prepareOrder(input: Record<string, unknown>, options?: ReadOptions): Promise<PreparedOrder>;
  /** The one money call. Never retried by the caller; a provider may retry only with an idempotency key. */
  placeOrder(prepared: PreparedOrder, idempotencyKey: string): Promise<Order>;
  orderStatus(orderId: string, hint?: OrderHint): Promise<Order>;
  /** Absent when the vendor documents no balance endpoint. */
  walletBalance?(): Promise<Balance>;
  /**
   * Find out what happened to a money call that got no answer: the order when the vendor
   * shows it, null when the vendor shows it was not placed, undefined when it cannot tell.
   */
  reconcile?(unknown: UnknownOutcome): Promise<Order | null | undefined>;
}

export interface Connection {
  baseUrl: string;
  apiKey: string;
  /** Time limit of one read in ms; money calls get twice this. */
  timeoutMs: number;
  /** How long catalogs and reference data are reused, ms (the server passes PROXYCART_CATALOG_TTL_S); absent or 0: only concurrent reads share one fetch. */
  catalogTtlMs?: number;
  /** Teams mode: a catalog cache every node shares (the Redis store), filled by one node at a time. */
  sharedCatalog?: SharedCatalog;
}

/** A cache shared across processes: `load` runs in one of them, the others read its answer. */
export interface SharedCatalog {
  read<T>(key: string, load: () => Promise<T>, ttlMs: number): Promise<T>;
}

export interface Capabilities {
  /** `live`: a catalog endpoint; `static`: documented order types only. */
  catalog: 'live' | 'static';
  quote: PriceSource;
  balance: boolean;
  idempotency: boolean;
}

export interface ProviderSpec {
  id: ProviderId;
  /** The vendor's name as people write it. */
  title: string;
  keyEnv: string;
  baseUrlEnv: string;
  /** Absent when the vendor publishes no base URL we can rely on: then it must be configured. */
  defaultBaseUrl?: string;
  /** Where a person finds the key (and base URL), for configuration errors. */
  setupHint: string;
  capabilities: Capabilities;
  /** Why an operation is missing, for the README and the capability table. */
  unsupported?: Partial<Record<'wallet_balance', string>>;
  /** Tool inputs (vendor field names). place_order's schema excludes confirmation_token. */
  listOffersInput: z.ZodObject;
  placeOrderInput: z.ZodObject;
  /** Loads the vendor code on first use (start-up reads only the schemas above). */
  connect(connection: Connection): Promise<ProviderClient>;
}
