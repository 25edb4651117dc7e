import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import * as z from 'zod';
import { ProxycartError } from './errors.js';
import type { ProviderId, ProviderSpec } from './providers/types.js';
import { registerSecret } from './redact.js';
import { isSharedStore, parseStoreUrl, type StoreUrl } from './store-url.js';

export type ConfirmMode = 'auto' | 'elicit' | 'page' | 'token';

/** PROXYCART_APPROVAL_PASSKEY: `auto` asks for a passkey once one is enrolled. */
export type PasskeyMode = 'auto' | 'required' | 'off';

export interface VendorConfig {
  id: ProviderId;
  /** Undefined in sandbox mode: the simulator's own key is used. */
  apiKey?: string;
  /** Undefined in sandbox mode when no *_BASE_URL is set: the in-process simulator is used. */
  baseUrl?: string;
}

/**
 * A setting that cannot be used. The server still starts, so the client can show the
 * person what to fix: a vendor problem blocks that vendor's tools, a shared one every call.
 */
export interface ConfigProblem {
  scope: 'shared' | ProviderId;
  /** The environment variable to fix. */
  variable: string;
  /** What is wrong and how to fix it, naming the variable; never the value of a secret. */
  message: string;
}

export interface Config {
  sandbox: boolean;
  vendors: VendorConfig[];
  /** Absolute path of the data folder. */
  home: string;
  /** The PROXYCART_HOME value as given, when it was relative and had to be resolved. */
  homeGiven?: string;
  store: StoreUrl;
  confirm: ConfirmMode;
  approval: ApprovalSettings;
  maxOrderUsd: number;
  dailyBudgetUsd: number;
  identityBudgetUsd?: number;
  allowUnpriced: boolean;
  /** PROXYCART_ALLOW_RECURRING: calls that arm future charges (auto-renew, subscriptions) may be approved. */
  allowRecurring: boolean;
  readOnly: boolean;
  timeoutMs: number;
  /** Why a provider is off, for the start-up banner (only providers without tools). */
  off: Partial<Record<ProviderId, string>>;
  problems: ConfigProblem[];
  /** How long catalogs and reference data are reused, in ms (0: only concurrent reads share one fetch). */
  catalogTtlMs: number;
  /** Where proxycart_check_proxy sends its request in live mode (PROXYCART_CHECK_URL). */
  checkUrl?: string;
}

export interface ApprovalSettings {
  /** PROXYCART_APPROVAL_PIN: a secret the page asks for before an approve. */
  pin?: string;
  /** PROXYCART_APPROVAL_PORT; undefined: an ephemeral port. */
  port?: number;
  /** PROXYCART_OPEN_BROWSER: open the page in the person's browser (desktop sessions only). */
  openBrowser: boolean;
  /** PROXYCART_APPROVAL_PASSKEY: whether Approve on the page needs a passkey. */
  passkey: PasskeyMode;
}

const flag = z.enum(['1', '0', 'true', 'false', '']).transform((v) => v === '1' || v === 'true');
const usd = z.coerce.number().finite().min(0);

// One schema per setting, keyed by the environment variable that carries it, so an
// error always names the variable a person has to fix. `--help` and the README table are
// generated from these descriptions, so the list cannot drift from what is read.
export const SETTINGS = {
  PROXYCART_PROVIDERS: z.string().optional().describe('comma list: only these providers get tools (default: all with a key)'),
  PROXYCART_SANDBOX: flag.optional().describe('1: every provider talks to its simulator (default: on when no vendor key is set)'),
  PROXYCART_HOME: z.string().min(1).optional().describe('data folder (default: ~/.proxycart)'),
  PROXYCART_STORE: z.string().min(1).optional().describe('sqlite://<file> | redis://... | postgres://... | memory (default: sqlite in PROXYCART_HOME)'),
  PROXYCART_CONFIRM: z
    .enum(['auto', 'elicit', 'page', 'token'])
    .default('auto')
    .describe('auto | elicit | page | token: how a person approves an order (default: auto)'),
  PROXYCART_APPROVAL_PIN: z.string().min(4, 'use at least 4 characters').max(64).optional().describe('PIN the approval page asks for (a secret)'),
  PROXYCART_APPROVAL_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('port of the local approval page (default: a free one, kept per data folder)'),
  PROXYCART_OPEN_BROWSER: z.enum(['auto', 'never']).default('auto').describe('auto | never: open the approval page in the browser (default: auto)'),
  PROXYCART_APPROVAL_PASSKEY: z
    .enum(['auto', 'required', 'off'])
    .default('auto')
    .describe('auto | required | off: Approve on the page needs a passkey (auto: once one is enrolled; default: auto)'),
  PROXYCART_MAX_ORDER_USD: usd.default(50).describe('per-order cap in USD (default: 50)'),
  PROXYCART_DAILY_BUDGET_USD: usd.default(200).describe('24-hour cap in USD, all providers (default: 200)'),
  PROXYCART_IDENTITY_BUDGET_USD: usd.optional().describe('HTTP mode: 24-hour cap in USD of each authenticated client (default: none)'),
  PROXYCART_ALLOW_UNPRICED: flag.default(false).describe('1: allow orders whose price is known only after charging'),
  PROXYCART_ALLOW_RECURRING: flag
    .default(false)
    .describe('1: allow orders and calls that arm future charges (auto-renew, subscriptions); each still needs approval'),
  PROXYCART_READ_ONLY: flag.default(false).describe('1: no place_order tools'),
  PROXYCART_TIMEOUT_S: z.coerce.number().finite().positive().max(600).default(15).describe('time limit of one vendor read in seconds (default: 15)'),
  PROXYCART_CATALOG_TTL_S: z.coerce.number().finite().min(0).max(86_400).default(60).describe('seconds catalogs and reference data are reused (default: 60)'),
  PROXYCART_CHECK_URL: z.string().url().optional().describe('target of proxycart_check_proxy in live mode (default: a public IP echo)'),
  PROXYCART_LOG_LEVEL: z.enum(['debug', 'info', 'warning', 'error']).default('info').describe('debug | info | warning | error: stderr detail (default: info)'),
};

