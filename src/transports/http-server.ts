import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type ApprovalHandler, createApprovalHandler } from '../approval/page.js';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { createServer, spendToolNames } from '../server.js';
import type { Identity } from '../tools/define.js';
import { hostOriginPolicy } from './host-origin.js';
import { createAuthenticator, hasScope, READ_SCOPE, SPEND_SCOPE } from './http-auth.js';
import { type HttpSettings, isLoopback } from './http-settings.js';
import { BodyTooLarge, readBody } from './read-body.js';

// Streamable HTTP at /mcp, stateless towards clients: every POST gets a fresh MCP server
// and transport (no session id), so any request may land on any node; everything that
// must outlive a request lives in the store.

export interface HttpNode {
  /** The MCP endpoint, e.g. http://127.0.0.1:8787/mcp. */
  url: string;
  /** Stop taking requests, let those in flight finish (at most `graceMs`), then close. */
  shutdown(graceMs: number): Promise<void>;
}

const METADATA_PATH = '/.well-known/oauth-protected-resource';
const READY_TIMEOUT_MS = 2_000;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** `id`: the request's own id where it has one, so the client can match the error to its request. */
function rpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}, id: RequestId = null): void {
  json(res, status, { jsonrpc: '2.0', error: { code, message }, id }, headers);
}

type RequestId = string | number | null;

/** The id of a single JSON-RPC request; null for a batch, a notification or anything else. */
function requestIdOf(body: unknown): RequestId {
  const id = (body as { id?: unknown } | null)?.id;
  return !Array.isArray(body) && (typeof id === 'string' || typeof id === 'number') ? id : null;
}

