import { apiKeyAuth, guardedRoute, newUuid, type Route, type SimRequest, type SimResponse, Simulator, type VendorState } from './kit.js';
import { ACTIVATION_MS, FIRST_ORDER_ID, INITIAL_BALANCE, type SimPlan, sandboxKey, seedDiscountCodes, seedPlans, USER } from './seeds/novaproxy.js';

export { sandboxKey, seedPlans } from './seeds/novaproxy.js';

// NovaProxy on loopback, following its docs: Bearer auth, GET /plans[/{slug}], POST /orders
// (422 `{"error"}` with the documented messages, 201 with the order at the root), GET /orders
// (newest first, no pagination) and GET /orders/{uuid}. Orders start `pending` and become
// `active` with credentials after `activationMs`.
//
// Choices where the docs are silent (all sandbox-only):
// - The base path `/api` is arbitrary: NovaProxy publishes no base URL.
// - GET /plans answers a bare array, like GET /orders; unknown plans and orders are 404
//   `{"message":"Not Found"}` (the framework's default wording).
// - GET /plans lists active plans only ("purchasable"); an inactive plan is still found by slug,
//   and POST /orders refuses it with "The selected plan is not active.".
// - Duration plans publish no prices, so their price table is private (never in GET /plans);
//   `duration_options` in an order carries the line prices, as the docs say it does.
// - Bandwidth tiers: a whole number of GB, at least the smallest tier, priced at the largest
//   tier not above the amount. Unknown discount codes are ignored.
//
// Plans, prices and the starting wallet are in seeds/novaproxy.ts; auth is the kit's.

const GIB = 1024 ** 3;
const DURATION_FORMAT = /^[1-9][0-9]{0,3}_(minute|hour|day|week|month|year)s?$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

export interface NovaSimulatorOptions {
  /** Time from order to `active` with credentials, in ms. */
  activationMs?: number;
  /** Seeded account balance in USD. */
  balance?: number;
}

export interface NovaOrder {
  id: number;
  uuid: string;
  plan: string;
  username: string | null;
  password: string | null;
  initialBytes: number | null;
  remainingBytes: number | null;
  consumedBytes: number | null;
  expiresAt: number | null;
  status: string;
  price: { gross: number; discount: number; net: number };
  durationOptions: Array<{ name: string; label: string; value: string | number; value_label: string; price: number }>;
  createdAt: number;
  updatedAt: number;
  activateAt: number;
}

export interface NovaState extends VendorState {
  orders: Map<string, NovaOrder>;
  plans: SimPlan[];
  /** Discount codes and the share they take off. */
  discountCodes: Record<string, number>;
  /** Every POST /orders body as received, so tests can check what was sent. */
  orderBodies: unknown[];
  /** Clock (ms); tests may replace it. */
  now: () => number;
}

/** The plan as GET /plans shows it: private price table, activity flag and limits left out. */
function planResource(plan: SimPlan): Record<string, unknown> {
  const base = {
    id: plan.id,
    name: plan.name,
    slug: plan.slug,
    type: plan.type,
    has_geo_targeting: plan.has_geo_targeting,
    has_ip_whitelist: plan.has_ip_whitelist,
    rotations: plan.rotations,
    protocols: plan.protocols,
  };
  if (plan.type === 'bandwidth') {
    return {
      ...base,
      bandwidths: (plan.bandwidths ?? []).map((t) => ({
        id: t.id,
        bandwidth: t.bandwidth,
        bandwidth_unit: 'GB',
        bandwidth_in_bytes: t.bandwidth * GIB,
        price_per_gb: t.price_per_gb,
      })),
    };
  }
  return {
    ...base,
    durations: (plan.durations ?? []).map((d) => ({
      slug: d.slug,
      options: d.options.map(({ unitPrice: _private, ...option }) => option),
    })),
  };
}

// Laravel-style timestamps: microseconds and Z.
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function dateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) out += alphabet[byte % alphabet.length];
  return out;
}

const round = (value: number) => Math.round(value * 100) / 100;
const refuse = (error: string): SimResponse => ({ status: 422, json: { error } });
const NOT_FOUND: SimResponse = { status: 404, json: { message: 'Not Found' } };
const UNAUTHENTICATED: SimResponse = { status: 401, json: { message: 'Unauthenticated.' } };