type Settings = { [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]> };

/** Every environment variable proxycart reads, with one line each: for --help and the manifests. */
export function environmentVariables(providers: readonly ProviderSpec[]): Array<{ name: string; description: string; secret: boolean }> {
  const vendor = providers.flatMap((p) => [
    { name: p.keyEnv, description: `${p.title} API key (a secret)`, secret: true },
    {
      name: p.baseUrlEnv,
      description: p.defaultBaseUrl ? `${p.title} API base URL (default: ${p.defaultBaseUrl})` : `${p.title} API base URL (required with a key)`,
      secret: false,
    },
  ]);
  const shared = Object.entries(SETTINGS).map(([name, schema]) => ({
    name,
    description: schema.description ?? '',
    secret: name === 'PROXYCART_APPROVAL_PIN',
  }));
  return [...vendor, ...shared];
}

function read(env: NodeJS.ProcessEnv, problems: ConfigProblem[]): Settings {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SETTINGS)) {
    const raw = env[name]?.trim();
    const value = raw === '' && name !== 'PROXYCART_SANDBOX' ? undefined : raw;
    let parsed = (schema as z.ZodType).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // The PIN is a secret: its value is never repeated.
      const shown = name === 'PROXYCART_APPROVAL_PIN' ? '' : `=${JSON.stringify(raw?.slice(0, 60))}`;
      problems.push({
        scope: 'shared',
        variable: name,
        message: `${name}${shown} is not valid (${issue?.message ?? 'bad value'}): expected ${schema.description}.`,
      });
      parsed = (schema as z.ZodType).safeParse(undefined);
    }
    out[name] = parsed.success ? parsed.data : undefined;
  }
  return out as Settings;
}

function checkUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

export interface ConfigOptions {
  /** `--sandbox` on the command line. */
  forceSandbox?: boolean;
  /** Where a relative PROXYCART_HOME is resolved (default: the working directory). */
  cwd?: string;
}

/**
 * Reads the settings. Never throws: a value it cannot use becomes a ConfigProblem and the
 * setting keeps its default, so the server can still start and tell the client why.
 */
