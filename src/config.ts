import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ProxycartError } from './errors.js';
import type { ProviderId, ProviderSpec } from './providers/types.js';
import { registerSecret } from './redact.js';
import { parseStoreUrl, type StoreUrl } from './store.js';

export type ConfirmMode = 'auto' | 'elicit' | 'token';

export interface VendorConfig {
  id: ProviderId;
  /** Undefined in sandbox mode: the simulator's own key is used. */
  apiKey?: string;
  /** Undefined in sandbox mode when no *_BASE_URL is set: the in-process simulator is used. */
  baseUrl?: string;
}

export interface Config {
  sandbox: boolean;
  vendors: VendorConfig[];
  home: string;
  store: StoreUrl;
  confirm: ConfirmMode;
  maxOrderUsd: number;
  dailyBudgetUsd: number;
  allowUnpriced: boolean;
  readOnly: boolean;
  timeoutMs: number;
  /** How long catalogs and reference data are reused, in ms (0: only concurrent reads share one fetch). */
  catalogTtlMs: number;
  /** Where proxycart_check_proxy sends its request in live mode (PROXYCART_CHECK_URL). */
  checkUrl?: string;
}

const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .transform((v) => v === '1' || v === 'true');
const usd = z.coerce.number().finite().min(0);

// One schema per setting, keyed by the environment variable that carries it, so an
// error always names the variable a person has to fix.
const SETTINGS = {
  PROXYCART_SANDBOX: flag.optional(),
  PROXYCART_CONFIRM: z.enum(['auto', 'elicit', 'token']).default('auto'),
  PROXYCART_MAX_ORDER_USD: usd.default(50),
  PROXYCART_DAILY_BUDGET_USD: usd.default(200),
  PROXYCART_ALLOW_UNPRICED: flag.default(false),
  PROXYCART_READ_ONLY: flag.default(false),
  PROXYCART_TIMEOUT_S: z.coerce.number().finite().positive().max(600).default(15),
  PROXYCART_CHECK_URL: z.string().min(1).optional(),
  PROXYCART_CATALOG_TTL_S: z.coerce.number().finite().min(0).max(86_400).default(60),
  PROXYCART_HOME: z.string().min(1).optional(),
  PROXYCART_STORE: z.string().min(1).optional(),
  PROXYCART_PROVIDERS: z.string().optional(),
};

type Settings = { [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]> };

function read(env: NodeJS.ProcessEnv): Settings {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SETTINGS)) {
    const raw = env[name]?.trim();
    const parsed = (schema as z.ZodType).safeParse(raw === '' && name !== 'PROXYCART_SANDBOX' ? undefined : raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProxycartError('configuration', `${name}=${JSON.stringify(raw)} is not valid: ${issue?.message ?? 'bad value'}.`);
    }
    out[name] = parsed.data;
  }
  return out as Settings;
}

function validUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return value.replace(/\/+$/, '');
  } catch {
    throw new ProxycartError('configuration', `${name} must be an http(s) URL.`);
  }
}

export interface ConfigOptions {
  /** `--sandbox` on the command line. */
  forceSandbox?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv, providers: readonly ProviderSpec[], options: ConfigOptions = {}): Config {
  const s = read(env);
  const keyed = providers.filter((p) => env[p.keyEnv]?.trim());
  const sandbox = options.forceSandbox === true || s.PROXYCART_SANDBOX === true || keyed.length === 0;

  let wanted = providers;
  if (s.PROXYCART_PROVIDERS?.trim()) {
    const names = s.PROXYCART_PROVIDERS.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
    const unknown = names.filter((n) => !providers.some((p) => p.id === n));
    if (unknown.length) {
      throw new ProxycartError('configuration', `PROXYCART_PROVIDERS names unknown providers: ${unknown.join(', ')} (known: ${providers.map((p) => p.id).join(', ')}).`);
    }
    wanted = providers.filter((p) => names.includes(p.id));
    if (!sandbox) {
      const keyless = wanted.filter((p) => !env[p.keyEnv]?.trim());
      if (keyless.length) {
        throw new ProxycartError('configuration', `PROXYCART_PROVIDERS lists ${keyless.map((p) => p.id).join(', ')} but ${keyless.map((p) => p.keyEnv).join(', ')} is not set.`);
      }
    }
  } else if (!sandbox) {
    wanted = keyed;
  }

  const vendors: VendorConfig[] = wanted.map((p) => {
    const base = env[p.baseUrlEnv]?.trim();
    if (sandbox) return { id: p.id, baseUrl: base ? validUrl(p.baseUrlEnv, base) : undefined };
    const apiKey = env[p.keyEnv]!.trim();
    registerSecret(apiKey);
    const baseUrl = base ? validUrl(p.baseUrlEnv, base) : p.defaultBaseUrl;
    if (!baseUrl) {
      throw new ProxycartError('configuration', `${p.baseUrlEnv} is required for ${p.title}: ${p.setupHint}`);
    }
    return { id: p.id, apiKey, baseUrl };
  });

  const home = s.PROXYCART_HOME ?? join(homedir(), '.proxycart');
  let store: StoreUrl = { kind: 'sqlite', file: join(home, 'state.sqlite') };
  if (s.PROXYCART_STORE) {
    const parsed = parseStoreUrl(s.PROXYCART_STORE);
    if (!parsed) throw new ProxycartError('configuration', 'PROXYCART_STORE must be sqlite://<file>, redis://… or memory.');
    store = parsed;
    if (parsed.kind === 'redis') registerSecret(new URL(parsed.url).password || undefined);
  }

  return {
    sandbox,
    vendors,
    home,
    store,
    confirm: s.PROXYCART_CONFIRM,
    maxOrderUsd: s.PROXYCART_MAX_ORDER_USD,
    dailyBudgetUsd: s.PROXYCART_DAILY_BUDGET_USD,
    allowUnpriced: s.PROXYCART_ALLOW_UNPRICED,
    readOnly: s.PROXYCART_READ_ONLY,
    timeoutMs: Math.round(s.PROXYCART_TIMEOUT_S * 1000),
    catalogTtlMs: Math.round(s.PROXYCART_CATALOG_TTL_S * 1000),
    checkUrl: s.PROXYCART_CHECK_URL ? validUrl('PROXYCART_CHECK_URL', s.PROXYCART_CHECK_URL) : undefined,
  };
}
