import { describe, expect, it } from 'vitest';
import { environmentVariables, loadConfig, problemsFor, SETTINGS } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/index.js';
import type { ProviderSpec } from '../../src/providers/types.js';
import { redact } from '../../src/redact.js';

function problems(env: Record<string, string>) {
  return loadConfig(env, PROVIDERS).problems;
}

// Every expectation comes from the registry: the providers, their env names and default base URLs.
const ids = (specs: readonly ProviderSpec[]) => specs.map((spec) => spec.id);
const withDefault = PROVIDERS.filter((spec) => spec.defaultBaseUrl !== undefined);
/** A provider that publishes a base URL, and one that must be configured with one. */
const [published, second] = withDefault;
const unpublished = PROVIDERS.find((spec) => spec.defaultBaseUrl === undefined);
/** A key in no vendor's format: configuration takes any non-empty value. */
const KEY = 'test_key_abcdefgh12345';

describe('loadConfig', () => {
  it('in sandbox mode a shared store refuses in-process simulators: each vendor needs a *_BASE_URL of one shared sandbox', () => {
    const shared = problems({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'redis://127.0.0.1:6391' });
    expect(shared.map((p) => [p.scope, p.variable])).toEqual(PROVIDERS.map((spec) => [spec.id, spec.baseUrlEnv]));
    for (const problem of shared) {
      expect(problem.message).toMatch(/is required in sandbox mode with a shared store \(PROXYCART_STORE=redis\)/);
      expect(problem.message).toContain('Run `proxycart sandbox` once and point every node at it');
    }
    // A vendor pointed at a shared simulator is fine; a store of one process needs none.
    const pointed = problems({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'redis://127.0.0.1:6391', [published!.baseUrlEnv]: 'http://127.0.0.1:9100/x' });
    expect(pointed.map((p) => p.scope)).not.toContain(published!.id);
    expect(problems({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' })).toEqual([]);
    expect(problems({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'sqlite:///tmp/x.sqlite' })).toEqual([]);
  });

  it('runs every provider in sandbox mode when no key is set, with the documented defaults', () => {
    const config = loadConfig({ HOME: '/home/x' }, PROVIDERS);
    expect(config.sandbox).toBe(true);
    expect(PROVIDERS.length).toBeGreaterThan(1);
    expect(config.vendors.map((v) => v.id)).toEqual(ids(PROVIDERS));
    expect(config).toMatchObject({
      confirm: 'auto',
      maxOrderUsd: 50,
      dailyBudgetUsd: 200,
      allowUnpriced: false,
      allowRecurring: false,
      readOnly: false,
      timeoutMs: 15_000,
      problems: [],
    });
    expect(config.store).toEqual({ kind: 'sqlite', file: expect.stringMatching(/\.proxycart\/state\.sqlite$/) });
  });

  it('with some keys set, enables only those providers, with their default base URLs, and says why the others are off', () => {
    const config = loadConfig({ [published!.keyEnv]: KEY }, PROVIDERS);
    expect(config.sandbox).toBe(false);
    expect(config.vendors).toEqual([{ id: published!.id, apiKey: KEY, baseUrl: published!.defaultBaseUrl }]);
    expect(published!.defaultBaseUrl).toMatch(/^https:\/\//);
    for (const spec of PROVIDERS.filter((p) => p !== published)) expect(config.off[spec.id]).toBe(`${spec.keyEnv} is not set`);
    expect(redact(`key ${KEY} here`)).toBe('key [redacted] here');
  });

  it("a key without the base URL of a vendor that publishes none is that vendor's problem only, naming the variable and where to find it", () => {
    expect(unpublished, 'a provider without a default base URL').toBeDefined();
    const [needsUrl, other] = [unpublished!, published!];
    const secret = 'other_key_123456789';
    const config = loadConfig({ [needsUrl.keyEnv]: secret, [other.keyEnv]: KEY }, PROVIDERS);
    expect(config.vendors.map((v) => v.id)).toEqual(ids(PROVIDERS.filter((p) => p === needsUrl || p === other)));
    expect(config.problems).toEqual([
      { scope: needsUrl.id, variable: needsUrl.baseUrlEnv, message: expect.stringContaining(`${needsUrl.baseUrlEnv} is required`) },
    ]);
    expect(config.problems[0]!.message).toContain(needsUrl.setupHint);
    expect(problemsFor(config, needsUrl.id)).toHaveLength(1);
    expect(problemsFor(config, other.id)).toEqual([]);
    expect(config.problems[0]!.message).not.toContain(secret);
  });

  it('a bad shared value is a shared problem naming the variable; the setting keeps its default', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PROXYCART_MAX_ORDER_USD: 'lots' }, 'PROXYCART_MAX_ORDER_USD'],
      [{ PROXYCART_CONFIRM: 'maybe' }, 'PROXYCART_CONFIRM'],
      [{ PROXYCART_STORE: 'mysql://db' }, 'PROXYCART_STORE'],
      [{ PROXYCART_PROVIDERS: `${published!.id},acme` }, 'PROXYCART_PROVIDERS'],
      [{ PROXYCART_LOG_LEVEL: 'loud' }, 'PROXYCART_LOG_LEVEL'],
      [{ PROXYCART_APPROVAL_PASSKEY: 'sometimes' }, 'PROXYCART_APPROVAL_PASSKEY'],
    ];
    for (const [env, variable] of cases) {
      const found = problems(env);
      expect(found, variable).toEqual([{ scope: 'shared', variable, message: expect.stringContaining(variable) }]);
      const config = loadConfig(env, PROVIDERS);
      for (const id of ids(PROVIDERS)) expect(problemsFor(config, id)).toHaveLength(1);
    }
    expect(loadConfig({ PROXYCART_MAX_ORDER_USD: 'lots' }, PROVIDERS).maxOrderUsd).toBe(50);
    // A passkey setting that cannot be read falls back to auto, never to off.
    expect(loadConfig({ PROXYCART_APPROVAL_PASSKEY: 'sometimes' }, PROVIDERS).approval.passkey).toBe('auto');
    expect(loadConfig({}, PROVIDERS).approval.passkey).toBe('auto');
    expect(loadConfig({ PROXYCART_APPROVAL_PASSKEY: 'required' }, PROVIDERS).approval.passkey).toBe('required');
    expect(problems({ PROXYCART_PROVIDERS: `${published!.id},acme` })[0]!.message).toContain('acme');
  });

  it("a provider listed without its key, or with a bad base URL, is that provider's problem", () => {
    const [keyed, keyless] = [published!, second!];
    const config = loadConfig({ [keyed.keyEnv]: KEY, PROXYCART_PROVIDERS: `${keyed.id},${keyless.id}`, [keyed.baseUrlEnv]: 'ftp://x' }, PROVIDERS);
    expect(config.problems.map((p) => [p.scope, p.variable])).toEqual([
      [keyed.id, keyed.baseUrlEnv],
      [keyless.id, keyless.keyEnv],
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
    const [first, next, ...rest] = PROVIDERS;
    // Listed out of registry order, with a space: the registry order is kept.
    const config = loadConfig(
      {
        PROXYCART_SANDBOX: '1',
        PROXYCART_PROVIDERS: `${next!.id}, ${first!.id}`,
        PROXYCART_READ_ONLY: '1',
        PROXYCART_TIMEOUT_S: '2.5',
        PROXYCART_STORE: 'memory',
      },
      PROVIDERS,
    );
    expect(config.vendors.map((v) => v.id)).toEqual([first!.id, next!.id]);
    expect(config.readOnly).toBe(true);
    expect(config.timeoutMs).toBe(2500);
    expect(config.store).toEqual({ kind: 'memory' });
    expect(rest.length).toBeGreaterThan(0);
    for (const spec of rest) expect(config.off[spec.id]).toBe('not in PROXYCART_PROVIDERS');
  });

  it('lists every variable it reads, each with a description, the keys and PIN marked secret', () => {
    const vars = environmentVariables(PROVIDERS);
    const names = vars.map((v) => v.name);
    for (const name of Object.keys(SETTINGS)) expect(names).toContain(name);
    for (const spec of PROVIDERS) expect(names).toEqual(expect.arrayContaining([spec.keyEnv, spec.baseUrlEnv]));
    for (const v of vars) expect(v.description.length, v.name).toBeGreaterThan(5);
    expect(
      vars
        .filter((v) => v.secret)
        .map((v) => v.name)
        .sort(),
    ).toEqual([...PROVIDERS.map((p) => p.keyEnv), 'PROXYCART_APPROVAL_PIN'].sort());
  });
});