export function loadConfig(env: NodeJS.ProcessEnv, providers: readonly ProviderSpec[], options: ConfigOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const s = read(env, problems);
  // Only the approval page reads the PIN; redacting it elsewhere too guards against slips
  // (redact() leaves values under 6 characters alone: they would match ordinary text).
  registerSecret(s.PROXYCART_APPROVAL_PIN);
  const keyed = providers.filter((p) => env[p.keyEnv]?.trim());
  const sandbox = options.forceSandbox === true || s.PROXYCART_SANDBOX === true || keyed.length === 0;
  const off: Config['off'] = {};

  let wanted = providers;
  if (s.PROXYCART_PROVIDERS?.trim()) {
    const names = s.PROXYCART_PROVIDERS.split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean);
    const unknown = names.filter((n) => !providers.some((p) => p.id === n));
    if (unknown.length) {
      problems.push({
        scope: 'shared',
        variable: 'PROXYCART_PROVIDERS',
        message: `PROXYCART_PROVIDERS names unknown providers: ${unknown.join(', ').slice(0, 200)} (known: ${providers.map((p) => p.id).join(', ')}).`,
      });
    }
    wanted = providers.filter((p) => names.includes(p.id));
    for (const p of providers) if (!names.includes(p.id)) off[p.id] = 'not in PROXYCART_PROVIDERS';
  } else if (!sandbox) {
    wanted = keyed;
    for (const p of providers) if (!keyed.includes(p)) off[p.id] = `${p.keyEnv} is not set`;
  }

  const vendors: VendorConfig[] = wanted.map((p) => {
    const raw = env[p.baseUrlEnv]?.trim();
    const base = raw ? checkUrl(raw) : undefined;
    if (raw && !base) problems.push({ scope: p.id, variable: p.baseUrlEnv, message: `${p.baseUrlEnv} must be an http(s) URL.` });
    if (sandbox) return { id: p.id, baseUrl: base };
    const apiKey = env[p.keyEnv]?.trim();
    registerSecret(apiKey);
    if (!apiKey) {
      problems.push({ scope: p.id, variable: p.keyEnv, message: `PROXYCART_PROVIDERS lists ${p.id} but ${p.keyEnv} is not set: ${p.setupHint}` });
      return { id: p.id };
    }
    const baseUrl = raw ? base : p.defaultBaseUrl;
    if (!raw && !baseUrl) problems.push({ scope: p.id, variable: p.baseUrlEnv, message: `${p.baseUrlEnv} is required for ${p.title}: ${p.setupHint}` });
    return { id: p.id, apiKey, baseUrl };
  });

  const given = s.PROXYCART_HOME;
  const home = given ? resolve(options.cwd ?? process.cwd(), given) : join(homedir(), '.proxycart');
  let store: StoreUrl = { kind: 'sqlite', file: join(home, 'state.sqlite') };
  if (s.PROXYCART_STORE) {
    const parsed = parseStoreUrl(s.PROXYCART_STORE);
    if (!parsed) {
      problems.push({ scope: 'shared', variable: 'PROXYCART_STORE', message: 'PROXYCART_STORE must be sqlite://<file>, redis://…, postgres://… or memory.' });
    } else {
      store = parsed;
      if (parsed.kind === 'redis') registerSecret(new URL(parsed.url).password || undefined);
      if (parsed.kind === 'postgres') registerSecret(decodeURIComponent(new URL(parsed.url).password) || undefined);
    }
  }

  if (sandbox && isSharedStore(store)) {
    // Nodes that share a store (Redis, Postgres) share quotes, orders and the ledger; with
    // simulators of their own, an order placed through one node is unknown to the others'.
    for (const vendor of vendors) {
      if (vendor.baseUrl) continue;
      const spec = providers.find((p) => p.id === vendor.id)!;
      problems.push({
        scope: vendor.id,
        variable: spec.baseUrlEnv,
        message: `${spec.baseUrlEnv} is required in sandbox mode with a shared store (PROXYCART_STORE=${store.kind}): nodes sharing a store must share one sandbox. Run \`proxycart sandbox\` once and point every node at it with the *_BASE_URL lines it prints.`,
      });
    }
  }

  return {
    sandbox,
    vendors,
    home,
    ...(given && !isAbsolute(given) ? { homeGiven: given } : {}),
    store,
    confirm: s.PROXYCART_CONFIRM,
    approval: {
      pin: s.PROXYCART_APPROVAL_PIN,
      port: s.PROXYCART_APPROVAL_PORT,
      openBrowser: s.PROXYCART_OPEN_BROWSER === 'auto',
      passkey: s.PROXYCART_APPROVAL_PASSKEY,
    },
    maxOrderUsd: s.PROXYCART_MAX_ORDER_USD,
    dailyBudgetUsd: s.PROXYCART_DAILY_BUDGET_USD,
    identityBudgetUsd: s.PROXYCART_IDENTITY_BUDGET_USD,
    allowUnpriced: s.PROXYCART_ALLOW_UNPRICED,
    allowRecurring: s.PROXYCART_ALLOW_RECURRING,
    readOnly: s.PROXYCART_READ_ONLY,
    timeoutMs: Math.round(s.PROXYCART_TIMEOUT_S * 1000),
    off,
    problems,
    catalogTtlMs: Math.round(s.PROXYCART_CATALOG_TTL_S * 1000),
    checkUrl: s.PROXYCART_CHECK_URL,
  };
}

/** The one answer to a call that `problems` stop, whichever tool or vendor it reached them through. */
export function configurationError(problems: readonly ConfigProblem[]): ProxycartError {
  return new ProxycartError('configuration', problems.map((p) => p.message).join(' '), {
    advice: "Set it in this server's env in the MCP client configuration, then restart the server.",
  });
}

/** The problems that stop a call to a tool of this provider (undefined: a cross-vendor tool). */
export function problemsFor(config: Config, provider: ProviderId | undefined): ConfigProblem[] {
  return config.problems.filter((p) => p.scope === 'shared' || p.scope === provider);
}
