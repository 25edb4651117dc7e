import { loadConfig } from '../config.js';
import { asProxycartError, ProxycartError } from '../errors.js';
import { log } from '../log.js';
import { PROVIDERS } from '../providers/index.js';
import { createRuntime } from '../runtime.js';
import { keepDataPrivate, reportStartup } from '../startup.js';
import { moneyTimeoutMs } from '../timeouts.js';
import { startHttpServer } from '../transports/http-server.js';
import { isLoopback, readHttpSettings } from '../transports/http-settings.js';
import { UsageError } from '../usage-error.js';

// `proxycart serve --http [--sandbox] [--host H] [--port N]`: this module (and through it
// the SDK's HTTP transport and jose) is imported only in HTTP mode.

function flagValue(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
  return value;
}

export async function serveHttp(argv: string[]): Promise<void> {
  const known = new Set(['--http', '--sandbox', '--host', '--port']);
  const unknown = argv.filter((arg, i) => !known.has(arg) && argv[i - 1] !== '--host' && argv[i - 1] !== '--port');
  if (unknown.length) throw new UsageError(`Unknown argument ${unknown[0]}. See proxycart --help.`);
  if (!argv.includes('--http')) throw new UsageError('serve needs --http (stdio is what proxycart serves without arguments).');
  const port = flagValue(argv, '--port');
  const settings = readHttpSettings(process.env, { host: flagValue(argv, '--host'), port: port === undefined ? undefined : Number(port) });
  const config = loadConfig(process.env, PROVIDERS, { forceSandbox: argv.includes('--sandbox') });
  const personOnly = config.approval.pin !== undefined || config.approval.passkey === 'required';
  if (!isLoopback(settings.host) && !personOnly && !config.readOnly && config.confirm !== 'token') {
    // Beyond loopback anyone who reaches the page could approve: a PIN or a passkey is what a person adds.
    throw new ProxycartError(
      'configuration',
      `Serving on ${settings.host} needs PROXYCART_APPROVAL_PIN or PROXYCART_APPROVAL_PASSKEY=required: the approval page is reachable by others there.`,
    );
  }
  keepDataPrivate(config);
  const runtime = createRuntime(config, PROVIDERS);
  const node = await startHttpServer(runtime, settings);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A money call may take the money time limit; give it that plus a margin to record its outcome.
    const graceMs = moneyTimeoutMs(config.timeoutMs) + 5_000;
    log('info', `${signal}: no new requests; finishing those in flight`);
    await node.shutdown(graceMs);
    await runtime.close();
    log('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (!isLoopback(settings.host) && !settings.publicUrl && settings.allowedHosts.length === 0) {
    log(
      'warning',
      `listening on ${settings.host} but only loopback Host headers are accepted: set PROXYCART_PUBLIC_URL (or PROXYCART_HTTP_ALLOWED_HOSTS) to the name clients use`,
    );
  }
  const auth = [settings.tokensFile && 'tokens file', settings.oauth && 'OAuth'].filter(Boolean).join(' + ') || 'no authentication (loopback only)';
  reportStartup(config, PROVIDERS, `serving over Streamable HTTP at ${node.url} (${auth})`);
  // The books open now (moving 0.1 data once, and saying whether Redis keeps them across a
  // restart) rather than on a person's first order; a store that is down is said by /readyz.
  runtime.ledger().catch((error: unknown) => log('warning', `the store is not reachable yet (${asProxycartError(error).message})`));
}
