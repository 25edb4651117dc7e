import { randomBytes } from 'node:crypto';
import {
  apiKeyAuth,
  guardedRoute,
  header,
  idempotency,
  newUuid,
  type Route,
  rateLimit,
  type SimRequest,
  type SimResponse,
  Simulator,
  type StoredReply,
  type VendorState,
} from './kit.js';
import {
  DAY_MS,
  FOREIGN_ORDER,
  FOREIGN_ORDER_ID,
  INITIAL,
  IP_VERSIONS,
  KINDS,
  PAYMENT_METHODS,
  PROTOCOLS,
  PROXY_HOST,
  type SimOffer,
  type SimOfferOption,
  sandboxKey,
  seedCatalog,
} from './seeds/proxyjam.js';

export { FOREIGN_ORDER_ID, type SimOffer, type SimOfferOption, sandboxKey, seedCatalog } from './seeds/proxyjam.js';

// A loopback ProxyJam (REST API under /public/v1): public catalog, wallet-paid orders with
// idempotency keys, order lookups in both documented shapes, wallet balance, the
// `{"detail": ...}` error envelope and a per-caller rate limit. Switches let tests pick the
// create-response shape and the status vocabulary, where ProxyJam's own sources disagree.
// Auth, the rate limit and the idempotency store are the kit's; the catalog and starting
// wallet are in seeds/proxyjam.ts.

export type CreateShape = 'object' | 'array' | 'wrapped';
export type StatusVocabulary = 'rest' | 'mcp';
export type Lifecycle = 'awaiting_payment' | 'provisioning' | 'active' | 'failed' | 'cancelled' | 'refunded' | 'expired';

export interface SimProxyAccess {
  id: string;
  host: string;
  port: number;
  username: string;
  password: string;
  protocol: string;
  status: string;
  expires_at: string;
  whitelisted_ips: string[];
  bandwidth_total_gb: number | null;
  bandwidth_used_gb: number;
}

/** A stored order: the accepted request body plus what the vendor adds. */
export interface SimOrder extends OrderBody {
  id: string;
  user_id: string;
  /** Tests may change it (e.g. to `expired`) to see how lookups report it. */
  lifecycle: Lifecycle;
  /** Mobile rotating orders answer lookups in the flat mobile shape. */
  mobileRotating: boolean;
  total_usd: number;
  payment_intent_id: string | null;
  payment_url: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  /** When provisioning ends (ms since epoch). */
  ready_at: number;
  access: SimProxyAccess[];
  /** The expiry before the last extension (null until one). */
  previous_expires_at: string | null;
}

export interface ProxyJamState extends VendorState {
  orders: Map<string, SimOrder>;
  /** Orders of other accounts (kept apart so `orders` holds only this account's). */
  foreignOrders: Map<string, SimOrder>;
  catalog: SimOffer[];
  /** Stored answers by idempotency key: the hash of the body that made them, and the reply. */
  idempotency: Map<string, StoredReply>;
  responseShape: CreateShape;
  statusVocabulary: StatusVocabulary;
  /** 0: wallet orders are active in the create answer, as the docs show. */
  provisioningDelayMs: number;
  /** Requests per minute per caller; 0 switches the limit off. */
  rateLimitPerMinute: number;
  walletId: string;
  userId: string;
  /** What a GB of traffic costs on an order whose tariff names no traffic (the catalog does not say). */
  bandwidthPriceGb: number;
  /** ProxyJam's optional `orders.mobile.extend.too_early_guard`: refuse a mobile extend with more than 30% of the cycle left. */
  extendTooEarlyGuard: boolean;
}

export interface ProxyJamSimulatorOptions {
  balance?: number;
  provisioningDelayMs?: number;
  responseShape?: CreateShape;
  statusVocabulary?: StatusVocabulary;
  rateLimitPerMinute?: number;
}

function takesTarification(target: SimOffer): boolean {
  return target.options.some((option) => option.tarification_index !== undefined);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

// ---------------------------------------------------------------- replies

function reply(status: number, json: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, json, headers: { 'x-correlation-id': newUuid(), ...headers } };
}

function detail(status: number, message: string): SimResponse {
  return reply(status, { detail: message });
}