export async function startHttpServer(runtime: Runtime, settings: HttpSettings): Promise<HttpNode> {
  const authenticate = createAuthenticator(settings);
  const spendTools = new Set(spendToolNames(runtime));
  let closing = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  // Filled in once the port is known.
  let policy: ReturnType<typeof hostOriginPolicy>;
  let resource = '';
  let origin = '';
  // Where people open approval and enrolment pages: the public URL, else localhost (WebAuthn
  // refuses an IP address as relying party, so a passkey cannot be used at 127.0.0.1).
  let pagesOrigin = '';
  // The team's approval channel: the page is served here, under the public URL, so a person
  // approves on whichever node the load balancer picks (approvals live in the store).
  let approvalPage: Promise<ApprovalHandler> | undefined;
  const approvalHandler = () => {
    approvalPage ??= runtime.approvalRecords().then(async (approvals) =>
      createApprovalHandler({
        approvals,
        pin: runtime.config.approval.pin,
        passkeys: { mode: runtime.config.approval.passkey, store: await runtime.store() },
        origin: () => pagesOrigin,
      }),
    );
    approvalPage.catch(() => (approvalPage = undefined));
    return approvalPage;
  };

  const challenge = (extra = '') => ({ 'www-authenticate': `Bearer resource_metadata="${resource.replace(/\/mcp$/, '')}${METADATA_PATH}/mcp"${extra}` });

  async function ready(res: ServerResponse): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // An atomic read goes to the backend itself (a keyv read may hide a backend error);
      // returning the current value unchanged writes nothing.
      // A write-path probe of the store, and the books' own word on durability (Redis without persistence).
      const probe = Promise.all([runtime.store().then((store) => store.update('proxycart:readyz', (current) => current)), runtime.ledger()]).then(
        ([, ledger]) => ledger.durabilityWarning(),
      );
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('store timed out')), READY_TIMEOUT_MS)));
      const warning = await Promise.race([probe, late]);
      json(res, 200, { status: 'ready', ...(warning ? { warnings: [warning] } : {}) });
    } catch (error) {
      log('warning', `readyz: store unreachable (${error instanceof Error ? error.message : String(error)})`);
      json(res, 503, { status: 'store unreachable' });
    } finally {
      clearTimeout(timer);
    }
  }

  async function mcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      // Stateless: no standalone SSE stream to GET and no session to DELETE.
      return rpcError(res, 405, -32000, 'Method not allowed: this server is stateless; POST JSON-RPC to /mcp.', { allow: 'POST' });
    }
    // The body (at most 256 KiB) is read before authentication so that a refusal can carry the request's id.
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof BodyTooLarge) return rpcError(res, 413, -32600, 'Request body too large.', { connection: 'close' });
      return rpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
    }
    const id = requestIdOf(body);
    let identity: Identity | undefined;
    if (authenticate) {
      const outcome = await authenticate(req.headers.authorization);
      if ('reject' in outcome) {
        const error = outcome.reject === 'invalid' ? ', error="invalid_token", error_description="The access token is invalid or expired"' : '';
        return rpcError(res, 401, -32001, 'Unauthorized: send a valid bearer token.', challenge(error), id);
      }
      identity = outcome.identity;
      if (!hasScope(identity, READ_SCOPE)) {
        return rpcError(
          res,
          403,
          -32001,
          `Forbidden: this client needs the ${READ_SCOPE} scope.`,
          challenge(`, error="insufficient_scope", scope="${READ_SCOPE}"`),
          id,
        );
      }
    }
    const canSpend = hasScope(identity, SPEND_SCOPE);
    if (!canSpend && callsAny(body, spendTools)) {
      return rpcError(
        res,
        403,
        -32001,
        `Forbidden: placing orders needs the ${SPEND_SCOPE} scope.`,
        challenge(`, error="insufficient_scope", scope="${SPEND_SCOPE}"`),
        id,
      );
    }
    if (identity)
      (req as IncomingMessage & { auth?: unknown }).auth = { token: '', clientId: identity.name, scopes: [...identity.scopes], extra: { via: identity.via } };
    const server = createServer(runtime, { readOnly: !canSpend });
    // A stateless server never learns the client's capabilities, so the only thing worth an
    // SSE stream is progress the caller asked for; everything else is a plain JSON answer.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !asksForProgress(body) });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (closing) return json(res, 503, { error: 'shutting down' }, { connection: 'close', 'retry-after': '1' });
    // Health checks come from load balancers under any name and tell nothing secret.
    if (path === '/healthz') return json(res, 200, { status: 'alive' });
    if (path === '/readyz') return ready(res);
    if (!policy.hostAllowed(req.headers.host)) return json(res, 403, { error: 'Forbidden: unexpected Host header.' });
    // A person's browser, not an MCP client: the page checks its own Host, Origin, form token, PIN and passkey.
    if ((path.startsWith('/approve/') || path.startsWith('/passkey/')) && (await (await approvalHandler())(req, res))) return;
    if (!policy.originAllowed(req.headers.origin)) return json(res, 403, { error: 'Forbidden: unexpected Origin.' });
    if (authenticate && (path === METADATA_PATH || path === `${METADATA_PATH}/mcp`)) {
      return json(res, 200, {
        resource,
        authorization_servers: settings.oauth ? [settings.oauth.issuer] : [],
        scopes_supported: [READ_SCOPE, SPEND_SCOPE],
        bearer_methods_supported: ['header'],
        resource_name: 'proxycart',
      });
    }
    if (path === '/mcp') return mcp(req, res);
    return json(res, 404, { error: 'Not found.' });
  }

  const http = createHttpServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      if (--inFlight === 0) idle?.();
    });
    handle(req, res).catch((error: unknown) => {
      log('error', `HTTP request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      rpcError(res, 500, -32603, 'Internal server error.');
    });
  });
  // A request (headers and body) must arrive within 30 s; idle keep-alive connections
  // outlive a load balancer's usual 60 s idle timeout, so it never reuses one we closed.
  http.requestTimeout = 30_000;
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(settings.port, settings.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  policy = hostOriginPolicy(settings, port);
  const shown = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  origin = (settings.publicUrl ?? `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}`).replace(/\/+$/, '');
  resource = `${origin}/mcp`;
  const local = isLoopback(settings.host) || ['0.0.0.0', '::', '[::]'].includes(settings.host);
  pagesOrigin = settings.publicUrl ?? (local ? `http://localhost:${port}` : origin);
  runtime.servePagesAt(pagesOrigin);

  return {
    url: `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}/mcp`,
    async shutdown(graceMs) {
      closing = true;
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      if (inFlight > 0) {
        log('info', `shutting down: waiting for ${inFlight} request(s) in flight (at most ${Math.round(graceMs / 1000)} s)`);
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, graceMs).unref();
        });
      }
      http.closeAllConnections();
      await stopped;
    },
  };
}

function asksForProgress(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken !== undefined);
}

/** Whether a JSON-RPC message (or batch) calls one of `names`. */
function callsAny(body: unknown, names: Set<string>): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    const msg = m as { method?: unknown; params?: { name?: unknown } } | null;
    return msg?.method === 'tools/call' && typeof msg.params?.name === 'string' && names.has(msg.params.name);
  });
}
