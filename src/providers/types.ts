import type * as z from 'zod';
import type { Fault, Simulator } from '../sandbox/kit.js';

/** A provider's id: its folder name, the prefix of its tools. The registry (providers/index.ts) lists the known ones. */
export type ProviderId = string;

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
  /** Set when the vendor said this order cannot be placed as is (e.g. a warning in the vendor's own quote). */
  blocking?: string;
}

/**
 * An order checked against the vendor's rules and priced, ready to send. `request` is
 * exactly what placeOrder (or applyChange) sends: it is stored with the confirmation token,
 * so the call a person approved is the call made.
 */
export interface PreparedOrder {
  request: Record<string, unknown>;
  quote: VendorQuote;
  /** Facts later status lookups need (e.g. the proxy type the vendor lists orders by). */
  lookup?: Record<string, string | number>;
  /** Present when the call changes an order that exists (extend, top up, renewal on or off) rather than buying a new one. */
  change?: OrderChange;
  /** Present when the call arms charges later, without anyone asking again (auto-renew, a subscription). */
  recurring?: Recurring;
  /** False for a call that moves no money now (a renewal switch): its total is 0. */
  charges?: boolean;
}

/** Operations on an order that exists; each is a `<provider>_<operation>` tool where the vendor documents it. */
export const LIFECYCLE_OPERATIONS = ['extend_order', 'add_bandwidth', 'set_auto_renew'] as const;
export type LifecycleOperation = (typeof LIFECYCLE_OPERATIONS)[number];

/** What a change does to the order it changes, as the approval shows it. */
export interface OrderChange {
  /** The vendor's id of the order. */
  order_id: string;
  /** Its expiry before and after the change, where known (ISO 8601; a day where the vendor gives only a day). */
  expires_at?: string | null;
  new_expires_at?: string | null;
}

/** A charge that comes back by itself: what a person must read before approving anything that arms it. */
export interface Recurring {
  /** The vendor field that arms it, e.g. `auto_renew`. */
  field: string;
  /** How often, in plain words ("every 30 days"), or null when the vendor does not say. */
  every: string | null;
  /** What each renewal costs in USD, or null when the vendor does not say. */
  price_usd: number | null;
  /** What is known about the price or the period where the vendor is silent. */
  note?: string;
  /** How to turn it off: a tool call, or the vendor dashboard. */
  off: string;
}

