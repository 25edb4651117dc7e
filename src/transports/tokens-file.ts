import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { ProxycartError } from '../errors.js';
import { UsageError } from '../usage-error.js';

// PROXYCART_HTTP_TOKENS_FILE: one client per line, `NAME SCOPES sha256:HEX`, where SCOPES
// is a comma list and HEX the SHA-256 of the client's bearer token. Only hashes are
// stored, so the file (and a backup of it) never lets anyone in.

export const SCOPES = ['proxycart:read', 'proxycart:spend', 'proxycart:admin'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const HASH = /^sha256:([0-9a-f]{64})$/;

export interface TokenClient {
  name: string;
  scopes: string[];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function parseTokensFile(text: string, file: string): Map<string, TokenClient> {
  const byHash = new Map<string, TokenClient>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, scopes, hash, ...rest] = line.split(/\s+/);
    const digest = HASH.exec(hash ?? '')?.[1];
    if (!name || !NAME.test(name) || !scopes || !digest || rest.length) {
      throw new ProxycartError('configuration', `${file} line ${index + 1} is not "NAME SCOPES sha256:HEX".`);
    }
    byHash.set(digest, { name, scopes: scopes.split(',').filter(Boolean) });
  }
  return byHash;
}

/** The clients of a tokens file, re-read when the file changes (at most one stat every 2 s). */
export function tokensFileReader(file: string): () => Map<string, TokenClient> {
  let clients = parseTokensFile(readFileSync(file, 'utf8'), file);
  let mtime = statSync(file).mtimeMs;
  let checked = Date.now();
  return () => {
    if (Date.now() - checked < 2_000) return clients;
    checked = Date.now();
    try {
      const now = statSync(file).mtimeMs;
      if (now !== mtime) {
        clients = parseTokensFile(readFileSync(file, 'utf8'), file);
        mtime = now;
      }
    } catch {
      // A half-written or vanished file keeps the last good list rather than locking everyone out.
    }
    return clients;
  };
}

/** Add a client; returns its bearer token, which exists nowhere else afterwards. */
export function addToken(file: string, name: string, scopes: string[]): string {
  if (!NAME.test(name)) throw new UsageError(`A client name is 1-64 letters, digits, ".", "_", "@" or "-", got ${JSON.stringify(name.slice(0, 80))}.`);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (!scopes.length || unknown.length) {
    throw new UsageError(`--scopes takes a comma list of ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}.`);
  }
  if (existsSync(file) && [...parseTokensFile(readFileSync(file, 'utf8'), file).values()].some((c) => c.name === name)) {
    throw new UsageError(`${file} already has a client named ${name}; remove its line first to replace it.`);
  }
  const token = `pct_${randomBytes(32).toString('base64url')}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# proxycart HTTP clients: NAME SCOPES sha256:HEX (written by `proxycart token add`)\n';
  const lead = text.endsWith('\n') || text === '' ? '' : '\n';
  appendFileSync(file, `${existsSync(file) ? lead : text}${name} ${scopes.join(',')} sha256:${hashToken(token)}\n`, { mode: 0o600 });
  return token;
}