/** Form posts carry config as `config[name]` fields; JSON posts as an object. */
function orderFields(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const nested = /^config\[([^\]]+)\]$/.exec(key);
    if (nested) out.config = { ...((out.config as Record<string, unknown>) ?? {}), [nested[1]]: value };
    else out[key] = value;
  }
  return out;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

type Priced = { gross: number; initialBytes: number | null; expiresAt: number | null; durationOptions: NovaOrder['durationOptions'] };

function priceBandwidth(plan: SimPlan, fields: Record<string, unknown>): Priced | SimResponse {
  const bandwidth = asNumber(fields.bandwidth);
  const tiers = [...(plan.bandwidths ?? [])].sort((a, b) => a.bandwidth - b.bandwidth);
  const tier = bandwidth !== undefined && Number.isInteger(bandwidth) ? tiers.filter((t) => t.bandwidth <= bandwidth).pop() : undefined;
  if (bandwidth === undefined || !tier) return refuse('The entered bandwidth is not valid.');
  return { gross: round(bandwidth * tier.price_per_gb), initialBytes: bandwidth * GIB, expiresAt: null, durationOptions: [] };
}

function priceDuration(plan: SimPlan, fields: Record<string, unknown>, now: number): Priced | SimResponse {
  const slug = typeof fields.duration === 'string' ? fields.duration : String(fields.duration ?? '');
  const format = DURATION_FORMAT.exec(slug);
  if (!format) return refuse(`Invalid duration format '${slug}'. Expected e.g. '30_days', '1_day', '20_minutes'.`);
  const duration = (plan.durations ?? []).find((d) => d.slug === slug);
  if (!duration) return refuse(`Duration '${slug}' is not available for plan '${plan.slug}'.`);
  const config = fields.config && typeof fields.config === 'object' && !Array.isArray(fields.config) ? (fields.config as Record<string, unknown>) : {};
  const names = Object.keys(config);
  if (duration.options.length && names.length === 0) return refuse('The config field is required for this plan duration.');
  for (const option of duration.options) {
    if (!(option.name in config) || config[option.name] === null || config[option.name] === '')
      return refuse(`Missing config value for option '${option.name}'.`);
  }
  for (const name of names) {
    if (!duration.options.some((o) => o.name === name)) return refuse(`Option '${name}' does not exist for the selected plan duration.`);
  }
  const lines: NovaOrder['durationOptions'] = [];
  for (const option of duration.options) {
    const raw = config[option.name];
    if (option.type === 'select') {
      const choice = (option.options ?? []).find((o) => String(o.value) === String(raw));
      if (!choice) return refuse(`Invalid value for option '${option.name}'.`);
      lines.push({ name: option.name, label: option.label, value: choice.value, value_label: choice.label, price: 0 });
      continue;
    }
    const value = asNumber(raw);
    if (value === undefined) return refuse(`Value for option '${option.name}' must be numeric.`);
    if (option.min !== undefined && value < option.min) return refuse(`Value for option '${option.name}' must be at least ${option.min}.`);
    if (option.max !== undefined && value > option.max) return refuse(`Value for option '${option.name}' must be at most ${option.max}.`);
    if (option.step && Math.abs(value / option.step - Math.round(value / option.step)) > 1e-9) {
      return refuse(`Value for option '${option.name}' must be a multiple of ${option.step}.`);
    }
    lines.push({ name: option.name, label: option.label, value, value_label: String(value), price: round(value * (option.unitPrice ?? 0)) });
  }
  const gross = round(duration.price + lines.reduce((sum, line) => sum + line.price, 0));
  const amount = Number(slug.split('_')[0]);
  return { gross, initialBytes: null, expiresAt: now + amount * UNIT_MS[format[1]], durationOptions: lines };
}

