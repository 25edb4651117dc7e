import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FIXTURE, ID, tool } from '../example.js';
import { CLI, sandboxEnv, startVendors, tempDir } from './harness.js';
import { connectHttp, type HttpNodeProcess, startNode } from './http-harness.js';

// Authentication, scopes and DNS-rebinding defences of `serve --http`, with a tokens file
// written by `proxycart token add` and a test OAuth issuer (keys made here, JWKS on loopback).

const run = promisify(execFile);
const AUDIENCE = 'https://proxycart.test/mcp';

let sandbox: Sandbox;
let node: HttpNodeProcess;
let issuerServer: Server;
let issuer: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let tokensFile: string;
const tokens: Record<string, string> = {};

async function jwt(claims: Record<string, unknown>, options: { key?: CryptoKey; audience?: string; expires?: string | number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(issuer)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('oauth-user')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(options.key ?? signingKey);
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const listTools = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

beforeAll(async () => {
  sandbox = await startVendors([ID]);
  sandbox.vendors[ID]!.simulator.state.rateLimitPerMinute = 0;
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    } else if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(issuerServer.address() as { port: number }).port}`;

  tokensFile = join(tempDir('tokens'), 'clients.txt');
  for (const [name, scopes] of [
    ['reader', 'proxycart:read'],
    ['spender', 'proxycart:read,proxycart:spend'],
  ] as const) {
    const { stdout } = await run(process.execPath, [CLI, 'token', 'add', name, '--scopes', scopes, '--file', tokensFile]);
    tokens[name] = stdout.trim();
  }
  node = await startNode(
    sandboxEnv(sandbox, {
      PROXYCART_STORE: 'memory',
      PROXYCART_HTTP_TOKENS_FILE: tokensFile,
      PROXYCART_OAUTH_ISSUER: issuer,
      PROXYCART_OAUTH_AUDIENCE: AUDIENCE,
      PROXYCART_HTTP_ALLOWED_ORIGINS: 'https://assistant.example',
    }),
  );
});

afterAll(async () => {
  node?.kill('SIGTERM');
  await node?.exited;
  await new Promise((resolve) => issuerServer?.close(resolve));
  await sandbox?.close();
});

describe('tokens file', () => {
  it('stores only the SHA-256 of each token, which is printed once', () => {
    const text = readFileSync(tokensFile, 'utf8');
    expect(tokens.reader).toMatch(/^pct_[A-Za-z0-9_-]{43}$/);
    expect(text).not.toContain(tokens.reader);
    expect(text).not.toContain(tokens.spender);
    expect(text).toMatch(/^reader proxycart:read sha256:[0-9a-f]{64}$/m);
    expect(text).toMatch(/^spender proxycart:read,proxycart:spend sha256:[0-9a-f]{64}$/m);
  });

  it('token add mistakes are told as command-line mistakes, naming every scope (issue 20, item 13)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['token', 'add', 'x', '--file', tokensFile],
        /^proxycart: token add needs --scopes, a comma list of proxycart:read, proxycart:spend, proxycart:admin\.\n$/,
      ],
      [
        ['token', 'add', 'x', '--scopes', 'proxycart:everything', '--file', tokensFile],
        /^proxycart: --scopes takes a comma list of .*proxycart:admin; unknown: proxycart:everything\.\n$/,
      ],
      [
        ['token', 'add', 'reader', '--scopes', 'proxycart:read', '--file', tokensFile],
        /already has a client named reader; remove its line first to replace it\.\n$/,
      ],
      [['token', 'list'], /^proxycart: Usage: proxycart token add NAME --scopes proxycart:read\[,proxycart:spend\]\[,proxycart:admin\]/],
    ];
    for (const [args, message] of cases) {
      const failed = await run(process.execPath, [CLI, ...args]).catch((error: { code: number; stderr: string }) => error);
      expect(failed, args.join(' ')).toMatchObject({ code: 2 });
      expect((failed as { stderr: string }).stderr, args.join(' ')).toMatch(message);
      expect((failed as { stderr: string }).stderr).not.toMatch(/configuration|restart/);
    }
  });

  it('token add refuses unknown scopes and duplicate names', async () => {
    await expect(run(process.execPath, [CLI, 'token', 'add', 'x', '--scopes', 'proxycart:everything', '--file', tokensFile])).rejects.toMatchObject({
      code: 2,
    });
    await expect(run(process.execPath, [CLI, 'token', 'add', 'reader', '--scopes', 'proxycart:read', '--file', tokensFile])).rejects.toMatchObject({ code: 2 });
  });
});

describe('tokens file, live', () => {
  it('a client added while the server runs is accepted within seconds, without a restart', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'token', 'add', 'carol', '--scopes', 'proxycart:read', '--file', tokensFile]);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await post(listTools, { authorization: `Bearer ${stdout.trim()}` })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
  });
});

describe('401 and 403', () => {
  it('no token: 401 with a WWW-Authenticate header naming the RFC 9728 metadata, which lists the issuer and scopes', async () => {
    const res = await post({ ...listTools, id: 7 });
    expect(res.status).toBe(401);
    // The refusal answers the request it refuses (issue 20, item 12).
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32001 } });
    const header = res.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(header)?.[1];
    expect(header).toMatch(/^Bearer /);
    expect(metadataUrl).toBe(`${node.origin}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: node.url, authorization_servers: [issuer], scopes_supported: ['proxycart:read', 'proxycart:spend'] });
  });

  it('a wrong token: 401 invalid_token', async () => {
    const res = await post({ ...listTools, id: 'req-8' }, { authorization: `Bearer pct_${'x'.repeat(43)}` });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { id: unknown }).id).toBe('req-8');
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('read scope: no place_order tools, and a forced place_order call is 403 insufficient_scope', async () => {
    const reader = await connectHttp([node.url], tokens.reader);
    const names = (await reader.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain(tool('wallet_balance'));
    expect(names.some((n) => n.endsWith('_place_order'))).toBe(false);
    expect((await reader.ok(tool('wallet_balance'))).balance).toEqual(expect.any(Number));
    await reader.close();
    const res = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool('place_order'), arguments: FIXTURE.order } },
      { authorization: `Bearer ${tokens.reader}` },
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { id: unknown }).id).toBe(2);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", scope="proxycart:spend"/);
    expect(sandbox.vendors[ID]!.simulator.moneyRequests()).toHaveLength(0);
  });

  it('spend scope: place_order is listed and quotes', async () => {
    const spender = await connectHttp([node.url], tokens.spender);
    const names = (await spender.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain(tool('place_order'));
    const quoted = await spender.ok(tool('place_order'), FIXTURE.order);
    expect(quoted.status).toMatch(/confirmation_required|approval_required/);
    await spender.close();
  });
});

