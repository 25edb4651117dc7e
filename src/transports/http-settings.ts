import { isIP } from 'node:net';
import { ProxycartError } from '../errors.js';

// Settings only HTTP mode reads, kept out of config.ts so stdio start-up never parses them.

export interface HttpSettings {
  host: string;
  port: number;
  /** The origin clients and people reach this server at (a load balancer's), without a trailing slash. */
  publicUrl?: string;
  tokensFile?: string;
  oauth?: { issuer: string; audience: string; jwksUrl?: string };
  /** `Host` header values accepted besides loopback ones and the public URL's. */
  allowedHosts: string[];
  /** `Origin` values accepted besides loopback ones and the public URL's. */
  allowedOrigins: string[];
}

export const DEFAULT_HTTP_PORT = 8787;

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function httpUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ProxycartError('configuration', `${name} must be an http(s) URL.`);
  }
}

export function readHttpSettings(env: NodeJS.ProcessEnv, flags: { host?: string; port?: number } = {}): HttpSettings {
  const host = flags.host ?? env.PROXYCART_HTTP_HOST?.trim() ?? '127.0.0.1';
  const rawPort = flags.port ?? (env.PROXYCART_HTTP_PORT?.trim() ? Number(env.PROXYCART_HTTP_PORT.trim()) : DEFAULT_HTTP_PORT);
  if (!Number.isInteger(rawPort) || rawPort < 0 || rawPort > 65_535) {
    throw new ProxycartError('configuration', `PROXYCART_HTTP_PORT must be a port number (0 picks a free one).`);
  }
  const issuer = env.PROXYCART_OAUTH_ISSUER?.trim();
  const audience = env.PROXYCART_OAUTH_AUDIENCE?.trim();
  if (Boolean(issuer) !== Boolean(audience)) {
    throw new ProxycartError('configuration', 'PROXYCART_OAUTH_ISSUER and PROXYCART_OAUTH_AUDIENCE go together: set both or neither.');
  }
  const jwks = env.PROXYCART_OAUTH_JWKS_URL?.trim();
  const publicUrl = env.PROXYCART_PUBLIC_URL?.trim();
  const settings: HttpSettings = {
    host,
    port: rawPort,
    publicUrl: publicUrl ? new URL(httpUrl('PROXYCART_PUBLIC_URL', publicUrl)).origin : undefined,
    tokensFile: env.PROXYCART_HTTP_TOKENS_FILE?.trim() || undefined,
    oauth:
      issuer && audience
        ? { issuer: httpUrl('PROXYCART_OAUTH_ISSUER', issuer), audience, jwksUrl: jwks ? httpUrl('PROXYCART_OAUTH_JWKS_URL', jwks) : undefined }
        : undefined,
    allowedHosts: list(env.PROXYCART_HTTP_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    allowedOrigins: list(env.PROXYCART_HTTP_ALLOWED_ORIGINS).map((o) => o.replace(/\/+$/, '').toLowerCase()),
  };
  if (!isLoopback(host) && !settings.tokensFile && !settings.oauth) {
    throw new ProxycartError(
      'configuration',
      `Refusing to serve on ${host} without authentication: anyone who reaches it could spend the wallets. Set PROXYCART_HTTP_TOKENS_FILE and/or PROXYCART_OAUTH_ISSUER + PROXYCART_OAUTH_AUDIENCE, or bind to 127.0.0.1.`,
    );
  }
  return settings;
}
