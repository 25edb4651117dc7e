import { randomBytes } from 'node:crypto';
import { newUuid, Simulator, type Route, type SimRequest, type SimResponse, type VendorState } from './kit.js';

// A loopback ProxyJam (REST API under /public/v1): public catalog, wallet-paid orders with
// idempotency keys, order lookups in both documented shapes, wallet balance, the
// `{"detail": ...}` error envelope and a per-caller rate limit. Switches let tests pick the
// create-response shape and the status vocabulary, where ProxyJam's own sources disagree.

export const sandboxKey = 'pj_sandbox_4e7a1c9b2f6d8e03a5c7';

/** An order of another account: looking it up answers 403. */
export const FOREIGN_ORDER_ID = '0f6b2d7e-3c1a-4e9b-8d52-a7c4e1f09b36';

export type CreateShape = 'object' | 'array' | 'wrapped';
export type StatusVocabulary = 'rest' | 'mcp';
export type Lifecycle = 'awaiting_payment' | 'provisioning' | 'active' | 'failed' | 'cancelled' | 'refunded' | 'expired';

export interface SimOfferOption {
  price: number;
  period_days: number;
  period_name: string;
  period_months: number | null;
  traffic_mb?: number | null;
  traffic_name?: string;
  period_seconds?: number;
  tarification_index?: number;
}

export interface SimOffer {
  id: number;
  kind: 'datacenter' | 'residential' | 'mobile';
  mode: string;
  ip_version: 'IPv4' | 'IPv6';
  name: string;
  description: string;
  country_code: string;
  is_available: boolean;
  price_from_usd: number;
  currency: 'USD';
  options: SimOfferOption[];
}

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
}

export interface ProxyJamState extends VendorState {
  orders: Map<string, SimOrder>;
  /** Orders of other accounts (kept apart so `orders` holds only this account's). */
  foreignOrders: Map<string, SimOrder>;
  catalog: SimOffer[];
  /** Stored answers by idempotency key: the hash of the body that made them, and the reply. */
  idempotency: Map<string, { hash: string; status: number; json: unknown }>;
  responseShape: CreateShape;
  statusVocabulary: StatusVocabulary;
  /** 0: wallet orders are active in the create answer, as the docs show. */
  provisioningDelayMs: number;
  /** Requests per minute per caller; 0 switches the limit off. */
  rateLimitPerMinute: number;
  walletId: string;
  userId: string;
}

export interface ProxyJamSimulatorOptions {
  balance?: number;
  provisioningDelayMs?: number;
  responseShape?: CreateShape;
  statusVocabulary?: StatusVocabulary;
  rateLimitPerMinute?: number;
}

const KINDS = ['datacenter', 'residential', 'mobile'] as const;
const IP_VERSIONS = ['IPv4', 'IPv6'] as const;
const PROTOCOLS = ['HTTP', 'HTTPS', 'SOCKS5'] as const;
const PAYMENT_METHODS = ['wallet', 'cryptocloud'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const PROXY_HOST = 'gw.sandbox.proxyjam.invalid';

function period(price: number, days: number, months: number | null): SimOfferOption {
  return { price, period_days: days, period_name: days === 1 ? '1 day' : `${days} days`, period_months: months };
}

function tariff(index: number, price: number, trafficMb: number, days: number): SimOfferOption {
  return {
    ...period(price, days, days >= 30 ? Math.round(days / 30) : null),
    traffic_mb: trafficMb,
    traffic_name: `${trafficMb / 1024} GB`,
    period_seconds: days * 86400,
    tarification_index: index,
  };
}

function offer(fields: Omit<SimOffer, 'price_from_usd' | 'currency' | 'description'> & { description?: string }): SimOffer {
  return {
    description: `${fields.name} (sandbox)`,
    ...fields,
    price_from_usd: Math.min(...fields.options.map((option) => option.price)),
    currency: 'USD',
  };
}

/** The seeded catalog: every kind, a few countries, some out of stock, one mobile rotating tariff list. */
export function seedCatalog(): SimOffer[] {
  return [
    offer({ id: 42, kind: 'residential', mode: 'rotating', ip_version: 'IPv4', name: 'US Residential Rotating', country_code: 'US', is_available: true, options: [period(3.5, 30, 1), period(9.9, 90, 3)] }),
    offer({ id: 43, kind: 'residential', mode: 'static', ip_version: 'IPv4', name: 'GB Static ISP', country_code: 'GB', is_available: true, options: [period(4, 30, 1)] }),
    offer({ id: 44, kind: 'residential', mode: 'static', ip_version: 'IPv4', name: 'DE Static ISP', country_code: 'DE', is_available: false, options: [period(4.5, 30, 1)] }),
    offer({ id: 51, kind: 'datacenter', mode: 'static', ip_version: 'IPv4', name: 'US Datacenter', country_code: 'US', is_available: true, options: [period(0.4, 7, null), period(1.2, 30, 1)] }),
    offer({ id: 52, kind: 'datacenter', mode: 'static', ip_version: 'IPv6', name: 'US Datacenter IPv6', country_code: 'US', is_available: true, options: [period(0.6, 30, 1)] }),
    offer({ id: 53, kind: 'datacenter', mode: 'static', ip_version: 'IPv4', name: 'NL Datacenter', country_code: 'NL', is_available: false, options: [period(1, 30, 1)] }),
    offer({ id: 77, kind: 'mobile', mode: 'rotating', ip_version: 'IPv4', name: 'US Mobile Rotating', country_code: 'US', is_available: true, options: [tariff(0, 1.5, 1024, 1), tariff(1, 12, 5120, 30), tariff(2, 30, 20480, 30)] }),
    offer({ id: 78, kind: 'mobile', mode: 'static', ip_version: 'IPv4', name: 'GB Mobile Dedicated', country_code: 'GB', is_available: true, options: [period(25, 30, 1)] }),
    offer({ id: 79, kind: 'mobile', mode: 'rotating', ip_version: 'IPv4', name: 'DE Mobile Rotating', country_code: 'DE', is_available: false, options: [tariff(0, 2, 1024, 1)] }),
  ];
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
    previous_expires_at: null,
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
    return { errors: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: raw }] };
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

