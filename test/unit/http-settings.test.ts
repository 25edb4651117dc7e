import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostOriginPolicy } from '../../src/transports/host-origin.js';
import { isLoopback, readHttpSettings } from '../../src/transports/http-settings.js';
import { addToken, hashToken, parseTokensFile } from '../../src/transports/tokens-file.js';
import { tempDir } from '../e2e/harness.js';

describe('HTTP settings', () => {
  it('defaults to loopback:8787 without authentication', () => {
    expect(readHttpSettings({})).toMatchObject({ host: '127.0.0.1', port: 8787, tokensFile: undefined, oauth: undefined });
  });

  it.each(['0.0.0.0', '10.0.0.5', '::', 'proxycart.internal'])('refuses %s without authentication', (host) => {
    expect(() => readHttpSettings({ PROXYCART_HTTP_HOST: host })).toThrow(/Refusing to serve .* without authentication/);
  });

  it('binds beyond loopback with a tokens file or OAuth', () => {
    expect(readHttpSettings({ PROXYCART_HTTP_HOST: '0.0.0.0', PROXYCART_HTTP_TOKENS_FILE: '/x' }).host).toBe('0.0.0.0');
    expect(readHttpSettings({ PROXYCART_OAUTH_ISSUER: 'https://auth.example', PROXYCART_OAUTH_AUDIENCE: 'a' }, { host: '10.1.2.3' }).oauth).toEqual({
      issuer: 'https://auth.example',
      audience: 'a',
      jwksUrl: undefined,
    });
  });

  it('needs issuer and audience together, and http(s) URLs', () => {
    expect(() => readHttpSettings({ PROXYCART_OAUTH_ISSUER: 'https://auth.example' })).toThrow(/go together/);
    expect(() => readHttpSettings({ PROXYCART_PUBLIC_URL: 'ftp://x' })).toThrow(/PROXYCART_PUBLIC_URL/);
    expect(() => readHttpSettings({ PROXYCART_HTTP_PORT: '70000' })).toThrow(/PROXYCART_HTTP_PORT/);
  });

  it('knows loopback names', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com']) expect(isLoopback(host)).toBe(false);
  });
});

describe('Host and Origin policy', () => {
  const policy = hostOriginPolicy(
    readHttpSettings({ PROXYCART_PUBLIC_URL: 'https://proxycart.example.com/', PROXYCART_HTTP_ALLOWED_ORIGINS: 'https://app.example' }),
    8801,
  );

  it('accepts its own loopback names with the port, and the public host', () => {
    for (const host of ['127.0.0.1:8801', 'localhost:8801', '[::1]:8801', 'PROXYCART.example.com']) expect(policy.hostAllowed(host)).toBe(true);
    for (const host of [undefined, 'evil.example', '127.0.0.1:9999', 'localhost', 'proxycart.example.com:8801']) expect(policy.hostAllowed(host)).toBe(false);
  });

  it('accepts no Origin (non-browser clients), its own and configured origins only', () => {
    for (const origin of [undefined, 'http://127.0.0.1:8801', 'https://proxycart.example.com', 'https://app.example'])
      expect(policy.originAllowed(origin)).toBe(true);
    for (const origin of ['null', 'http://evil.example', 'http://127.0.0.1:8802', 'http://proxycart.example.com'])
      expect(policy.originAllowed(origin)).toBe(false);
  });
});

describe('tokens file', () => {
  it('adds clients with hashed tokens and parses them back', () => {
    const file = join(tempDir('tokens-unit'), 'clients.txt');
    const token = addToken(file, 'ci-bot', ['proxycart:read']);
    const clients = parseTokensFile(readFileSync(file, 'utf8'), file);
    expect(clients.get(hashToken(token))).toEqual({ name: 'ci-bot', scopes: ['proxycart:read'] });
    expect(() => addToken(file, 'bad name', ['proxycart:read'])).toThrow(/client name/);
    expect(() => addToken(file, 'x', [])).toThrow(/--scopes/);
  });

  it('names the line of a malformed entry', () => {
    const file = join(tempDir('tokens-bad'), 'clients.txt');
    writeFileSync(file, `# comment\nalice proxycart:read sha256:${'a'.repeat(64)}\nbob proxycart:read plaintext-token\n`);
    expect(() => parseTokensFile(readFileSync(file, 'utf8'), file)).toThrow(/line 3/);
  });
});
