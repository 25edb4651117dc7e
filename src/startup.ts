import { chmodSync, existsSync } from 'node:fs';
import type { Config } from './config.js';
import { asProxycartError } from './errors.js';
import { log } from './log.js';
import type { ProviderSpec } from './providers/types.js';
import { loadSqliteDriver, SQLITE_DRIVER_FIXES } from './sqlite-driver.js';
import { checkStoreAtStart } from './store-url.js';

// What both serving modes (stdio and `serve --http`) do and say at start: keep data at rest
// private, and tell the person where data goes, the caps in force and who is on or off.

/** The data folder is created 0700 and the SQLite files 0600, including files an older version left readable. */
export function keepDataPrivate(config: Config): void {
  process.umask(0o077);
  if (config.store.kind !== 'sqlite') return;
  for (const file of [config.store.file, `${config.store.file}-wal`, `${config.store.file}-shm`, `${config.store.file}-journal`]) {
    try {
      if (existsSync(file)) chmodSync(file, 0o600);
    } catch {
      // Another user's file: not ours to change; the store reports it if it cannot be used.
    }
  }
}

/** The start-up lines on stderr, then each problem; `serving` says how (e.g. "serving over stdio"). */
export function reportStartup(config: Config, providers: readonly ProviderSpec[], serving: string): void {
  for (const line of startupLines(config, providers, serving)) log('info', line);
  for (const problem of config.problems) log('error', `configuration: ${problem.message}`);
  if (config.confirm === 'token' && !invalid(config, 'PROXYCART_CONFIRM')) {
    log(
      'warning',
      'PROXYCART_CONFIRM=token: the model confirms orders on its own, within the caps. Use it only for unattended agents a person has delegated to.',
    );
  }
  const storeProblem = checkStoreAtStart(config.store);
  if (storeProblem) log('error', `${storeProblem} Orders will fail with a storage error until this is fixed.`);
  if (config.store.kind === 'sqlite' && !invalid(config, 'PROXYCART_STORE')) {
    // Loading the native driver costs ~10 ms: a moment after start-up, once a client that
    // starts us has had its tools/list, so cold start does not pay for it.
    setTimeout(() => {
      try {
        loadSqliteDriver();
      } catch (error) {
        log('error', `${asProxycartError(error).message} ${SQLITE_DRIVER_FIXES} Orders will fail with a storage error until this is fixed.`);
      }
    }, 300).unref();
  }
}

function invalid(config: Config, variable: string): boolean {
  return config.problems.some((p) => p.variable === variable);
}

/** What a person starting the server needs to know. A setting that is not valid is named, never shown as the default it fell back to. */
export function startupLines(config: Config, providers: readonly ProviderSpec[], serving: string): string[] {
  const on = config.vendors.map((v) => {
    const spec = providers.find((p) => p.id === v.id)!;
    const broken = config.problems.some((p) => p.scope === v.id);
    return `${v.id} ${broken ? 'blocked (configuration problem below)' : config.sandbox ? 'on (sandbox simulator)' : `on (${spec.keyEnv})`}`;
  });
  const off = Object.entries(config.off).map(([id, why]) => `${id} off (${why})`);
  const or = (variable: string, value: string) => (invalid(config, variable) ? `[${variable} is not valid]` : value);
  const store = or('PROXYCART_STORE', config.store.kind === 'sqlite' ? `sqlite ${config.store.file}` : config.store.kind);
  const flags = [
    invalid(config, 'PROXYCART_READ_ONLY') ? 'read-only [PROXYCART_READ_ONLY is not valid]' : config.readOnly && 'read-only',
    invalid(config, 'PROXYCART_ALLOW_UNPRICED') ? 'unpriced orders [PROXYCART_ALLOW_UNPRICED is not valid]' : config.allowUnpriced && 'unpriced orders allowed',
    invalid(config, 'PROXYCART_ALLOW_RECURRING')
      ? 'recurring charges [PROXYCART_ALLOW_RECURRING is not valid]'
      : config.allowRecurring && 'recurring charges allowed (each still approved)',
  ].filter(Boolean);
  const shared = config.problems.some((p) => p.scope === 'shared');
  return [
    `${serving}${config.sandbox ? ', sandbox vendors' : ''}: ${[...on, ...off].join('; ') || 'no providers'}`,
    `data folder ${config.home}${config.homeGiven ? ` (PROXYCART_HOME=${config.homeGiven} resolved against ${process.cwd()})` : ''}; store ${store}`,
    `caps: ${or('PROXYCART_MAX_ORDER_USD', `$${config.maxOrderUsd}`)} per order, ${or('PROXYCART_DAILY_BUDGET_USD', `$${config.dailyBudgetUsd}`)} per 24 h; confirm ${or('PROXYCART_CONFIRM', config.confirm)}${flags.map((f) => `; ${f}`).join('')}${shared ? '; every call is refused until the problem below is fixed' : ''}`,
  ];
}