/** Key order does not change a request: hash a canonical form, without the key itself. */
function bodyHash(raw: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value as Record<string, unknown>)
          .filter((key) => key !== 'idempotency_key')
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical(raw));
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ---------------------------------------------------------------- the simulator

export function createSimulator(options: ProxyJamSimulatorOptions = {}): Simulator<ProxyJamState> {
  const userId = newUuid();
  const state: ProxyJamState = {
    balance: options.balance ?? 100,
    orders: new Map(),
    foreignOrders: new Map(),
    catalog: seedCatalog(),
    idempotency: new Map(),
    responseShape: options.responseShape ?? 'object',
    statusVocabulary: options.statusVocabulary ?? 'rest',
    provisioningDelayMs: options.provisioningDelayMs ?? 0,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100,
    walletId: newUuid(),
    userId,
  };
  const calls = new Map<string, number[]>();
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

  // Seed one order of another account, so lookups of it can answer 403.
  const seededAt = new Date(Date.now() - 3 * DAY_MS);
  state.foreignOrders.set(FOREIGN_ORDER_ID, {
    id: FOREIGN_ORDER_ID,
    user_id: newUuid(),
    offer_id: 42,
    lifecycle: 'active',
    mobileRotating: false,
    total_usd: 3.5,
    proxy_type: 'residential',
    ip_version: 'IPv4',
    protocol: 'HTTP',
    country: 'US',
    city: null,
    isp: null,
    quantity: 1,
    period_days: 30,
    tarification_index: null,
    bandwidth_gb: null,
    auto_renew: false,
    notes: null,
    payment_method: 'wallet',
    payment_intent_id: null,
    payment_url: null,
    created_at: seededAt.toISOString(),
    updated_at: seededAt.toISOString(),
    expires_at: new Date(seededAt.getTime() + 30 * DAY_MS).toISOString(),
    ready_at: seededAt.getTime(),
    access: makeAccess(1, 'HTTP', new Date(seededAt.getTime() + 30 * DAY_MS).toISOString(), null),
  });

  /** Provisioning ends by itself once its time has come (checked on each read, no timers). */
  function advance(order: SimOrder): SimOrder {
    if (order.lifecycle === 'provisioning' && Date.now() >= order.ready_at) {
      order.lifecycle = 'active';
      order.updated_at = new Date().toISOString();
    }
    return order;
  }

  /** The per-caller limit, counted by API key (or anonymously for the public catalog). */
  function rateLimited(request: SimRequest): SimResponse | undefined {
    const limit = state.rateLimitPerMinute;
    if (!limit) return undefined;
    const identity = header(request, 'x-api-key') ?? 'anonymous';
    const now = Date.now();
    const recent = (calls.get(identity) ?? []).filter((at) => now - at < 60_000);
    calls.set(identity, recent);
    if (recent.length >= limit) {
      const wait = Math.max(1, Math.ceil((recent[0] + 60_000 - now) / 1000));
      return reply(429, { detail: `Rate limit exceeded: ${limit} per 1 minute` }, { 'retry-after': String(wait) });
    }
    recent.push(now);
    return undefined;
  }

  function unauthorized(request: SimRequest): SimResponse | undefined {
    const key = header(request, 'x-api-key');
    if (!key) return detail(401, 'Missing API key');
    if (key !== sandboxKey) return detail(401, 'Invalid API key');
    return undefined;
  }

  /** Rate limit, then (unless public) the key, then the handler. */
  function route(method: string, pattern: string, handle: (request: SimRequest) => SimResponse, opts: { money?: boolean; public?: boolean } = {}): Route {
    return {
      method,
      pattern,
      money: opts.money,
      handle(request) {
        return rateLimited(request) ?? (opts.public ? undefined : unauthorized(request)) ?? handle(request);
      },
    };
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
      else errors.push({ type: 'bool_parsing', loc: ['query', 'is_available'], msg: 'Input should be a valid boolean, unable to interpret input', input: available });
    }
    if (errors.length > 0) return validation(errors);
    const country = request.query.get('country')?.toUpperCase();
    const offers = state.catalog.filter(
      (item) => (!kind || item.kind === kind) && (!country || item.country_code === country) && (onlyAvailable !== true || item.is_available),
    );
    const kinds = KINDS.map((groupKind) => ({ kind: groupKind, offers: offers.filter((item) => item.kind === groupKind) })).filter((group) => group.offers.length > 0);
    return reply(200, { kinds, total: offers.length });
  }

  function createOrder(request: SimRequest): SimResponse {
    const raw = request.body;
    const bodyKey = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).idempotency_key : undefined;
    const key = typeof bodyKey === 'string' && bodyKey ? bodyKey : header(request, 'idempotency-key');
    const hash = bodyHash(raw);
    if (key) {
      const stored = state.idempotency.get(key);
      if (stored && stored.hash !== hash) return detail(409, 'Idempotency key was already used with a different request body');
      if (stored) return reply(stored.status, stored.json);
    }

    const { body, errors } = parseOrderBody(raw);
    if (!body) return validation(errors);
    const target = state.catalog.find((item) => item.id === body.offer_id);
    if (!target) return detail(404, 'Offer not found');
    if (!target.is_available) return detail(400, 'Offer is not available');

    let option: SimOfferOption | undefined;
    if (takesTarification(target)) {
      if (body.tarification_index === null) {
        return validation([{ type: 'missing', loc: ['body', 'tarification_index'], msg: 'tarification_index is required for mobile rotating offers', input: null }]);
      }
      option = target.options[body.tarification_index];
      if (!option) {
        return validation([{ type: 'value_error', loc: ['body', 'tarification_index'], msg: `tarification_index must be between 0 and ${target.options.length - 1}`, input: body.tarification_index }]);
      }
      if (option.period_days !== body.period_days) {
        return validation([{ type: 'value_error', loc: ['body', 'period_days'], msg: `period_days must equal ${option.period_days} for the chosen tariff`, input: body.period_days }]);
      }
    } else {
      if (body.tarification_index !== null) {
        return validation([{ type: 'value_error', loc: ['body', 'tarification_index'], msg: 'tarification_index is only accepted for mobile rotating offers', input: body.tarification_index }]);
      }
      option = target.options.find((candidate) => candidate.period_days === body.period_days);
      if (!option) {
        return validation([{ type: 'value_error', loc: ['body', 'period_days'], msg: `No pricing option of ${body.period_days} days for this offer`, input: body.period_days }]);
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
      access: makeAccess(body.quantity, body.protocol, expiresAt, body.bandwidth_gb),
    };
    state.orders.set(id, order);
    const json = createShape(standardShape(order, state.statusVocabulary, 'create'), state.responseShape);
    if (key) state.idempotency.set(key, { hash, status: 201, json });
    return reply(201, json);
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
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) errors.push({ type: 'value_error', loc: ['query', 'limit'], msg: 'Input should be between 1 and 100', input: limit });
    if (!Number.isInteger(offset) || offset < 0) errors.push({ type: 'value_error', loc: ['query', 'offset'], msg: 'Input should be greater than or equal to 0', input: offset });
    if (errors.length > 0) return validation(errors);
    const status = request.query.get('status')?.toLowerCase();
    const all = [...state.orders.values()]
      .map(advance)
      .map((order) => standardShape(order, state.statusVocabulary, 'read'))
      .filter((order) => !status || String(order.status).toLowerCase() === status)
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    return reply(200, { orders: all.slice(offset, offset + limit), total: all.length });
  }

  const routes: Route[] = [
    route('GET', '/catalog', listCatalog, { public: true }),
    route('POST', '/orders', createOrder, { money: true }),
    route('GET', '/orders', listOrders),
    route('GET', '/orders/:order_id', getOrder),
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

  simulator = new Simulator<ProxyJamState>('proxyjam', '/public/v1', routes, state, { proxyAuth });
  return simulator;
}