interface FieldError {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

function validation(errors: FieldError[]): SimResponse {
  return reply(422, { detail: errors });
}

function statusWord(lifecycle: Lifecycle, vocabulary: StatusVocabulary, context: 'create' | 'read'): string {
  if (vocabulary === 'rest') {
    const rest: Record<Lifecycle, string> = {
      awaiting_payment: 'pending_payment',
      provisioning: 'pending',
      active: 'active',
      failed: 'failed',
      cancelled: 'cancelled',
      refunded: 'cancelled',
      expired: 'expired',
    };
    return rest[lifecycle];
  }
  // The MCP vocabulary, upper case as in ProxyJam's MCP example, which answers a fresh
  // wallet order with PAID (credentials included) and reports it provisioned later.
  const mcp: Record<Lifecycle, string> = {
    awaiting_payment: 'WAITING_PAYMENT',
    provisioning: 'PAID',
    active: context === 'create' ? 'PAID' : 'PROVISIONED',
    failed: 'PROVISIONING_FAILED',
    cancelled: 'CANCELLED',
    refunded: 'REFUNDED',
    expired: 'EXPIRED',
  };
  return mcp[lifecycle];
}

function standardShape(order: SimOrder, vocabulary: StatusVocabulary, context: 'create' | 'read'): Record<string, unknown> {
  return {
    id: order.id,
    user_id: order.user_id,
    offer_id: order.offer_id,
    status: statusWord(order.lifecycle, vocabulary, context),
    total_usd: order.total_usd,
    proxy_type: order.proxy_type,
    ip_version: order.ip_version,
    protocol: order.protocol,
    country: order.country,
    city: order.city,
    isp: order.isp,
    quantity: order.quantity,
    period_days: order.period_days,
    bandwidth_gb: order.bandwidth_gb,
    auto_renew: order.auto_renew,
    notes: order.notes,
    created_at: order.created_at,
    updated_at: order.updated_at,
    payment_info: { payment_method: order.payment_method, payment_intent_id: order.payment_intent_id, payment_url: order.payment_url },
    proxy_access: order.lifecycle === 'active' || order.lifecycle === 'expired' ? order.access : [],
  };
}

/** The flat live snapshot ProxyJam answers for mobile rotating orders. */
function mobileShape(order: SimOrder): Record<string, unknown> {
  const live = order.lifecycle === 'active' ? order.access[0] : undefined;
  const lifecycleWord: Record<Lifecycle, string> = {
    awaiting_payment: 'waiting_payment',
    provisioning: 'paid',
    active: 'provisioned',
    failed: 'provisioning_failed',
    cancelled: 'cancelled',
    refunded: 'refunded',
    expired: 'expired',
  };
  return {
    type: 'mobile',
    id: order.id,
    status: live ? 'active' : order.lifecycle === 'expired' ? 'expired' : 'inactive',
    auto_renew: order.auto_renew,
    expires_at: order.expires_at,
    host: live?.host ?? null,
    port: live?.port ?? null,
    username: live?.username ?? null,
    password: live?.password ?? null,
    current_ip: live ? `198.51.100.${(live.port % 200) + 1}` : null,
    signature: 'android',
    tags: [],
    whitelisted_ips: [],
    order_status: lifecycleWord[order.lifecycle],
    proxy_type: order.proxy_type,
    ip_version: order.ip_version,
    protocol: order.protocol,
    country: order.country,
    city: order.city,
    isp: order.isp,
    period_days: order.period_days,
    bandwidth_gb: order.bandwidth_gb,
    quantity: order.quantity,
    total_usd: order.total_usd,
    total_amount: order.total_usd.toFixed(2),
    currency: 'USD',
    promo_code_id: null,
    discount_usd: null,
    created_at: order.created_at,
    updated_at: order.updated_at,
    payment_intent_id: order.payment_intent_id,
    previous_expires_at: order.previous_expires_at,
  };
}

/** The `managed_proxy` answer of the lifecycle endpoints (static orders): the first proxy stands for the order. */
function managedProxy(order: SimOrder): Record<string, unknown> {
  const first = order.access[0];
  return {
    order_id: order.id,
    provider_proxy_id: first?.id ?? null,
    status: order.lifecycle === 'active' ? 'active' : order.lifecycle,
    expires_at: order.expires_at,
    auto_renew: order.auto_renew,
    whitelisted_ips: first?.whitelisted_ips ?? [],
    bandwidth_total_gb: first?.bandwidth_total_gb ?? null,
    bandwidth_used_gb: first?.bandwidth_used_gb ?? 0,
    previous_expires_at: order.previous_expires_at,
  };
}

function createShape(order: Record<string, unknown>, shape: CreateShape): unknown {
  if (shape === 'array') return [order];
  if (shape === 'wrapped') return { orders: [order] };
  return order;
}

// ---------------------------------------------------------------- request checks

interface OrderBody {
  offer_id: number;
  payment_method: (typeof PAYMENT_METHODS)[number];
  proxy_type: string;
  ip_version: string;
  protocol: string;
  country: string;
  city: string | null;
  isp: string | null;
  quantity: number;
  period_days: number;
  tarification_index: number | null;
  bandwidth_gb: number | null;
  auto_renew: boolean;
  notes: string | null;
}

/** FastAPI-style field validation of a create body, with the documented defaults. */
function parseOrderBody(raw: unknown): { body?: OrderBody; errors: FieldError[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      errors: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: raw }],
    };
  }
  const input = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  const integer = (name: string, required: boolean, fallback: number | null, min: number): number | null => {
    const value = input[name];
    if (value === undefined || value === null) {
      if (required) errors.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: raw });
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      errors.push({ type: 'int_type', loc: ['body', name], msg: 'Input should be a valid integer', input: value });
      return fallback;
    }
    if (value < min) {
      errors.push({ type: 'greater_than_equal', loc: ['body', name], msg: `Input should be greater than or equal to ${min}`, input: value });
    }
    return value;
  };
  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T | undefined): T | undefined => {
    const value = input[name];
    if (value === undefined || value === null) {
      if (fallback === undefined) errors.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: raw });
      return fallback;
    }
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      const list = allowed.map((item) => `'${item}'`);
      errors.push({ type: 'enum', loc: ['body', name], msg: `Input should be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`, input: value });
      return fallback;
    }
    return value as T;
  };
  const string = (name: string): string | null => {
    const value = input[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      errors.push({ type: 'string_type', loc: ['body', name], msg: 'Input should be a valid string', input: value });
      return null;
    }
    return value;
  };

  const offerId = integer('offer_id', true, null, 1);
  const paymentMethod = choice('payment_method', PAYMENT_METHODS, undefined);
  const proxyType = choice('proxy_type', KINDS, 'residential');
  const ipVersion = choice('ip_version', IP_VERSIONS, 'IPv4');
  const protocol = choice('protocol', PROTOCOLS, 'HTTP');
  const country = string('country') ?? 'US';
  if (country.length !== 2) errors.push({ type: 'string_length', loc: ['body', 'country'], msg: 'String should have 2 characters', input: country });
  const quantity = integer('quantity', false, 1, 1);
  const periodDays = integer('period_days', false, 30, 1);
  const tarificationIndex = integer('tarification_index', false, null, 0);
  const bandwidth = integer('bandwidth_gb', false, null, 1);
  const autoRenew = input.auto_renew ?? false;
  if (typeof autoRenew !== 'boolean') errors.push({ type: 'bool_type', loc: ['body', 'auto_renew'], msg: 'Input should be a valid boolean', input: autoRenew });
  const city = string('city');
  const isp = string('isp');
  const notes = string('notes');
  string('idempotency_key');
  if (errors.length > 0) return { errors };
  return {
    errors,
    body: {
      offer_id: offerId!,
      payment_method: paymentMethod!,
      proxy_type: proxyType!,
      ip_version: ipVersion!,
      protocol: protocol!,
      country: country.toUpperCase(),
      city,
      isp,
      quantity: quantity!,
      period_days: periodDays!,
      tarification_index: tarificationIndex,
      bandwidth_gb: bandwidth,
      auto_renew: autoRenew as boolean,
      notes,
    },
  };
}

