import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ProxycartError } from '../../src/errors.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { redact } from '../../src/redact.js';

function configError(env: Record<string, string>): ProxycartError {
  try {
    loadConfig(env, PROVIDERS);
  } catch (error) {
    if (error instanceof ProxycartError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('runs every provider in sandbox mode when no key is set, with the documented defaults', () => {
    const config = loadConfig({ HOME: '/home/x' }, PROVIDERS);
    expect(config.sandbox).toBe(true);
    expect(config.vendors.map((v) => v.id)).toEqual(['proxyjam', 'proxyscrape', 'proxyseller', 'novaproxy']);
    expect(config).toMatchObject({ confirm: 'auto', maxOrderUsd: 50, dailyBudgetUsd: 200, allowUnpriced: false, readOnly: false, timeoutMs: 15_000 });
    expect(config.store).toEqual({ kind: 'sqlite', file: expect.stringMatching(/\.proxycart\/state\.sqlite$/) });
  });

  it('with some keys set, enables only those providers, with their default base URLs', () => {
    const config = loadConfig({ PROXYJAM_API_KEY: 'pj_live_abcdefgh12345' }, PROVIDERS);
    expect(config.sandbox).toBe(false);
    expect(config.vendors).toEqual([{ id: 'proxyjam', apiKey: 'pj_live_abcdefgh12345', baseUrl: 'https://api.proxyjam.com/public/v1' }]);
    expect(redact('key pj_live_abcdefgh12345 here')).toBe('key [redacted] here');
  });

  it('requires NOVAPROXY_BASE_URL and says where to find it', () => {
    const error = configError({ NOVAPROXY_API_KEY: 'nova_key_123456789' });
    expect(error.kind).toBe('configuration');
    expect(error.message).toContain('NOVAPROXY_BASE_URL');
  });

  it('names the variable of a bad value', () => {
    expect(configError({ PROXYCART_MAX_ORDER_USD: 'lots' }).message).toContain('PROXYCART_MAX_ORDER_USD');
    expect(configError({ PROXYCART_CONFIRM: 'maybe' }).message).toContain('PROXYCART_CONFIRM');
    expect(configError({ PROXYCART_STORE: 'postgres://db' }).message).toContain('PROXYCART_STORE');
    expect(configError({ PROXYCART_PROVIDERS: 'proxyjam,acme' }).message).toContain('acme');
    expect(configError({ PROXYJAM_API_KEY: 'pj_abcdefghij', PROXYCART_PROVIDERS: 'proxyscrape' }).message).toContain('PROXYSCRAPE_API_KEY');
  });

  it('filters providers with PROXYCART_PROVIDERS and honours the switches', () => {
    const config = loadConfig(
      { PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: 'proxyscrape, proxyjam', PROXYCART_READ_ONLY: '1', PROXYCART_TIMEOUT_S: '2.5', PROXYCART_STORE: 'memory' },
      PROVIDERS,
    );
    expect(config.vendors.map((v) => v.id)).toEqual(['proxyjam', 'proxyscrape']);
    expect(config.readOnly).toBe(true);
    expect(config.timeoutMs).toBe(2500);
    expect(config.store).toEqual({ kind: 'memory' });
  });
});
