import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ForwardingProxy } from './forwarding-proxy.js';

// The shared machinery of the vendor simulators: routing, body parsing, a request log
// tests can read, and faults a test can switch on per route.

export interface SimRequest {
  method: string;
  /** Path below the simulator's base path, e.g. `/orders/abc`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON (or form fields), undefined when there was no body. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (text/plain unless headers say otherwise). */
  text?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** `/orders/:id`: segments starting with `:` are parameters. */
  pattern: string;
  /** True for routes that move money: the request log marks them. */
  money?: boolean;
  handle(request: SimRequest): SimResponse | Promise<SimResponse>;
}

/**
 * A fault for matching requests. `before` faults answer instead of the vendor logic
 * (nothing happens); `after` faults let the vendor logic run (an order is committed) and
 * then spoil the answer.
 */
export interface Fault {
  method?: string;
  /** Matched against the path below the base path. */
  path?: RegExp;
  phase?: 'before' | 'after';
  action:
    | { kind: 'delay'; ms: number }
    | { kind: 'status'; status: number; json?: unknown; retryAfter?: string }
    | { kind: 'html'; status: number }
    | { kind: 'malformed' }
    /** With `after`: the vendor's own answer with its JSON changed (e.g. a poisoned total). */
    // biome-ignore lint/suspicious/noExplicitAny: a test rewrites whatever JSON the vendor answered
    | { kind: 'rewrite'; change: (json: any) => unknown }
    | { kind: 'hang' }
    | { kind: 'reset' };
  /** How many matching requests it applies to; unlimited when absent. */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  money: boolean;
  status: number | 'no-answer';
  at: number;
}

/** What every simulator keeps, so shared tests can check wallets and orders the same way. */
export interface VendorState {
  /** Wallet balance in USD (mutable: tests set it). */
  balance: number;
  /** Orders by the vendor's order id. */
  orders: Map<string, unknown>;
  /** Where the vendor documents a per-minute request limit: the limit, 0 for off (load tests). */
  rateLimitPerMinute?: number;
}

export interface SimulatorOptions<S extends VendorState = VendorState> {
  /**
   * A fresh state as the simulator starts: `reset()` puts the state back to a new copy of it.
   * When absent, `reset()` restores a copy of the state taken at construction.
   */
  seed?: () => S;
  /** Called by `reset()`: kit pieces that keep memory outside the state (rate windows) forget it. */
  onReset?: () => void;
  /**
   * Whether the simulator issued these proxy credentials for an order that is active now.
   * When given, `listen` also starts the simulator's forwarding proxy.
   */
  proxyAuth?: (username: string, password: string) => boolean;
}

export class Simulator<S extends VendorState = VendorState> {
  readonly name: string;
  readonly state: S;
  readonly basePath: string;
  readonly log: LoggedRequest[] = [];
  /** Where the simulator's HTTP proxies are: read when a proxy is issued (the port is set by `listen`). */
  readonly proxy = { host: '127.0.0.1', port: 0 };
  /** Its SOCKS5 gateway, beside the HTTP one (same credentials, same targets). */
  readonly socks = { host: '127.0.0.1', port: 0 };
  /** Called after every answered request (the sandbox saves its state there). */
  onChange?: () => void;
  private readonly routes: Route[];
  private readonly options: SimulatorOptions<S>;
  private readonly initial: () => S;
  private faults: Fault[] = [];
  private server?: Server;
  private forwarding?: ForwardingProxy;
  private socksGateway?: ForwardingProxy;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(name: string, basePath: string, routes: Route[], state: S, options: SimulatorOptions<S> = {}) {
    this.name = name;
    this.state = state;
    this.basePath = basePath.replace(/\/+$/, '');
    this.routes = routes;
    this.options = options;
    if (options.seed) this.initial = options.seed;
    else {
      const copy = structuredClone(withoutFunctions(state));
      this.initial = () => ({ ...state, ...structuredClone(copy) });
    }
  }