// ---------------------------------------------------------------- the simulator

export function createSimulator(options: ProxyJamSimulatorOptions = {}): Simulator<ProxyJamState> {
  // Set once the simulator exists: its forwarding proxy is where issued proxies point.
  let simulator: Simulator<ProxyJamState> | undefined;

  function makeAccess(quantity: number, protocol: string, expiresAt: string, bandwidthGb: number | null): SimProxyAccess[] {
    // SOCKS5 orders get the SOCKS5 gateway; HTTP and HTTPS ones the HTTP gateway (which
    // speaks plain HTTP with CONNECT, so that is the protocol they are issued with).
    const gateway = simulator?.gatewayFor(protocol) ?? { host: PROXY_HOST, port: 10001, protocol };
    return Array.from({ length: quantity }, () => ({
      id: String(1836367 + Math.floor(Math.random() * 1e9)),
      host: gateway.host,
      port: gateway.port,
      username: `usr_${token(4)}`,
      password: token(10),
      protocol: gateway.protocol,
      status: 'active',
      expires_at: expiresAt,
      whitelisted_ips: [],
      bandwidth_total_gb: bandwidthGb,
      bandwidth_used_gb: 0,
    }));
  }

  /** One order of another account, so lookups of it can answer 403. */
  function foreignOrder(): SimOrder {
    const seed = FOREIGN_ORDER;
    const seededAt = new Date(Date.now() - seed.daysAgo * DAY_MS);
    const expiresAt = new Date(seededAt.getTime() + seed.period_days * DAY_MS).toISOString();
    return {
      id: seed.id,
      user_id: newUuid(),
      offer_id: seed.offer_id,
      lifecycle: 'active',
      mobileRotating: false,
      total_usd: seed.total_usd,
      proxy_type: seed.proxy_type,
      ip_version: seed.ip_version,
      protocol: seed.protocol,
      country: seed.country,
      city: null,
      isp: null,
      quantity: seed.quantity,
      period_days: seed.period_days,
      tarification_index: null,
      bandwidth_gb: null,
      auto_renew: false,
      notes: null,
      payment_method: 'wallet',
      payment_intent_id: null,
      payment_url: null,
      created_at: seededAt.toISOString(),
      updated_at: seededAt.toISOString(),
      expires_at: expiresAt,
      ready_at: seededAt.getTime(),
      access: makeAccess(seed.quantity, seed.protocol, expiresAt, null),
      previous_expires_at: null,
    };
  }

  const fresh = (): ProxyJamState => ({
    balance: options.balance ?? INITIAL.balance,
    orders: new Map(),
    foreignOrders: new Map([[FOREIGN_ORDER_ID, foreignOrder()]]),
    catalog: seedCatalog(),
    idempotency: new Map(),
    responseShape: options.responseShape ?? INITIAL.responseShape,
    statusVocabulary: options.statusVocabulary ?? INITIAL.statusVocabulary,
    provisioningDelayMs: options.provisioningDelayMs ?? INITIAL.provisioningDelayMs,
    rateLimitPerMinute: options.rateLimitPerMinute ?? INITIAL.rateLimitPerMinute,
    walletId: newUuid(),
    userId: newUuid(),
    bandwidthPriceGb: INITIAL.bandwidthPriceGb,
    extendTooEarlyGuard: false,
  });
  const state = fresh();

  /** `X-API-Key` header: a missing and a wrong key get different sentences. */
  const auth = apiKeyAuth({
    key: sandboxKey,
    from: { header: 'x-api-key' },
    missing: () => detail(401, 'Missing API key'),
    wrong: () => detail(401, 'Invalid API key'),
  });
  /** The per-caller limit, counted by API key (or anonymously for the public catalog). */
  const limit = rateLimit({
    limit: () => state.rateLimitPerMinute,
    caller: (request) => header(request, 'x-api-key') ?? 'anonymous',
    refuse: (perMinute, wait) => reply(429, { detail: `Rate limit exceeded: ${perMinute} per 1 minute` }, { 'retry-after': String(wait) }),
  });
  /** The key travels in the body (`idempotency_key`) or the `Idempotency-Key` header; the body wins. */
  const replies = idempotency({
    store: () => state.idempotency,
    key: (request) => {
      const raw = request.body;
      const bodyKey = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).idempotency_key : undefined;
      return typeof bodyKey === 'string' && bodyKey ? bodyKey : header(request, 'idempotency-key');
    },
    ignoreFields: ['idempotency_key'],
    conflict: () => detail(409, 'Idempotency key was already used with a different request body'),
    replay: (stored) => reply(stored.status, stored.json),
  });

  /** Provisioning ends by itself once its time has come (checked on each read, no timers). */
  function advance(order: SimOrder): SimOrder {
    if (order.lifecycle === 'provisioning' && Date.now() >= order.ready_at) {
      order.lifecycle = 'active';
      order.updated_at = new Date().toISOString();
    }
    return order;
  }

  /** Rate limit, then (unless public) the key, then the handler. */
  function route(method: string, pattern: string, handle: (request: SimRequest) => SimResponse, opts: { money?: boolean; public?: boolean } = {}): Route {
    return guardedRoute(method, pattern, opts.public ? [limit.check] : [limit.check, auth.check], handle, opts.money);
  }

  function listCatalog(request: SimRequest): SimResponse {
    const errors: FieldError[] = [];
    const kind = request.query.get('kind');
    if (kind !== null && !(KINDS as readonly string[]).includes(kind)) {
      errors.push({ type: 'enum', loc: ['query', 'kind'], msg: "Input should be 'datacenter', 'residential' or 'mobile'", input: kind });
    }
    const available = request.query.get('is_available');
    let onlyAvailable: boolean | undefined;
    if (available !== null) {
      if (['true', '1', 'yes', 'on'].includes(available.toLowerCase())) onlyAvailable = true;
      else if (['false', '0', 'no', 'off'].includes(available.toLowerCase())) onlyAvailable = false;
      else
        errors.push({
          type: 'bool_parsing',
          loc: ['query', 'is_available'],
          msg: 'Input should be a valid boolean, unable to interpret input',
          input: available,
        });
    }
    if (errors.length > 0) return validation(errors);
    const country = request.query.get('country')?.toUpperCase();
    const offers = state.catalog.filter(
      (item) => (!kind || item.kind === kind) && (!country || item.country_code === country) && (onlyAvailable !== true || item.is_available),
    );
    const kinds = KINDS.map((groupKind) => ({ kind: groupKind, offers: offers.filter((item) => item.kind === groupKind) })).filter(
      (group) => group.offers.length > 0,
    );
    return reply(200, { kinds, total: offers.length });
  }

  function createOrder(request: SimRequest): SimResponse {
    const replayed = replies.check(request);
    if (replayed) return replayed;

    const { body, errors } = parseOrderBody(request.body);
    if (!body) return validation(errors);
    const target = state.catalog.find((item) => item.id === body.offer_id);
    if (!target) return detail(404, 'Offer not found');
    if (!target.is_available) return detail(400, 'Offer is not available');

    let option: SimOfferOption | undefined;
    if (takesTarification(target)) {
      if (body.tarification_index === null) {
        return validation([
          { type: 'missing', loc: ['body', 'tarification_index'], msg: 'tarification_index is required for mobile rotating offers', input: null },
        ]);
      }
      option = target.options[body.tarification_index];
      if (!option) {
        return validation([
          {
            type: 'value_error',
            loc: ['body', 'tarification_index'],
            msg: `tarification_index must be between 0 and ${target.options.length - 1}`,
            input: body.tarification_index,
          },
        ]);
      }
      if (option.period_days !== body.period_days) {
        return validation([
          {
            type: 'value_error',
            loc: ['body', 'period_days'],
            msg: `period_days must equal ${option.period_days} for the chosen tariff`,
            input: body.period_days,
          },
        ]);
      }
    } else {
      if (body.tarification_index !== null) {
        return validation([
          {
            type: 'value_error',
            loc: ['body', 'tarification_index'],
            msg: 'tarification_index is only accepted for mobile rotating offers',
            input: body.tarification_index,
          },
        ]);
      }
      option = target.options.find((candidate) => candidate.period_days === body.period_days);
      if (!option) {
        return validation([
          { type: 'value_error', loc: ['body', 'period_days'], msg: `No pricing option of ${body.period_days} days for this offer`, input: body.period_days },
        ]);
      }
    }

    const total = round2(option.price * body.quantity);
    const wallet = body.payment_method === 'wallet';
    if (wallet && state.balance < total) {
      return detail(400, `Insufficient wallet balance: have ${state.balance.toFixed(2)} USD, need ${total.toFixed(2)}`);
    }
    if (wallet) state.balance = round2(state.balance - total);

    const now = new Date();
    const lasts = option.period_seconds !== undefined ? option.period_seconds * 1000 : body.period_days * DAY_MS;
    const expiresAt = new Date(now.getTime() + lasts).toISOString();
    const id = newUuid();
    const order: SimOrder = {
      id,
      user_id: state.userId,
      offer_id: target.id,
      lifecycle: !wallet ? 'awaiting_payment' : state.provisioningDelayMs > 0 ? 'provisioning' : 'active',
      mobileRotating: takesTarification(target),
      total_usd: total,
      proxy_type: body.proxy_type,
      ip_version: body.ip_version,
      protocol: body.protocol,
      country: body.country,
      city: body.city,
      isp: body.isp,
      quantity: body.quantity,
      period_days: body.period_days,
      tarification_index: body.tarification_index,
      bandwidth_gb: body.bandwidth_gb,
      auto_renew: body.auto_renew,
      notes: body.notes,
      payment_method: body.payment_method,
      payment_intent_id: wallet ? null : `pi_${token(8)}`,
      payment_url: wallet ? null : `https://pay.cryptocloud.invalid/invoice/${token(8)}`,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      expires_at: expiresAt,
      ready_at: now.getTime() + state.provisioningDelayMs,
      // A tariff that names its traffic is that much traffic; otherwise the cap asked for (or none).
      access: makeAccess(body.quantity, body.protocol, expiresAt, body.bandwidth_gb ?? (option.traffic_mb ? option.traffic_mb / 1024 : null)),
      previous_expires_at: null,
    };
    state.orders.set(id, order);
    const json = createShape(standardShape(order, state.statusVocabulary, 'create'), state.responseShape);
    const created = reply(201, json);
    replies.remember(request, created);
    return created;
  }

  function getOrder(request: SimRequest): SimResponse {
    const id = request.params.order_id;
    if (state.foreignOrders.has(id)) return detail(403, 'This order belongs to another account');
    const order = state.orders.get(id);
    if (!order) return detail(404, 'Order not found');
    advance(order);
    return reply(200, order.mobileRotating ? mobileShape(order) : standardShape(order, state.statusVocabulary, 'read'));
  }

  function listOrders(request: SimRequest): SimResponse {
    const limit = Number(request.query.get('limit') ?? 50);
    const offset = Number(request.query.get('offset') ?? 0);
    const errors: FieldError[] = [];
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      errors.push({ type: 'value_error', loc: ['query', 'limit'], msg: 'Input should be between 1 and 100', input: limit });
    if (!Number.isInteger(offset) || offset < 0)
      errors.push({ type: 'value_error', loc: ['query', 'offset'], msg: 'Input should be greater than or equal to 0', input: offset });
    if (errors.length > 0) return validation(errors);
    const status = request.query.get('status')?.toLowerCase();
    const all = [...state.orders.values()]
      .map(advance)
      .map((order) => standardShape(order, state.statusVocabulary, 'read'))
      .filter((order) => !status || String(order.status).toLowerCase() === status)
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    return reply(200, { orders: all.slice(offset, offset + limit), total: all.length });
  }

  // ---------------------------------------------------------------- lifecycle (vendors.md 6.1)

  /** An order of this account by id, or the refusal ProxyJam answers (403 for another account's, 404 for none). */
  function ownOrder(id: string): SimOrder | SimResponse {
    if (state.foreignOrders.has(id)) return detail(403, 'This order belongs to another account');
    const order = state.orders.get(id);
    if (!order) return detail(404, 'Order not found');
    return advance(order);
  }

  /** Orders that no longer exist as proxies cannot be extended or topped up. */
  function closed(order: SimOrder): SimResponse | undefined {
    if (['failed', 'cancelled', 'refunded', 'awaiting_payment', 'provisioning'].includes(order.lifecycle)) {
      return detail(400, `Order is ${statusWord(order.lifecycle, 'rest', 'read')} and cannot be changed`);
    }
    return undefined;
  }

  function charge(total: number): SimResponse | undefined {
    if (state.balance < total) return detail(400, `Insufficient wallet balance: have ${state.balance.toFixed(2)} USD, need ${total.toFixed(2)}`);
    state.balance = round2(state.balance - total);
    return undefined;
  }

  /** The option a static extend of `months` is priced by: the offer's own option of that many months, else its one-month price times months. */
  function monthsPrice(target: SimOffer | undefined, months: number): number | undefined {
    const exact = target?.options.find((option) => option.period_months === months);
    if (exact) return exact.price;
    const monthly = target?.options.find((option) => option.period_months === 1);
    return monthly ? monthly.price * months : undefined;
  }

  /** Idempotency of the lifecycle calls: the `Idempotency-Key` header, scoped to the path. */
  const lifecycleReplies = idempotency({
    store: () => state.idempotency,
    key: (request) => {
      const key = header(request, 'idempotency-key');
      return key ? `${request.path} ${key}` : undefined;
    },
    conflict: () => detail(409, 'Idempotency key was already used with a different request body'),
    replay: (stored) => reply(stored.status, stored.json),
  });

  /** The order a paid change (extend, top-up) acts on: a replayed key answers as before, a foreign or closed order refuses. */
  function orderToChange(request: SimRequest): ReturnType<typeof ownOrder> {
    const replayed = lifecycleReplies.check(request);
    if (replayed) return replayed;
    const order = ownOrder(request.params.order_id);
    if (!('id' in order)) return order;
    return closed(order) ?? order;
  }

  function extendOrder(request: SimRequest): SimResponse {
    const order = orderToChange(request);
    if (!('id' in order)) return order;
    const raw = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
    const hasMonths = raw.months !== undefined && raw.months !== null;
    const hasIndex = raw.tarification_index !== undefined && raw.tarification_index !== null;
    if (hasMonths === hasIndex) {
      return validation([{ type: 'value_error', loc: ['body'], msg: 'Value error, send exactly one of months or tarification_index', input: raw }]);
    }
    const target = state.catalog.find((item) => item.id === order.offer_id);
    const now = Date.now();
    let total: number;
    let expiresAt: number;
    if (order.mobileRotating) {
      if (!hasIndex) return detail(400, 'This is a mobile rotating proxy: extend it with tarification_index, not months');
      if (!header(request, 'idempotency-key')) return detail(400, 'Idempotency-Key header is required to extend a mobile proxy');
      const index = raw.tarification_index;
      const option = typeof index === 'number' && Number.isInteger(index) ? target?.options[index] : undefined;
      if (!option) return validation([{ type: 'value_error', loc: ['body', 'tarification_index'], msg: 'Unknown tarification_index', input: index }]);
      const cycle = Date.parse(order.expires_at) - Date.parse(order.updated_at);
      if (state.extendTooEarlyGuard && Date.parse(order.expires_at) - now > 0.3 * cycle) {
        return detail(400, 'Too early to extend: more than 30% of the current cycle is left');
      }
      total = round2(option.price * order.quantity);
      // A mobile extend starts a new cycle: time and traffic are reset, nothing is added on top.
      expiresAt = now + (option.period_seconds ?? option.period_days * 86400) * 1000;
      for (const access of order.access) {
        access.bandwidth_total_gb = option.traffic_mb ? option.traffic_mb / 1024 : access.bandwidth_total_gb;
        access.bandwidth_used_gb = 0;
      }
    } else {
      if (!hasMonths) return detail(400, 'This is a static proxy: extend it with months, not tarification_index');
      const months = raw.months;
      if (typeof months !== 'number' || !Number.isInteger(months) || months < 1 || months > 24) {
        return validation([{ type: 'less_than_equal', loc: ['body', 'months'], msg: 'Input should be between 1 and 24', input: months }]);
      }
      const price = monthsPrice(target, months);
      if (price === undefined) return detail(400, 'This offer can no longer be extended');
      total = round2(price * order.quantity);
      // More time on top of what is left, or from now for an order that has run out.
      expiresAt = Math.max(now, Date.parse(order.expires_at)) + months * 30 * DAY_MS;
    }
    const short = charge(total);
    if (short) return short;
    order.previous_expires_at = order.expires_at;
    order.expires_at = new Date(expiresAt).toISOString();
    order.lifecycle = 'active';
    order.updated_at = new Date(now).toISOString();
    for (const access of order.access) {
      access.expires_at = order.expires_at;
      access.status = 'active';
    }
    const answer = reply(200, order.mobileRotating ? mobileShape(order) : managedProxy(order));
    lifecycleReplies.remember(request, answer);
    return answer;
  }

  function addBandwidth(request: SimRequest): SimResponse {
    const order = orderToChange(request);
    if (!('id' in order)) return order;
    const raw = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    const gb = raw.bandwidth_gb;
    if (gb === undefined || gb === null) return validation([{ type: 'missing', loc: ['body', 'bandwidth_gb'], msg: 'Field required', input: raw }]);
    if (typeof gb !== 'number' || !Number.isInteger(gb) || gb < 1 || gb > 5000) {
      return validation([{ type: 'value_error', loc: ['body', 'bandwidth_gb'], msg: 'Input should be between 1 and 5000', input: gb }]);
    }
    if (order.lifecycle === 'expired') return detail(400, 'Order is expired: extend it before adding traffic');
    // A tariff that names its traffic sets the price of a GB; otherwise ProxyJam's own (unpublished) rate.
    const tariff = order.tarification_index === null ? undefined : state.catalog.find((item) => item.id === order.offer_id)?.options[order.tarification_index];
    const perGb = tariff?.traffic_mb ? tariff.price / (tariff.traffic_mb / 1024) : state.bandwidthPriceGb;
    const short = charge(round2(perGb * gb * order.quantity));
    if (short) return short;
    for (const access of order.access) access.bandwidth_total_gb = (access.bandwidth_total_gb ?? 0) + gb;
    order.updated_at = new Date().toISOString();
    const answer = reply(200, managedProxy(order));
    lifecycleReplies.remember(request, answer);
    return answer;
  }

  function setAutoRenew(request: SimRequest): SimResponse {
    const found = ownOrder(request.params.order_id);
    if (!('id' in found)) return found;
    const order = found;
    const raw = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    if (typeof raw.enabled !== 'boolean') {
      return validation([
        { type: raw.enabled === undefined ? 'missing' : 'bool_type', loc: ['body', 'enabled'], msg: 'Input should be a valid boolean', input: raw.enabled },
      ]);
    }
    order.auto_renew = raw.enabled;
    order.updated_at = new Date().toISOString();
    if (order.mobileRotating) return reply(200, mobileShape(order));
    return reply(200, {
      order_id: order.id,
      provider_proxy_id: order.access[0]?.id ?? null,
      auto_renew: order.auto_renew,
      status: order.lifecycle,
      expires_at: order.expires_at,
    });
  }

  const routes: Route[] = [
    route('GET', '/catalog', listCatalog, { public: true }),
    route('POST', '/orders', createOrder, { money: true }),
    route('GET', '/orders', listOrders),
    route('GET', '/orders/:order_id', getOrder),
    route('POST', '/orders/:order_id/extend', extendOrder, { money: true }),
    route('POST', '/orders/:order_id/bandwidth', addBandwidth, { money: true }),
    // Toggling renewal charges nothing now (vendors.md 6.1.3).
    route('POST', '/orders/:order_id/auto-renew', setAutoRenew),
    // A pull from the upstream provider: charges nothing, answers managed_proxy (vendors.md 1.4).
    route('POST', '/orders/:order_id/sync', (request) => {
      const found = ownOrder(request.params.order_id);
      return 'id' in found ? reply(200, managedProxy(found)) : found;
    }),
    route('GET', '/wallet/balance', () => reply(200, { wallet_id: state.walletId, balance: state.balance, currency: 'USD' })),
  ];
  /** The gateway lets through the credentials of orders that are active and not past their end. */
  function proxyAuth(username: string, password: string): boolean {
    const now = Date.now();
    for (const order of state.orders.values()) {
      advance(order);
      if (order.lifecycle !== 'active' || Date.parse(order.expires_at) <= now) continue;
      if (order.access.some((access) => access.username === username && access.password === password)) return true;
    }
    return false;
  }

  simulator = new Simulator<ProxyJamState>('proxyjam', '/public/v1', routes, state, { proxyAuth, seed: fresh, onReset: limit.reset });
  return simulator;
}
