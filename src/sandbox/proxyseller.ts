import { randomBytes } from 'node:crypto';
import { apiKeyAuth, guardedRoute, type Route, rateLimit, type SimRequest, type SimResponse, Simulator, type VendorState } from './kit.js';
import {
  COUPONS,
  type Country,
  INITIAL,
  type ProxyType,
  ROTATIONS,
  SECTIONS,
  SEEDED_ORDER,
  type Section,
  sandboxKey,
  TARIFS,
  TYPES,
} from './seeds/proxyseller.js';

export { SECTIONS, sandboxKey, TARIFS } from './seeds/proxyseller.js';

type Body = Record<string, unknown>;

// Proxy-Seller API v1 on loopback: `/personal/api/v1/{key}/<endpoint>`, every answer in the
// {status, data, errors} envelope with HTTP 200, business errors included. The body of an
// order carries no product type: as at the vendor, the country id (or the tariff id) says
// which product is meant, so country ids are unique across types.
// Auth (the key as a path segment) and the per-key limit are the kit's, both answered with
// the vendor's access triple; reference data and prices are in seeds/proxyseller.ts.

export interface ProxySellerSimOptions {
  /** Seeded wallet in USD. */
  balance?: number;
  /** Time from order/make until the order's proxies show in proxy/list. */
  provisionMs?: number;
  /** The vendor's per-key request limit. */
  requestsPerMinute?: number;
}

export interface SimProxy {
  id: string;
  order_id: string;
  order_number: string;
  basket_id: string;
  ip: string;
  ip_only: string;
  protocol: string;
  port_socks: number;
  port_http: number;
  login: string;
  password: string;
  auth_ip: string;
  rotation: string;
  link_reboot: string;
  country: string;
  country_alpha3: string;
  status: string;
  status_type: string;
  can_prolong: number;
  date_start: string;
  date_end: string;
  comment: string;
  auto_renew: string;
  auto_renew_period: string;
}

export interface SimOrder {
  orderId: number;
  type: ProxyType;
  request: Body;
  total: number;
  createdAt: number;
  /** How long the proxies last, in days. */
  days?: number;
  listBaseOrderNumbers: string[];
  /** Filled once the order is provisioned (never for resident packages). */
  proxies?: SimProxy[];
  /** When its proxies run out (ms); absent: `days` after `createdAt`. Renewals move it. */
  endsAt?: number;
}

/** A renewal bought with prolong/make: the vendor gives it an order id of its own. */
export interface SimProlong {
  orderId: number;
  /** The order whose proxies it renewed. */
  renewed: string;
  periodId: string;
  total: number;
  at: number;
}

export interface ProxySellerState extends VendorState {
  orders: Map<string, SimOrder>;
  /** Switch on to answer every request with the access triple, as over the rate limit. */
  overLimit: boolean;
  /** Requests per minute per key before the access triple (the documented 1000); 0 switches the limit off. */
  rateLimitPerMinute: number;
  provisionMs: number;
  /** Multiplies every price (1 = the reference prices): tests move the vendor's prices with it. */
  priceFactor: number;
  /** Renewals bought with prolong/make, by their order id. */
  prolongs: Map<string, SimProlong>;
}

const DAY = 24 * 60 * 60 * 1000;

/** When an order's proxies run out. */
export function endOf(order: SimOrder): number {
  return order.endsAt ?? order.createdAt + (order.days ?? 30) * DAY;
}

function referenceSection(type: ProxyType): Body {
  if (type === 'resident') return { tarifs: TARIFS.map(({ id, name }) => ({ id, name })) };
  const section = SECTIONS[type];
  const out: Body = {
    country: section.countries.map((c) => {
      const entry: Body = { id: c.id, name: c.name };
      if (c.alpha3) entry.alpha3 = c.alpha3;
      if (c.operators) entry.operators = c.operators;
      return entry;
    }),
    period: section.periods.map(({ id, name }) => ({ id, name })),
  };
  if (section.quantities) out.quantities = section.quantities;
  return out;
}

// ---- envelope ------------------------------------------------------------------------

function success(data: unknown): SimResponse {
  return { status: 200, json: { status: 'success', data, errors: [] } };
}

function failure(message: string, code = 0): SimResponse {
  return { status: 200, json: { status: 'error', data: null, errors: [{ message, code, customData: null }] } };
}