describe('OAuth 2.1 resource server', () => {
  it('accepts a JWT from the issuer, with its scopes', async () => {
    const session = await connectHttp([node.url], await jwt({ scope: 'proxycart:read' }));
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain(tool('list_offers'));
    expect(names.some((n) => n.endsWith('_place_order'))).toBe(false);
    await session.close();
    const spender = await connectHttp([node.url], await jwt({ scope: 'proxycart:read proxycart:spend' }));
    expect((await spender.client.listTools()).tools.map((t) => t.name)).toContain(tool('place_order'));
    await spender.close();
  });

  it.each([
    ['a wrong audience', () => jwt({ scope: 'proxycart:read' }, { audience: 'https://other.example/mcp' })],
    ['an expired token (beyond the clock skew)', () => jwt({ scope: 'proxycart:read' }, { expires: Math.floor(Date.now() / 1000) - 600 })],
    ['a bad signature', () => jwt({ scope: 'proxycart:read' }, { key: otherKey })],
  ])('refuses %s with 401', async (_, make) => {
    const res = await post(listTools, { authorization: `Bearer ${await make()}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a JWT without any proxycart scope: 403', async () => {
    const res = await post(listTools, { authorization: `Bearer ${await jwt({ scope: 'email' })}` });
    expect(res.status).toBe(403);
  });
});

describe('Host, Origin, body size', () => {
  const auth = () => ({ authorization: `Bearer ${tokens.spender}` });

  it('a foreign Host (DNS rebinding) is 403, even with a valid token', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        node.url,
        { method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth() } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(listTools));
    });
    expect(status).toBe(403);
  });

  it('a foreign Origin is 403; the server’s own and configured origins pass', async () => {
    expect((await post(listTools, { origin: 'http://evil.example', ...auth() })).status).toBe(403);
    expect((await post(listTools, { origin: 'null', ...auth() })).status).toBe(403);
    expect((await post(listTools, { origin: node.origin, ...auth() })).status).toBe(200);
    expect((await post(listTools, { origin: 'https://assistant.example', ...auth() })).status).toBe(200);
  });

  it('a body over the limit is 413 and never parsed', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { pad: 'x'.repeat(300 * 1024) } });
    expect((await post(huge, auth())).status).toBe(413);
  });

  it('/healthz and /readyz answer without a token', async () => {
    expect((await fetch(`${node.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${node.origin}/readyz`)).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses to bind beyond loopback without authentication (exit 2)', async () => {
    const failed = await run(process.execPath, [CLI, 'serve', '--http', '--host', '0.0.0.0', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', HOME: tempDir('bind'), PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/Refusing to serve on 0\.0\.0\.0 without authentication/);
  });

  it('refuses to bind beyond loopback without an approval PIN: the page would be open to others (exit 2)', async () => {
    const home = tempDir('bind-pin');
    const file = join(home, 'clients.txt');
    await run(process.execPath, [CLI, 'token', 'add', 'alice', '--scopes', 'proxycart:read,proxycart:spend', '--file', file]);
    const failed = await run(process.execPath, [CLI, 'serve', '--http', '--host', '0.0.0.0', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory', PROXYCART_HTTP_TOKENS_FILE: file },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/Serving on 0\.0\.0\.0 needs PROXYCART_APPROVAL_PIN or PROXYCART_APPROVAL_PASSKEY=required/);
  });

  it('binds beyond loopback with PROXYCART_APPROVAL_PASSKEY=required instead of a PIN: only a passkey approves there', async () => {
    const home = tempDir('bind-passkey');
    const file = join(home, 'clients.txt');
    await run(process.execPath, [CLI, 'token', 'add', 'alice', '--scopes', 'proxycart:read,proxycart:spend', '--file', file]);
    const started = await startNode(
      {
        HOME: home,
        PROXYCART_HOME: home,
        PROXYCART_SANDBOX: '1',
        PROXYCART_STORE: 'memory',
        PROXYCART_HTTP_TOKENS_FILE: file,
        PROXYCART_APPROVAL_PASSKEY: 'required',
      },
      ['--host', '0.0.0.0'],
    );
    try {
      expect((await fetch(`${started.origin}/healthz`)).status).toBe(200);
    } finally {
      started.kill('SIGTERM');
      await started.exited;
    }
  });
});
