import { describe, expect, it } from 'vitest';
import { environmentVariables, loadConfig, problemsFor, SETTINGS } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { redact } from '../../src/redact.js';

function problems(env: Record<string, string>) {
  return loadConfig(env, PROVIDERS).problems;
}

describe('loadConfig', () => {
  it('runs every provider in sandbox mode when no key is set, with the documented defaults', () => {
    const config = loadConfig({ HOME: '/home/x' }, PROVIDERS);
    expect(config.sandbox).toBe(true);
    expect(config.vendors.map((v) => v.id)).toEqual(['proxyjam', 'proxyscrape', 'proxyseller', 'novaproxy']);
    expect(config).toMatchObject({ confirm: 'auto', maxOrderUsd: 50, dailyBudgetUsd: 200, allowUnpriced: false, readOnly: false, timeoutMs: 15_000, problems: [] });
    expect(config.store).toEqual({ kind: 'sqlite', file: expect.stringMatching(/\.proxycart\/state\.sqlite$/) });
  });

  it('with some keys set, enables only those providers, with their default base URLs, and says why the others are off', () => {
    const config = loadConfig({ PROXYJAM_API_KEY: 'pj_live_abcdefgh12345' }, PROVIDERS);
    expect(config.sandbox).toBe(false);
    expect(config.vendors).toEqual([{ id: 'proxyjam', apiKey: 'pj_live_abcdefgh12345', baseUrl: 'https://api.proxyjam.com/public/v1' }]);
    expect(config.off.novaproxy).toBe('NOVAPROXY_API_KEY is not set');
    expect(redact('key pj_live_abcdefgh12345 here')).toBe('key [redacted] here');
  });

  it('a NovaProxy key without NOVAPROXY_BASE_URL is a NovaProxy problem only, naming the variable and where to find it', () => {
    const config = loadConfig({ NOVAPROXY_API_KEY: 'nova_key_123456789', PROXYJAM_API_KEY: 'pj_live_abcdefgh12345' }, PROVIDERS);
    expect(config.vendors.map((v) => v.id)).toEqual(['proxyjam', 'novaproxy']);
    expect(config.problems).toEqual([{ scope: 'novaproxy', variable: 'NOVAPROXY_BASE_URL', message: expect.stringContaining('NOVAPROXY_BASE_URL is required') }]);
    expect(problemsFor(config, 'novaproxy')).toHaveLength(1);
    expect(problemsFor(config, 'proxyjam')).toEqual([]);
    expect(config.problems[0]!.message).not.toContain('nova_key_123456789');
  });

  it('a bad shared value is a shared problem naming the variable; the setting keeps its default', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PROXYCART_MAX_ORDER_USD: 'lots' }, 'PROXYCART_MAX_ORDER_USD'],
      [{ PROXYCART_CONFIRM: 'maybe' }, 'PROXYCART_CONFIRM'],
      [{ PROXYCART_STORE: 'postgres://db' }, 'PROXYCART_STORE'],
      [{ PROXYCART_PROVIDERS: 'proxyjam,acme' }, 'PROXYCART_PROVIDERS'],
      [{ PROXYCART_LOG_LEVEL: 'loud' }, 'PROXYCART_LOG_LEVEL'],
    ];
    for (const [env, variable] of cases) {
      const found = problems(env);
      expect(found, variable).toEqual([{ scope: 'shared', variable, message: expect.stringContaining(variable) }]);
      const config = loadConfig(env, PROVIDERS);
      for (const id of ['proxyjam', 'novaproxy'] as const) expect(problemsFor(config, id)).toHaveLength(1);
    }
    expect(loadConfig({ PROXYCART_MAX_ORDER_USD: 'lots' }, PROVIDERS).maxOrderUsd).toBe(50);
    expect(problems({ PROXYCART_PROVIDERS: 'proxyjam,acme' })[0]!.message).toContain('acme');
  });

  it('a provider listed without its key, or with a bad base URL, is that provider\'s problem', () => {
    const config = loadConfig({ PROXYJAM_API_KEY: 'pj_abcdefghij', PROXYCART_PROVIDERS: 'proxyjam,proxyscrape', PROXYJAM_BASE_URL: 'ftp://x' }, PROVIDERS);
    expect(config.problems.map((p) => [p.scope, p.variable])).toEqual([
      ['proxyjam', 'PROXYJAM_BASE_URL'],
      ['proxyscrape', 'PROXYSCRAPE_API_KEY'],
    ]);
  });

  it('never repeats the approval PIN, and redacts it', () => {
    const config = loadConfig({ PROXYCART_APPROVAL_PIN: '73519246' }, PROVIDERS);
    expect(config.problems).toEqual([]);
    expect(redact('pin 73519246')).toBe('pin [redacted]');
  });

  it('resolves a relative PROXYCART_HOME and remembers what was given', () => {
    const config = loadConfig({ PROXYCART_HOME: 'data/pc' }, PROVIDERS, { cwd: '/srv/app' });
    expect(config.home).toBe('/srv/app/data/pc');
    expect(config.homeGiven).toBe('data/pc');
    expect(config.store).toEqual({ kind: 'sqlite', file: '/srv/app/data/pc/state.sqlite' });
    expect(loadConfig({ PROXYCART_HOME: '/abs/pc' }, PROVIDERS).homeGiven).toBeUndefined();
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
    expect(config.off.novaproxy).toBe('not in PROXYCART_PROVIDERS');
  });

  it('lists every variable it reads, each with a description, the keys and PIN marked secret', () => {
    const vars = environmentVariables(PROVIDERS);
    const names = vars.map((v) => v.name);
    for (const name of Object.keys(SETTINGS)) expect(names).toContain(name);
    for (const spec of PROVIDERS) expect(names).toEqual(expect.arrayContaining([spec.keyEnv, spec.baseUrlEnv]));
    for (const v of vars) expect(v.description.length, v.name).toBeGreaterThan(5);
    expect(vars.filter((v) => v.secret).map((v) => v.name).sort()).toEqual([...PROVIDERS.map((p) => p.keyEnv), 'PROXYCART_APPROVAL_PIN'].sort());
  });
});