/** What the ledger knows of a placed order, given back to status lookups and reconciliation. */
export interface OrderHint {
  lookup?: Record<string, string | number>;
  /** Vendor references returned at placement (e.g. the vendor's own order numbers). */
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

/**
 * One vendor's operations. `List` and `Place` are the parsed tool inputs (the spec's
 * schemas): the server parses arguments once, and a client never re-parses them.
 */
export interface ProviderClient<List = Record<string, unknown>, Place = Record<string, unknown>> {
  listOffers(input: List): Promise<OfferList>;
  /**
   * Local and vendor-side checks plus the quote. Never spends money. Catalog and reference
   * reads come from the catalog cache unless `options.fresh` (a vendor's own price
   * calculation, a request of its own, is never cached).
   */
  prepareOrder(input: Place, options?: ReadOptions): Promise<PreparedOrder>;
  /** The one money call. Never retried by the caller; a provider may retry only with an idempotency key. */
  placeOrder(prepared: PreparedOrder, idempotencyKey: string): Promise<Order>;
  /**
   * The operations the spec declares (`operations`): check that the order exists in this
   * account and the vendor's rules allow the change, price it, and build the exact request.
   * Never spends money. A lookup that finds no such order throws `not_found`. `hint`: what the
   * ledger knows of the order, when it was placed through proxycart.
   */
  prepareChange?(operation: LifecycleOperation, input: Record<string, unknown>, options?: ReadOptions, hint?: OrderHint): Promise<PreparedOrder>;
  /** The one call of a prepared change (the vendor's answer as the changed order). Same rules as placeOrder. */
  applyChange?(prepared: PreparedOrder, idempotencyKey: string): Promise<Order>;
  orderStatus(orderId: string, hint?: OrderHint): Promise<Order>;
  /** Absent when the vendor documents no balance endpoint. */
  walletBalance?(): Promise<Balance>;
  /**
   * `recover: 'lookup'` only (a new order, or a change whose operation recovers by lookup):
   * find out from the vendor's records what happened to a money call that got no answer: the order when the vendor shows it, null when it shows that
   * the order was not placed, undefined when it cannot tell (yet). Never places an order.
   */
  findLostOrder?(unknown: UnknownOutcome): Promise<Order | null | undefined>;
  /** Candidate orders for proxycart_compare_offers (absent: the vendor is not compared). */
  compareCandidates?(ask: CompareAsk): Promise<CompareCandidate[]>;
}

/** The question proxycart_compare_offers asks every vendor. */
export interface CompareAsk {
  kind: 'residential' | 'datacenter' | 'mobile' | 'isp';
  /** ISO alpha-2. */
  country?: string;
  bandwidth_gb?: number;
  quantity?: number;
  period_days?: number;
}

/** A candidate order: the place_order arguments and how many units (GB, or IP-months) it buys. */
export interface CompareCandidate {
  args: Record<string, unknown>;
  unit: 'gb' | 'ip_month';
  units: number;
  /** For `ip_month`: how many IPs for how many days it buys (units = ips × days / 30). */
  ips?: number;
  days?: number;
  /** The vendor's country as it writes it (code, alpha-3 or name); the comparison answers its ISO alpha-2. */
  country: string | null;
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
  /**
   * How the outcome of a money call that got no answer is learnt. `replay`: send the same
   * order again with its idempotency key (the vendor answers with the original order);
   * `lookup`: the client's findLostOrder reads the vendor's records; false: it cannot be.
   */
  recover: 'replay' | 'lookup' | false;
  /** `replay` only: how long after the first send a replay is still de-duplicated by the vendor. */
  replayWindowMs?: number;
}

/** A lifecycle operation a provider declares: its tool input and how an unanswered call is learnt. */
export interface LifecycleSpec {
  /** Tool input beside the guard's own fields: `order_id` and the vendor's own field names. */
  input: z.ZodObject;
  /** As `Capabilities.recover`, for this operation's call. */
  recover: Capabilities['recover'];
  /** `replay` only: how long the vendor de-duplicates a replay. */
  replayWindowMs?: number;
  /** For the README: what it calls. */
  calls: string;
  /**
   * `extend_order` only: the vendor's period fields of a renewal like the last one, from the
   * request the ledger kept of the order (its placement, or its last change); undefined:
   * not known. proxycart_orders shows them as the `renew` call of an order about to expire.
   */
  renewArguments?(request: Record<string, unknown> | undefined): Record<string, unknown>;
}

/** A vendor simulator module: the key it accepts and a fresh simulator with its seed data. */
export interface SimulatorModule {
  sandboxKey: string;
  createSimulator(): Simulator;
}

/**
 * What the shared suites (contract, fault matrix, crashes and races, money path, secrets)
 * need to know of one vendor, run against its simulator. Every field is required unless
 * marked: a provider without one fails the suites loudly.
 */
export interface ContractFixture {
  /** list_offers input that returns at least one offer. */
  listInput: Record<string, unknown>;
  /** A valid, priced-if-the-vendor-prices place_order input (without confirmation_token) that the seeded wallet can afford. */
  order: Record<string, unknown>;
  /** Orders the vendor's rules reject; prepareOrder must refuse each with `invalid_input` and a message matching. */
  invalidOrders: Array<{ input: Record<string, unknown>; message: RegExp }>;
  /** A valid order costing more than the seeded sandbox wallet holds (insufficient funds at the vendor). */
  unaffordableOrder: Record<string, unknown>;
  /** A wrong API key in the vendor's own key format. */
  wrongKey: string;
  /** Where faults are injected: a read-only operation and its request path, and the money route. */
  probe: {
    read: { operation: 'wallet_balance' | 'list_offers'; path: RegExp };
    money: RegExp;
    /** The vendor's own answer to an order the wallet cannot pay, on the money route. */
    fundsError: Fault['action'];
    /** The vendor's own answer to refused credentials, on the read route. */
    authError: Fault['action'];
    /** How long the vendor takes to show a new order to a lookup (absent: at once). */
    showsOrderAfterMs?: number;
  };
  /** Vendors whose simulator issues SOCKS5 proxies: a place_order input (without confirmation_token) whose proxies speak SOCKS5 in the sandbox. */
  socksOrder?: Record<string, unknown>;
  /** Marks `orderId` expired in the vendor's saved sandbox state (its `state` in sandbox.json), as time would. */
  expireSaved?(state: Record<string, unknown>, orderId: string): void;
  /** Per lifecycle operation the spec declares: an order to change and the call that changes it. */
  lifecycle?: {
    /** An order id this account's lookups do not find (another account's). */
    foreignOrderId: string;
    operations: Partial<Record<LifecycleOperation, LifecycleCase>>;
  };
  /** Vendors that price `order` (quote is not `unknown`): how to move and poison that price in the simulator. */
  price?: {
    /** Names the vendor field in the warning of a quote whose price is not a price. */
    field: RegExp;
    scale(simulator: Simulator, factor: number): void;
    poison(simulator: Simulator, value: unknown): void;
    /** What an overflowing price becomes: proxycart multiplies it (invalid_input) or the vendor gives it (unpriced). */
    overflow: { value: unknown; expected: 'invalid_input' | 'unpriced' };
  };
}

/** One lifecycle operation in the shared suites. */
export interface LifecycleCase {
  /** place_order input (without confirmation_token) of the order it changes, affordable in the seeded wallet. */
  order: Record<string, unknown>;
  /** The operation's input beside `order_id`. */
  args: Record<string, unknown>;
  /** Multiplies the price of this change in the simulator (absent: the change is free or unpriced). */
  scale?(simulator: Simulator, factor: number): void;
  /** Where faults are injected: the path of the change's call (a money route when it charges). */
  path: RegExp;
}

export interface ProviderSpec<List extends z.ZodObject = z.ZodObject, Place extends z.ZodObject = z.ZodObject> {
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
  /** The lifecycle operations the vendor documents; the others get no tool. */
  operations?: Partial<Record<LifecycleOperation, LifecycleSpec>>;
  /** Why an operation is missing, for the README and the capability table. */
  unsupported?: Partial<Record<'wallet_balance' | LifecycleOperation, string>>;
  /** Tool inputs (vendor field names). place_order's schema excludes confirmation_token. */
  listOffersInput: List;
  placeOrderInput: Place;
  /** Loads the vendor code on first use (start-up reads only the schemas above). */
  connect(connection: Connection): Promise<ProviderClient<z.output<List>, z.output<Place>>>;
  /** A one-line command a person can run against the vendor (or its simulator) to try a key, for `proxycart sandbox`. */
  tryCommand(baseUrl: string, apiKey: string): string;
  /** Its simulator, loaded on demand. */
  simulator(): Promise<SimulatorModule>;
  /** Its contract-suite fixture, loaded on demand (tests only). */
  fixture(): Promise<ContractFixture>;
  /**
   * The README's vendor tables, in the vendor's words (`npm run manifests` writes them):
   * `env`, the meaning of its key and base URL variables (the default column is
   * defaultBaseUrl); `tools`, per operation one line on what it calls (`inputs`: list the
   * tool's input fields after its name); `capabilities`, its cell in each capability row.
   */
  docs: {
    env: string;
    tools: Record<'list_offers' | 'place_order' | 'order_status' | 'wallet_balance', { calls: string; inputs?: boolean }>;
    capabilities: { catalog: string; quote: string; balance: string; idempotency: string };
  };
}

/** Checks a provider folder's spec against its own schemas, and gives it the registry's type. */
export function defineProvider<List extends z.ZodObject, Place extends z.ZodObject>(spec: ProviderSpec<List, Place>): ProviderSpec {
  return spec as unknown as ProviderSpec;
}