function accessTriple(ip: string): SimResponse {
  return {
    status: 200,
    json: {
      status: 'error',
      data: null,
      errors: [
        { message: 'Error api key', code: 503, customData: null },
        { message: `IP not allowed ${ip}`, code: 503, customData: null },
        { message: 'Request limit reached', code: 503, customData: null },
      ],
    },
  };
}

function unknownType(): SimResponse {
  return failure('Could not find description of list{type} in CrmUserApiProxy', 22002);
}

// ---- pricing and validation ----------------------------------------------------------

interface Priced {
  type: ProxyType;
  quantity: number;
  total: number;
  price: number;
  discount: number;
  days: number;
  country?: Country;
}

function round(usd: number): number {
  return Math.round(usd * 100) / 100;
}

function quantityDiscount(quantity: number): number {
  return quantity >= 100 ? 0.1 : quantity >= 50 ? 0.07 : quantity >= 10 ? 0.03 : 0;
}

function findCountry(countryId: number): [Exclude<ProxyType, 'resident'>, Country] | undefined {
  for (const [type, section] of Object.entries(SECTIONS) as Array<[Exclude<ProxyType, 'resident'>, Section]>) {
    const country = section.countries.find((c) => c.id === countryId);
    if (country) return [type, country];
  }
  return undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value);
}

/** The vendor's checks, shared by calc and make. Returns the priced order or the refusal. */
function price(body: Body, factor: number): Priced | SimResponse {
  if (Number(body.paymentId) !== 1) return failure('Set existed [paymentId]');
  const couponRate = COUPONS[text(body.coupon).toUpperCase()] ?? 0;
  if (body.tarifId !== undefined && body.countryId === undefined) {
    const tarif = TARIFS.find((t) => t.id === Number(body.tarifId));
    if (!tarif) return failure('Tarif not found');
    const total = round(tarif.price * factor * (1 - couponRate));
    return { type: 'resident', quantity: 1, total, price: total, discount: couponRate, days: tarif.days };
  }
  const found = findCountry(Number(body.countryId));
  if (!found) return failure('Country not exists');
  const [type, country] = found;
  const section = SECTIONS[type];
  const period = section.periods.find((p) => p.id === text(body.periodId));
  if (!period) return failure('Set existed [periodId] from reference');
  const quantity = Number(body.quantity);
  if (!Number.isInteger(quantity) || quantity < 1 || (section.quantities && !section.quantities.includes(quantity))) {
    return failure('Set existed [quantity] from reference');
  }
  let unit: number;
  if (type === 'mobile') {
    const service = text(body.mobileServiceType);
    if (service !== 'shared' && service !== 'dedicated') return failure('Set existed [mobileServiceType] from reference');
    const operator = country.operators?.[service].find((op) => op.id === text(body.operatorId));
    if (!operator) return failure('Set existed [operatorId] from reference');
    if (!operator.rotations.some((r) => r.id === Number(body.rotationId))) return failure('Set existed [rotationId] from reference');
    unit = (country.price as { shared: number; dedicated: number })[service];
  } else {
    unit = country.price as number;
  }
  if (type === 'ipv6' && !['HTTPS', 'SOCKS5'].includes(text(body.protocol))) return failure('Set existed [protocol] from reference');
  if ((type === 'ipv4' || type === 'ipv6' || type === 'isp') && !text(body.customTargetName)) return failure('Incorrect goal', 14);
  const discount = round(quantityDiscount(quantity) + couponRate);
  const total = round(unit * factor * period.factor * quantity * (1 - discount));
  return { type, quantity, total, price: round(total / quantity), discount, days: period.days, country };
}

function dollars(usd: number): string {
  return Number.isInteger(usd) ? String(usd) : usd.toFixed(2);
}

function fundsMessage(balance: number, total: number): string {
  return `Insufficient funds. Total $${dollars(round(balance))}. Not enough $${(total - balance).toFixed(2)}`;
}

// ---- proxies -------------------------------------------------------------------------

function vendorDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}