export function createSimulator(options: NovaSimulatorOptions = {}): Simulator<NovaState> {
  const activationMs = options.activationMs ?? ACTIVATION_MS;
  const fresh = (): NovaState => ({
    balance: options.balance ?? INITIAL_BALANCE,
    orders: new Map(),
    plans: seedPlans(),
    discountCodes: seedDiscountCodes(),
    orderBodies: [],
    now: () => Date.now(),
  });
  const state = fresh();
  const user = USER;
  const nextId = FIRST_ORDER_ID;
  // Bearer token; a missing and a wrong one both get Laravel's 401.
  const auth = apiKeyAuth({ key: sandboxKey, from: { bearer: true }, missing: () => UNAUTHENTICATED });

  // Status changes happen when the order is next read: no timers left running.
  function refresh(order: NovaOrder): NovaOrder {
    const now = state.now();
    if (order.status === 'pending' && now >= order.activateAt) {
      order.status = 'active';
      order.username = randomToken(15);
      order.password = randomToken(15);
      order.updatedAt = order.activateAt;
    }
    if (order.status === 'active' && order.expiresAt !== null && now >= order.expiresAt) {
      order.status = 'expired';
      order.updatedAt = order.expiresAt;
    }
    return order;
  }

  function orderResource(order: NovaOrder): Record<string, unknown> {
    const plan = state.plans.find((p) => p.slug === order.plan);
    return {
      uuid: order.uuid,
      username: order.username,
      password: order.password,
      initial_bandwidth_in_bytes: order.initialBytes,
      remaining_bandwidth_in_bytes: order.remainingBytes,
      consumed_bandwidth_in_bytes: order.consumedBytes,
      expires_at: order.expiresAt === null ? null : dateTime(order.expiresAt),
      status: order.status,
      price: order.price,
      plan: plan ? planResource(plan) : null,
      duration_options: order.durationOptions,
      created_at: timestamp(order.createdAt),
      updated_at: timestamp(order.updatedAt),
    };
  }

  function createOrder(request: SimRequest): SimResponse {
    state.orderBodies.push(request.body);
    const fields = orderFields(request.body);
    const slug = typeof fields.plan === 'string' ? fields.plan : String(fields.plan ?? '');
    const plan = state.plans.find((p) => p.slug === slug);
    if (!plan) return refuse(`Plan '${slug}' not found.`);
    if (!plan.active) return refuse('The selected plan is not active.');
    const now = state.now();
    const priced = plan.type === 'bandwidth' ? priceBandwidth(plan, fields) : priceDuration(plan, fields, now);
    if ('status' in priced) return priced;
    const held = [...state.orders.values()].filter((o) => o.plan === plan.slug).length;
    if (plan.maxOrders !== undefined && held >= plan.maxOrders) return refuse('You have reached the maximum number of orders for this plan.');
    const code = typeof fields.discount_code === 'string' ? fields.discount_code : undefined;
    const discount = code && state.discountCodes[code] ? round(priced.gross * state.discountCodes[code]) : 0;
    const net = round(priced.gross - discount);
    if (state.balance < net) return refuse('Insufficient balance.');
    state.balance = round(state.balance - net);
    const order: NovaOrder = {
      // Next after the highest id held, so ids stay unique across restarts of a remembered sandbox.
      id: Math.max(nextId - 1, ...[...state.orders.values()].map((o) => o.id)) + 1,
      uuid: newUuid(),
      plan: plan.slug,
      username: null,
      password: null,
      initialBytes: priced.initialBytes,
      remainingBytes: priced.initialBytes,
      consumedBytes: priced.initialBytes === null ? null : 0,
      expiresAt: priced.expiresAt,
      status: 'pending',
      price: { gross: priced.gross, discount, net },
      durationOptions: priced.durationOptions,
      createdAt: now,
      updatedAt: now,
      activateAt: now + activationMs,
    };
    state.orders.set(order.uuid, order);
    return { status: 201, json: orderResource(order) };
  }

  const check = [auth.check];
  const routes: Route[] = [
    guardedRoute('GET', '/plans', check, () => ({ status: 200, json: state.plans.filter((p) => p.active).map(planResource) })),
    guardedRoute('GET', '/plans/:slug', check, (request) => {
      const plan = state.plans.find((p) => p.slug === request.params.slug);
      return plan ? { status: 200, json: planResource(plan) } : NOT_FOUND;
    }),
    guardedRoute('POST', '/orders', check, createOrder, true),
    guardedRoute('GET', '/orders', check, () => {
      const newestFirst = [...state.orders.values()].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      return { status: 200, json: newestFirst.map((order) => ({ ...orderResource(refresh(order)), user })) };
    }),
    guardedRoute('GET', '/orders/:uuid', check, (request) => {
      // Only the uuid form: the numeric id lookup was retired.
      const order = state.orders.get(request.params.uuid);
      return order ? { status: 200, json: orderResource(refresh(order)) } : NOT_FOUND;
    }),
  ];

  return new Simulator<NovaState>('novaproxy', '/api', routes, state, { seed: fresh });
}
