import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { log } from '../log.js';
import type { Identity } from '../tools/define.js';
import type { HttpSettings } from './http-settings.js';
import { hashToken, type TokenClient, tokensFileReader } from './tokens-file.js';

// Bearer authentication for /mcp: tokens-file clients (SHA-256 of the token) and OAuth 2.1
// access tokens (JWTs checked against the issuer's JWKS). The token itself never leaves
// this module: identities carry a name and scopes only.

export const READ_SCOPE = 'proxycart:read';
export const SPEND_SCOPE = 'proxycart:spend';
const CLOCK_SKEW_S = 60;

export type AuthOutcome = { identity: Identity } | { reject: 'missing' | 'invalid' };

export type Authenticator = (authorization: string | undefined) => Promise<AuthOutcome>;

/** Undefined when no authentication is configured (loopback only). */
export function createAuthenticator(settings: HttpSettings): Authenticator | undefined {
  if (!settings.tokensFile && !settings.oauth) return undefined;
  const clients = settings.tokensFile ? tokensFileReader(settings.tokensFile) : undefined;
  const verifyJwt = settings.oauth ? jwtVerifier(settings.oauth) : undefined;

  return async (authorization) => {
    const match = /^Bearer\s+([^\s]+)\s*$/i.exec(authorization ?? '');
    if (!match) return { reject: 'missing' };
    const token = match[1]!;
    const client: TokenClient | undefined = clients?.().get(hashToken(token));
    if (client) return { identity: { name: client.name, scopes: client.scopes, via: 'token' } };
    if (verifyJwt && token.split('.').length === 3) {
      const identity = await verifyJwt(token);
      if (identity) return { identity };
    }
    return { reject: 'invalid' };
  };
}

function jwtVerifier(oauth: NonNullable<HttpSettings['oauth']>): (token: string) => Promise<Identity | undefined> {
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () => {
    jwks ??= discoverJwks(oauth).then(
      (url) => createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 }),
      (error: unknown) => {
        jwks = undefined; // try the discovery again on the next request
        throw error;
      },
    );
    return jwks;
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, await keys(), {
        issuer: oauth.issuer,
        audience: oauth.audience,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp'],
      });
      const name = payload.sub ?? (typeof payload.client_id === 'string' ? payload.client_id : undefined);
      if (!name) return undefined;
      return { name: name.slice(0, 200), scopes: scopesOf(payload), via: 'oauth' };
    } catch (error) {
      // Expired, wrong audience, bad signature: an ordinary 401. Anything else is worth a log line.
      if (!(error instanceof joseErrors.JOSEError) || error instanceof joseErrors.JWKSTimeout) {
        log('warning', `OAuth token check failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    }
  };
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

/** The issuer's jwks_uri from its RFC 8414 (or OpenID) metadata, unless configured outright. */
async function discoverJwks(oauth: NonNullable<HttpSettings['oauth']>): Promise<string> {
  if (oauth.jwksUrl) return oauth.jwksUrl;
  const issuer = new URL(oauth.issuer);
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/+$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin),
    new URL(`${issuer.origin}${path}/.well-known/openid-configuration`),
  ];
  for (const url of candidates) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), headers: { accept: 'application/json' } });
      if (!res.ok) continue;
      const metadata = (await res.json()) as { jwks_uri?: unknown };
      if (typeof metadata.jwks_uri === 'string') return metadata.jwks_uri;
    } catch {
      // try the next well-known location
    }
  }
  throw new Error(`no jwks_uri found in the metadata of ${oauth.issuer}; set PROXYCART_OAUTH_JWKS_URL`);
}

export function hasScope(identity: Identity | undefined, scope: string): boolean {
  if (!identity) return true; // no authentication configured: loopback, one trusted user
  if (scope === READ_SCOPE) return identity.scopes.includes(READ_SCOPE) || identity.scopes.includes(SPEND_SCOPE);
  return identity.scopes.includes(scope);
}