// Random, so credentials issued after a restart never repeat earlier ones.
function credential(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/**
 * The order's proxies. Each has an HTTP and a SOCKS5 port, as the vendor's do: when the
 * simulator's gateways run (`gateways`), the address is theirs and both ports work; without
 * them the addresses are made up.
 */
function issueProxies(order: SimOrder, days: number, startMs: number, gateways?: Simulator<ProxySellerState>): SimProxy[] {
  const body = order.request;
  const country = findCountry(Number(body.countryId))?.[1];
  const ipAuth = text(body.authorization);
  const hiddenAuth = text(body.generateAuth) === 'Y';
  const rotation = order.type === 'mobile' ? (ROTATIONS.find((r) => r.id === Number(body.rotationId))?.name ?? '') : '';
  const protocol = order.type === 'ipv6' && text(body.protocol) === 'SOCKS5' ? 'SOCKS5' : 'HTTP';
  const quantity = Number(body.quantity) || 1;
  const http = gateways?.gatewayFor('HTTP');
  const socks = gateways?.gatewayFor('SOCKS5');
  // The address the order's own protocol is served at.
  const host = (protocol === 'SOCKS5' ? socks : http)?.host;
  return Array.from({ length: quantity }, (_, k) => ({
    id: `${order.orderId}${String(k).padStart(3, '0')}`,
    order_id: String(order.orderId),
    order_number: order.listBaseOrderNumbers[0],
    basket_id: String(12345000 + (order.orderId % 10000)),
    ip: host ?? `185.${order.orderId % 200}.${Math.floor(k / 250)}.${(k % 250) + 2}`,
    ip_only: host ?? `185.${order.orderId % 200}.${Math.floor(k / 250)}.${(k % 250) + 2}`,
    protocol,
    port_socks: socks?.port ?? 50101 + k * 2,
    port_http: http?.port ?? 50100 + k * 2,
    // IP-authorized proxies and generateAuth=Y credentials are not shown in the list.
    login: ipAuth || hiddenAuth ? '' : credential('u'),
    password: ipAuth || hiddenAuth ? '' : credential('p'),
    auth_ip: ipAuth,
    rotation,
    link_reboot: order.type === 'mobile' ? `https://proxy-seller.com/reboot/${order.orderId}-${k}` : '#',
    country: country?.name ?? '',
    country_alpha3: country?.alpha3 ?? '',
    status: 'Active',
    status_type: 'ACTIVE',
    can_prolong: 1,
    date_start: vendorDate(startMs),
    date_end: vendorDate(startMs + days * 24 * 60 * 60 * 1000),
    comment: '',
    auto_renew: 'N',
    auto_renew_period: '',
  }));
}

// ---- the simulator -------------------------------------------------------------------

export function createSimulator(options: ProxySellerSimOptions = {}): Simulator<ProxySellerState> {
  const fresh = (): ProxySellerState => {
    const seededAt = Date.now() - SEEDED_ORDER.daysAgo * 24 * 60 * 60 * 1000;
    const seeded: SimOrder = {
      orderId: SEEDED_ORDER.orderId,
      type: SEEDED_ORDER.type,
      request: { ...SEEDED_ORDER.request },
      total: SEEDED_ORDER.total,
      createdAt: seededAt,
      listBaseOrderNumbers: [...SEEDED_ORDER.listBaseOrderNumbers],
    };
    seeded.days = SEEDED_ORDER.days;
    seeded.proxies = issueProxies(seeded, SEEDED_ORDER.days, seededAt);
    return {
      balance: options.balance ?? INITIAL.balance,
      orders: new Map([[String(seeded.orderId), seeded]]),
      overLimit: false,
      rateLimitPerMinute: options.requestsPerMinute ?? INITIAL.rateLimitPerMinute,
      provisionMs: options.provisionMs ?? INITIAL.provisionMs,
      priceFactor: INITIAL.priceFactor,
      prolongs: new Map(),
    };
  };
  const state = fresh();
  let simulator: Simulator<ProxySellerState> | undefined;

  // Every refusal of access is the same triple: a wrong key, an IP not allowed, over the limit.
  const refused = () => accessTriple('127.0.0.1');
  const auth = apiKeyAuth({ key: sandboxKey, from: { pathParam: 'key' }, missing: refused });
  // Every call with the right key counts, refused ones included.
  const limit = rateLimit({ limit: () => state.rateLimitPerMinute, caller: (request) => request.params.key, refuse: refused, countRefused: true });
  /** The switch tests use to act as if over the limit. */
  const overLimit = () => (state.overLimit ? refused() : undefined);

  /** The access check every route starts with: the key, then the limit. */
  function guarded(method: string, pattern: string, handle: (request: SimRequest) => SimResponse, money = false): Route {
    return guardedRoute(method, `/:key${pattern}`, [auth.check, limit.check, overLimit], handle, money);
  }

  /** Issue the proxies of orders whose processing time has passed (lazily, on read). */
  function provision(): void {
    const now = Date.now();
    for (const order of state.orders.values()) {
      if (order.proxies || order.type === 'resident' || now - order.createdAt < state.provisionMs) continue;
      order.proxies = issueProxies(order, order.days ?? 30, order.createdAt, simulator);
    }
  }

  function proxiesOf(type: ProxyType, query: URLSearchParams): SimProxy[] {
    provision();
    let orders = [...state.orders.values()].filter((o) => o.type === type && o.proxies);
    if (query.get('latest') === 'Y' && orders.length) {
      const newest = Math.max(...orders.map((o) => o.orderId));
      orders = orders.filter((o) => o.orderId === newest);
    }
    let items = orders.flatMap((o) => o.proxies ?? []);
    const orderId = query.get('orderId');
    if (orderId) items = items.filter((p) => p.order_id === orderId || p.order_number === orderId);
    const country = query.get('country');
    if (country) items = items.filter((p) => p.country_alpha3 === country.toUpperCase());
    return items;
  }

  function body(request: SimRequest): Body {
    return request.body && typeof request.body === 'object' ? (request.body as Body) : {};
  }

  // ---- prolong/calc and prolong/make (vendors.md 6.2.1) ---------------------------------

  const PROLONG_TYPES = ['ipv4', 'ipv6', 'mobile', 'isp', 'mix', 'mix_isp'] as const;

  /** The vendor's checks of a renewal, shared by calc and make: the proxies, the period, the price. */
  function prolongPrice(
    type: string,
    raw: Body,
  ): { total: number; quantity: number; discount: number; days: number; periodId: string; orders: SimOrder[]; items: SimProxy[] } | SimResponse {
    const section = (PROLONG_TYPES as readonly string[]).includes(type) ? SECTIONS[type as Exclude<ProxyType, 'resident'>] : undefined;
    if (!section) return unknownType();
    if (text(raw.paymentId) !== '1') return failure('Set existed [paymentId]');
    const ids = (Array.isArray(raw.ids) ? raw.ids : [raw.ids]).map(text).filter(Boolean);
    provision();
    const owned = [...state.orders.values()].filter((o) => o.type === type);
    const items = ids.map((id) => owned.flatMap((o) => o.proxies ?? []).find((p) => p.id === id));
    if (ids.length === 0 || items.some((item) => item === undefined)) return failure('Incorrect orderIds', 29);
    const period = section.periods.find((p) => p.id === text(raw.periodId));
    if (!period) return failure('Set existed [periodId] from reference');
    const orders = owned.filter((o) => (o.proxies ?? []).some((p) => ids.includes(p.id)));
    let total = 0;
    for (const order of orders) {
      const country = findCountry(Number(order.request.countryId))?.[1];
      const unit =
        typeof country?.price === 'number'
          ? country.price
          : ((country?.price as { shared: number; dedicated: number } | undefined)?.[text(order.request.mobileServiceType) as 'shared'] ?? 0);
      const count = (order.proxies ?? []).filter((p) => ids.includes(p.id)).length;
      total += unit * period.factor * count;
    }
    const discount = round(quantityDiscount(ids.length) + (COUPONS[text(raw.coupon).toUpperCase()] ?? 0));
    return {
      total: round(total * state.priceFactor * (1 - discount)),
      quantity: ids.length,
      discount,
      days: period.days,
      periodId: period.id,
      orders,
      items: items as SimProxy[],
    };
  }

  const routes: Route[] = [
    guarded('GET', '/reference/list', () => success(Object.fromEntries(TYPES.map((type) => [type, [referenceSection(type)]])))),
    guarded('GET', '/reference/list/:type', (request) => {
      const type = TYPES.find((t) => t === request.params.type);
      return type ? success({ items: [referenceSection(type)] }) : unknownType();
    }),
    guarded('POST', '/order/calc', (request) => {
      const priced = price(body(request), state.priceFactor);
      if ('status' in priced) return priced;
      const balance = round(state.balance);
      const data = { warning: '', balance, total: priced.total, quantity: priced.quantity, currency: 'USD', discount: priced.discount, price: priced.price };
      if (priced.total > state.balance) {
        // Not a failure: a quote the caller must fix before make.
        return { status: 200, json: { status: 'error', data: { ...data, warning: fundsMessage(state.balance, priced.total) }, errors: [] } };
      }
      return success(data);
    }),
    guarded(
      'POST',
      '/order/make',
      (request) => {
        const priced = price(body(request), state.priceFactor);
        if ('status' in priced) return priced;
        if (priced.total > state.balance) return failure(fundsMessage(state.balance, priced.total));
        state.balance = round(state.balance - priced.total);
        // Next after the highest id held, so ids stay unique across restarts of a remembered sandbox.
        const orderId = Math.max(2426272, ...[...state.orders.keys()].map(Number)) + 1;
        const serial = orderId - 2426273;
        const order: SimOrder = {
          orderId,
          type: priced.type,
          request: { ...body(request) },
          total: priced.total,
          createdAt: Date.now(),
          days: priced.days,
          listBaseOrderNumbers: [`${3388485 + serial}_${57471911 + serial * 7}`],
        };
        state.orders.set(String(orderId), order);
        return success({ orderId, total: priced.total, listBaseOrderNumbers: order.listBaseOrderNumbers, balance: state.balance });
      },
      true,
    ),
    guarded('POST', '/prolong/calc/:type', (request) => {
      const priced = prolongPrice(request.params.type, body(request));
      if ('status' in priced) return priced;
      const data = {
        warning: '',
        balance: round(state.balance),
        total: priced.total,
        quantity: priced.quantity,
        currency: 'USD',
        discount: priced.discount,
        price: round(priced.total / priced.quantity),
        items: priced.items.map((item) => ({ ...item, can_prolong: true })),
        orders: priced.orders.length,
      };
      // Short of money: a quote with a warning (errors empty, data filled), not a failure.
      if (priced.total > state.balance)
        return { status: 200, json: { status: 'error', data: { ...data, warning: fundsMessage(state.balance, priced.total) }, errors: [] } };
      return success(data);
    }),
    guarded(
      'POST',
      '/prolong/make/:type',
      (request) => {
        const priced = prolongPrice(request.params.type, body(request));
        if ('status' in priced) return priced;
        if (priced.total > state.balance) return failure(fundsMessage(state.balance, priced.total));
        state.balance = round(state.balance - priced.total);
        const now = Date.now();
        const orderId = Math.max(3388535, ...[...state.prolongs.keys()].map(Number)) + 1;
        for (const order of priced.orders) {
          // More time on top of what is left, or from today for proxies that have run out.
          order.endsAt = Math.max(now, endOf(order)) + priced.days * DAY;
          order.proxies = (order.proxies ?? []).map((proxy, k) =>
            // The proxy ids change with every renewal (seed 002); the order and its credentials stay.
            priced.items.some((item) => item.id === proxy.id)
              ? { ...proxy, id: `${orderId}${String(k).padStart(3, '0')}`, date_end: vendorDate(order.endsAt!), status: 'Active', status_type: 'ACTIVE' }
              : proxy,
          );
          state.prolongs.set(String(orderId), { orderId, renewed: String(order.orderId), periodId: priced.periodId, total: priced.total, at: now });
        }
        const numbers = priced.orders.map((o) => o.listBaseOrderNumbers[0]!);
        return success({ orderId, total: priced.total, listBaseOrderNumbers: numbers, balance: state.balance });
      },
      true,
    ),
    guarded('GET', '/proxy/list', (request) =>
      success(Object.fromEntries(TYPES.map((type) => [type, type === 'resident' ? [] : proxiesOf(type, request.query)]))),
    ),
    guarded('GET', '/proxy/list/:type', (request) => {
      const type = TYPES.find((t) => t === request.params.type && t !== 'resident');
      return type ? success({ items: proxiesOf(type, request.query) }) : unknownType();
    }),
    guarded('GET', '/balance/get', () => success({ summ: round(state.balance) })),
  ];

  /** The gateway lets through the login/password of proxies whose order has not run out. */
  function proxyAuth(username: string, password: string): boolean {
    provision();
    const now = Date.now();
    for (const order of state.orders.values()) {
      if (now > endOf(order)) continue;
      if ((order.proxies ?? []).some((p) => p.status_type === 'ACTIVE' && p.login !== '' && p.login === username && p.password === password)) return true;
    }
    return false;
  }

  simulator = new Simulator<ProxySellerState>('proxyseller', '/personal/api/v1', routes, state, { proxyAuth, seed: fresh, onReset: limit.reset });
  return simulator;
}