  /**
   * Back to a fresh copy of the seed: wallet, catalog/plans/price factors, orders, stored
   * idempotency replies, faults and the request log. The state object stays the same one
   * (handlers and tests hold it); its fields are replaced.
   */
  reset(): void {
    const fresh = this.initial() as unknown as Record<string, unknown>;
    const target = this.state as unknown as Record<string, unknown>;
    for (const key of Object.keys(target)) if (!(key in fresh)) delete target[key];
    Object.assign(target, fresh);
    this.faults = [];
    this.log.length = 0;
    this.options.onReset?.();
  }

  /** Switch a fault on; returns a function that switches it off. */
  inject(fault: Fault): () => void {
    const entry = { ...fault };
    this.faults.push(entry);
    return () => {
      this.faults = this.faults.filter((f) => f !== entry);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests that reached a money route (whatever their answer). */
  moneyRequests(): LoggedRequest[] {
    return this.log.filter((entry) => entry.money);
  }

  /**
   * The gateway a proxy of `protocol` points at: the SOCKS5 one for SOCKS protocols, the HTTP
   * one (CONNECT included) for the rest; nothing when the gateways do not run (the simulator
   * then issues made-up addresses). The one place that decides it.
   */
  gatewayFor(protocol: string): { host: string; port: number; protocol: 'HTTP' | 'SOCKS5' } | undefined {
    const socks = /socks/i.test(protocol);
    const gateway = socks ? this.socks : this.proxy;
    return gateway.port > 0 ? { host: gateway.host, port: gateway.port, protocol: socks ? 'SOCKS5' : 'HTTP' } : undefined;
  }

  /**
   * Start the API on `port` and, when the simulator issues proxies, its HTTP and SOCKS5
   * gateways (on `proxyPort` and `socksPort` when free, else on free ports).
   */
  async listen(port = 0, host = '127.0.0.1', proxyPort = 0, socksPort = 0): Promise<string> {
    const accepts = this.options.proxyAuth;
    if (accepts) {
      const [{ startForwardingProxy }, { startSocksGateway }] = await Promise.all([import('./forwarding-proxy.js'), import('./socks-gateway.js')]);
      this.forwarding = await startForwardingProxy(host, proxyPort, accepts).catch(() => startForwardingProxy(host, 0, accepts));
      this.proxy.host = host;
      this.proxy.port = this.forwarding.port;
      this.socksGateway = await startSocksGateway(host, socksPort, accepts).catch(() => startSocksGateway(host, 0, accepts));
      this.socks.host = host;
      this.socks.port = this.socksGateway.port;
    }
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    this.server = server;
    const address = server.address() as AddressInfo;
    return `http://${host}:${address.port}${this.basePath}`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([this.forwarding?.close(), this.socksGateway?.close()]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private takeFault(method: string, path: string, phase: 'before' | 'after'): Fault | undefined {
    const fault = this.faults.find(
      (f) => (f.phase ?? 'before') === phase && (!f.method || f.method === method) && (!f.path || f.path.test(path)) && (f.times === undefined || f.times > 0),
    );
    if (fault && fault.times !== undefined) fault.times -= 1;
    return fault;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const fullPath = url.pathname; // segments are decoded one by one when matched
    const path = fullPath.startsWith(this.basePath) ? fullPath.slice(this.basePath.length) || '/' : fullPath;
    const match = this.match(method, path);
    const entry: LoggedRequest = { method, path, money: match?.route.money ?? false, status: 'no-answer', at: Date.now() };
    this.log.push(entry);

    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return this.send(res, entry, { status: 400, json: { error: 'Malformed request body.' } });
    }

    const before = this.takeFault(method, path, 'before');
    if (before) {
      if (before.action.kind === 'delay') await sleep(before.action.ms);
      else return this.applyFault(res, entry, before, undefined);
    }
    if (!match) return this.send(res, entry, { status: 404, json: { error: 'Not found.' } });

    const response = await match.route.handle({ method, path, params: match.params, query: url.searchParams, headers: req.headers, body });
    const after = this.takeFault(method, path, 'after');
    if (after) {
      if (after.action.kind === 'delay') await sleep(after.action.ms);
      else return this.applyFault(res, entry, after, response);
    }
    this.send(res, entry, response);
  }

  private applyFault(res: ServerResponse, entry: LoggedRequest, fault: Fault, response: SimResponse | undefined): void {
    const action = fault.action;
    switch (action.kind) {
      case 'status':
        this.send(res, entry, {
          status: action.status,
          json: action.json ?? { error: `Simulated HTTP ${action.status}` },
          headers: action.retryAfter ? { 'retry-after': action.retryAfter } : undefined,
        });
        return;
      case 'html':
        this.send(res, entry, {
          status: action.status,
          text: `<!DOCTYPE html><html><head><title>${action.status} Bad Gateway</title></head><body><h1>${action.status}</h1><p>The upstream server is not responding.</p></body></html>`,
          headers: { 'content-type': 'text/html' },
        });
        return;
      case 'rewrite':
        this.send(res, entry, response ? { ...response, json: action.change(structuredClone(response.json)) } : { status: 500 });
        return;
      case 'malformed':
        this.send(res, entry, {
          status: response?.status ?? 200,
          text: '{"status": "success", "data": {',
          headers: { 'content-type': 'application/json' },
        });
        return;
      case 'hang':
        // Keep the connection open and never answer: the client's timeout must act.
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'delay':
        return;
    }
  }

  private send(res: ServerResponse, entry: LoggedRequest, response: SimResponse): void {
    entry.status = response.status;
    this.onChange?.();
    const headers: Record<string, string> = { 'x-sandbox': this.name, ...response.headers };
    let payload = '';
    if (response.json !== undefined) {
      payload = JSON.stringify(response.json);
      headers['content-type'] ??= 'application/json';
    } else if (response.text !== undefined) {
      payload = response.text;
      headers['content-type'] ??= 'text/plain';
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeSegment);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const pattern = route.pattern.split('/').filter(Boolean);
      if (pattern.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matches = pattern.every((seg, i) => {
        if (!seg.startsWith(':')) return seg === parts[i];
        params[seg.slice(1)] = parts[i];
        return true;
      });
      if (matches) {
        return { route, params };
      }
    }
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('multipart/form-data')) {
    const form = await new Response(bytes, { headers: { 'content-type': type } }).formData();
    return Object.fromEntries([...form.entries()].map(([name, value]) => [name, String(value)]));
  }
  const raw = bytes.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return JSON.parse(raw);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh id the way the vendors make them (UUID v4). */
export function newUuid(): string {
  return crypto.randomUUID();
}

function withoutFunctions<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => typeof field !== 'function')) as Partial<T>;
}

// ---------------------------------------------------------------- auth, rate limit, idempotency
// One implementation each, configured per vendor with the vendor's own wording and envelope.

/** The first value of a request header (lower-case name). */
export function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Where a vendor reads the API key. */
export type KeyLocation =
  | { header: string }
  /** `Authorization: Bearer <key>`. */
  | { bearer: true }
  /** A path segment, matched by the route pattern as `:<param>`. */
  | { pathParam: string }
  /** A field of the request body. */
  | { bodyField: string };

export interface ApiKeyAuthConfig {
  /** The key the vendor accepts. */
  key: string;
  from: KeyLocation;
  /** The answer when no key is sent. */
  missing: (request: SimRequest) => SimResponse;
  /** The answer when a key is sent but is not the right one (defaults to `missing`). */
  wrong?: (request: SimRequest) => SimResponse;
}

/** The key a request carries at `from`, undefined when it carries none. */
export function readKey(request: SimRequest, from: KeyLocation): string | undefined {
  let value: unknown;
  if ('header' in from) value = header(request, from.header.toLowerCase());
  else if ('bearer' in from) {
    const auth = header(request, 'authorization');
    value = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  } else if ('pathParam' in from) value = request.params[from.pathParam];
  else {
    const body = request.body;
    value = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[from.bodyField] : undefined;
  }
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface ApiKeyAuth {
  /** The refusal for a request without the right key, undefined when it may pass. */
  check(request: SimRequest): SimResponse | undefined;
  /** Whether the request carries the right key. */
  accepts(request: SimRequest): boolean;
}

export function apiKeyAuth(config: ApiKeyAuthConfig): ApiKeyAuth {
  const accepts = (request: SimRequest) => readKey(request, config.from) === config.key;
  return {
    accepts,
    check(request) {
      const key = readKey(request, config.from);
      if (key === undefined) return config.missing(request);
      if (key !== config.key) return (config.wrong ?? config.missing)(request);
      return undefined;
    },
  };
}

export interface RateLimitConfig {
  /** Read on every request, so tests can change it: requests per minute per caller, 0 (or absent) for off. */
  limit: () => number | undefined;
  /** Who the caller is (e.g. the API key; `anonymous` for public routes). */
  caller: (request: SimRequest) => string;
  /** The vendor's answer over the limit; `retryAfter` is whole seconds until a slot frees up. */
  refuse: (limit: number, retryAfter: number, request: SimRequest) => SimResponse;
  /** Whether refused requests count against the window too (some vendors count every call). */
  countRefused?: boolean;
}

export interface RateLimit {
  /** The refusal when the caller is over the limit (the request is counted), else undefined. */
  check(request: SimRequest): SimResponse | undefined;
  /** Forget every caller's window. */
  reset(): void;
}

/** A sliding one-minute window per caller. */
export function rateLimit(config: RateLimitConfig): RateLimit {
  const calls = new Map<string, number[]>();
  return {
    check(request) {
      const limit = config.limit() ?? 0;
      if (!limit) return undefined;
      const caller = config.caller(request);
      const now = Date.now();
      const recent = (calls.get(caller) ?? []).filter((at) => now - at < 60_000);
      calls.set(caller, recent);
      if (recent.length >= limit) {
        if (config.countRefused) recent.push(now);
        const wait = Math.max(1, Math.ceil((recent[0] + 60_000 - now) / 1000));
        return config.refuse(limit, wait, request);
      }
      recent.push(now);
      return undefined;
    },
    reset() {
      calls.clear();
    },
  };
}

/** A stored reply: the hash of the body that made it, and what was answered. */
export interface StoredReply {
  hash: string;
  status: number;
  json: unknown;
}

export interface IdempotencyConfig {
  /** Where the replies live (in the state, so the sandbox file keeps them and reset() clears them). */
  store: () => Map<string, StoredReply>;
  /** The key of a request, undefined when it has none. */
  key: (request: SimRequest) => string | undefined;
  /** Body fields left out of the hash (e.g. the key itself when it travels in the body). */
  ignoreFields?: readonly string[];
  /** The vendor's answer to a key reused with a different body. */
  conflict: (request: SimRequest) => SimResponse;
  /** How a stored reply is answered again (the vendor's envelope and headers). */
  replay: (stored: StoredReply) => SimResponse;
}

export interface Idempotency {
  /** The replay or the conflict for a request whose key is known, undefined when it must run. */
  check(request: SimRequest): SimResponse | undefined;
  /** Keep the reply of a request that ran (nothing without a key). */
  remember(request: SimRequest, response: SimResponse): void;
}

/** Key order does not change a request: hash a canonical form, without the ignored fields. */
export function bodyHash(raw: unknown, ignoreFields: readonly string[] = []): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value as Record<string, unknown>)
          .filter((key) => !ignoreFields.includes(key))
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical(raw));
}

export function idempotency(config: IdempotencyConfig): Idempotency {
  return {
    check(request) {
      const key = config.key(request);
      if (!key) return undefined;
      const stored = config.store().get(key);
      if (!stored) return undefined;
      if (stored.hash !== bodyHash(request.body, config.ignoreFields)) return config.conflict(request);
      return config.replay(stored);
    },
    remember(request, response) {
      const key = config.key(request);
      if (!key) return;
      config.store().set(key, { hash: bodyHash(request.body, config.ignoreFields), status: response.status, json: response.json });
    },
  };
}

/** A route behind the kit's checks, in the vendor's order (e.g. rate limit, then auth). */
export function guardedRoute(
  method: string,
  pattern: string,
  checks: ReadonlyArray<(request: SimRequest) => SimResponse | undefined>,
  handle: Route['handle'],
  money?: boolean,
): Route {
  return {
    method,
    pattern,
    money,
    handle(request) {
      for (const check of checks) {
        const refusal = check(request);
        if (refusal) return refusal;
      }
      return handle(request);
    },
  };
}
