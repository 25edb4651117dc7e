import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SocksClient } from 'socks';
import { ProxyAgent, request } from 'undici';
import type { ProxyEndpoint } from '../providers/types.js';

// One request through one proxy, with a plain account of what happened. HTTP(S) proxies go
// through undici's ProxyAgent (a CONNECT tunnel), SOCKS5 ones through the `socks` client;
// no proxy protocol is written here. This module loads only when a check runs.

export interface ProbeResult {
  ok: boolean;
  status_code: number | null;
  latency_ms: number;
  exit_ip: string | null;
  /** Set when the request did not go through: what went wrong, in words. */
  reason?: string;
}

const MAX_BODY = 4096;

export async function probe(proxy: ProxyEndpoint, target: URL, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = AbortSignal.timeout(timeoutMs);
  const abort = signal ? AbortSignal.any([signal, limit]) : limit;
  let timer: NodeJS.Timeout | undefined;
  // The libraries' own time limits do not cover every phase (a proxy that accepts the
  // connection and never answers the tunnel request): this one does.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), timeoutMs);
  });
  try {
    const socks = /socks/i.test(proxy.protocol);
    const attempt = socks ? viaSocks(proxy, target, timeoutMs, abort) : viaHttpProxy(proxy, target, timeoutMs, abort);
    attempt.catch(() => undefined);
    const { status, body } = await Promise.race([attempt, deadline]);
    const latency = Math.round(performance.now() - started);
    return {
      ok: status >= 200 && status < 400,
      status_code: status,
      latency_ms: latency,
      exit_ip: exitIp(body),
      ...(status >= 400
        ? { reason: status === 407 ? 'auth refused: the proxy rejected the credentials (HTTP 407)' : `the target answered HTTP ${status}` }
        : {}),
    };
  } catch (error) {
    return {
      ok: false,
      status_code: null,
      latency_ms: Math.round(performance.now() - started),
      exit_ip: null,
      reason: reasonOf(error, limit.aborted, timeoutMs),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function viaHttpProxy(proxy: ProxyEndpoint, target: URL, timeoutMs: number, signal: AbortSignal): Promise<{ status: number; body: string }> {
  const scheme = /^https$/i.test(proxy.protocol) ? 'https' : 'http';
  const token = proxy.username ? `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}` : undefined;
  const agent = new ProxyAgent({ uri: `${scheme}://${hostForUrl(proxy.host)}:${proxy.port}`, token, connectTimeout: timeoutMs });
  try {
    const response = await request(target, { dispatcher: agent, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    return { status: response.statusCode, body: await readCapped(response.body) };
  } finally {
    agent.close().catch(() => undefined);
  }
}

async function viaSocks(proxy: ProxyEndpoint, target: URL, timeoutMs: number, signal: AbortSignal): Promise<{ status: number; body: string }> {
  const secure = target.protocol === 'https:';
  const { socket } = await SocksClient.createConnection({
    proxy: { host: proxy.host, port: proxy.port, type: 5, userId: proxy.username ?? undefined, password: proxy.password ?? undefined },
    command: 'connect',
    destination: { host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port) || (secure ? 443 : 80) },
    timeout: timeoutMs,
  });
  const stream: Socket = secure ? tlsConnect({ socket, servername: target.hostname }) : socket;
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { createConnection: () => stream, signal, headers: { connection: 'close' } }, (res: IncomingMessage) => {
      readCapped(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function readCapped(body: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString();
    if (text.length > MAX_BODY) break;
  }
  return text.slice(0, MAX_BODY);
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]+)$/i;

/** The exit address, when the target says it: `{"ip": …}`, `{"origin": …}` or a bare address. */
export function exitIp(body: string): string | null {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['ip', 'origin', 'query', 'address']) {
      const value = json?.[key];
      if (typeof value === 'string' && IP.test(value.split(',')[0]!.trim())) return value.split(',')[0]!.trim();
    }
    return null;
  } catch {
    return IP.test(text) ? text : null;
  }
}

/** A failure in words a person can act on; never the credentials (no message here carries them). */
export function reasonOf(error: unknown, timedOut: boolean, timeoutMs: number): string {
  const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? err?.cause?.code ?? '';
  const message = `${err?.message ?? ''} ${err?.cause?.message ?? ''}`;
  if (/\b407\b/.test(message) || /authentication failed|auth.*(refused|failed|rejected)/i.test(message)) {
    return `auth refused: the proxy rejected the credentials (${/socks/i.test(message) ? 'SOCKS5' : 'HTTP 407'})`;
  }
  if (timedOut || /TIMEOUT|ETIMEDOUT/.test(code) || err?.name === 'TimeoutError' || /timed? ?out/i.test(message)) {
    return `connect timeout: no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /getaddrinfo/.test(message)) return 'DNS: the proxy or target host name could not be resolved';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO)/.test(code) || /certificate|SSL|TLS/i.test(message)) {
    return `TLS: the secure connection failed (${code || 'handshake error'})`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused: nothing accepts connections at the proxy address';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset by the proxy or the target';
  if (/\b403\b/.test(message)) return 'refused: the proxy would not connect to this target (HTTP 403)';
  if (/rejected connection - NotAllowed/.test(message)) return 'refused: the proxy would not connect to this target (SOCKS5 not allowed)';
  const status = /\((\d{3})\)/.exec(message)?.[1];
  if (status) return `the proxy answered HTTP ${status} to the tunnel request`;
  return `failed: ${(err?.message ?? String(error)).slice(0, 160)}`;
}
