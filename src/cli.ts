#!/usr/bin/env node
import { loadConfig } from './config.js';
import { asProxycartError, describeError, ProxycartError } from './errors.js';
import { log } from './log.js';
import { PROVIDERS } from './providers/index.js';
import { checkStoreAtStart } from './store-check.js';
import type { ProviderId } from './providers/types.js';
import { VERSION } from './version.js';

const HELP = `proxycart ${VERSION}: an MCP server for buying proxies (ProxyJam, ProxyScrape, Proxy-Seller, NovaProxy)

Usage:
  proxycart [--sandbox]          serve MCP over stdio (the default)
  proxycart sandbox [--port N]   run the vendor simulators alone on loopback and print their URLs
  proxycart ledger [settle <unknown:id> placed|not-placed [--order-id ID]]
                                 list orders of unknown outcome, or record what the vendor dashboard shows
  proxycart serve --http [--sandbox] [--host H] [--port N]
                                 serve MCP over Streamable HTTP at /mcp (teams; default 127.0.0.1:8787)
  proxycart token add NAME --scopes proxycart:read[,proxycart:spend] [--file F]
                                 add an HTTP client to PROXYCART_HTTP_TOKENS_FILE and print its token once
  proxycart --help | --version

Options:
  --sandbox    every vendor is simulated on loopback (also on when no vendor API key is set)
  --port N     with 'sandbox': first port to use (one port per vendor); default: free ports

Configuration is read from the environment; see the README for every variable:
  PROXYJAM_API_KEY, PROXYSCRAPE_API_KEY, PROXYSELLER_API_KEY, NOVAPROXY_API_KEY (+ NOVAPROXY_BASE_URL),
  PROXYCART_PROVIDERS, PROXYCART_SANDBOX, PROXYCART_HOME, PROXYCART_STORE, PROXYCART_CONFIRM,
  PROXYCART_MAX_ORDER_USD, PROXYCART_DAILY_BUDGET_USD, PROXYCART_ALLOW_UNPRICED,
  PROXYCART_READ_ONLY, PROXYCART_TIMEOUT_S
  HTTP mode: PROXYCART_HTTP_HOST, PROXYCART_HTTP_PORT, PROXYCART_PUBLIC_URL, PROXYCART_HTTP_TOKENS_FILE,
  PROXYCART_OAUTH_ISSUER, PROXYCART_OAUTH_AUDIENCE, PROXYCART_OAUTH_JWKS_URL, PROXYCART_HTTP_ALLOWED_HOSTS,
  PROXYCART_HTTP_ALLOWED_ORIGINS
`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return void process.stdout.write(HELP);
  if (argv.includes('--version') || argv.includes('-v')) return void process.stdout.write(`${VERSION}\n`);
  if (argv[0] === 'ledger') {
    const { runLedgerCommand } = await import('./ledger-command.js');
    return runLedgerCommand(argv.slice(1), loadConfig(process.env, PROVIDERS), (line) => process.stdout.write(`${line}\n`));
  }
  if (argv[0] === 'serve') return (await import('./commands/serve-http.js')).serveHttp(argv.slice(1));
  if (argv[0] === 'token') return (await import('./commands/token-add.js')).tokenCommand(argv.slice(1));
  const known = new Set(['sandbox', '--sandbox', '--port']);
  const unknown = argv.filter((arg, i) => !known.has(arg) && argv[i - 1] !== '--port');
  if (unknown.length) throw new ProxycartError('configuration', `Unknown argument ${unknown[0]}. See proxycart --help.`);
  if (argv[0] === 'sandbox') return runSandbox(argv);
  return serveStdio(argv.includes('--sandbox'));
}

async function serveStdio(forceSandbox: boolean): Promise<void> {
  const config = loadConfig(process.env, PROVIDERS, { forceSandbox });
  const [{ createRuntime }, { createServer }, { StdioServerTransport }] = await Promise.all([
    import('./runtime.js'),
    import('./server.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const runtime = createRuntime(config, PROVIDERS);
  const server = createServer(runtime);
  const shutdown = async () => {
    await server.close().catch(() => undefined);
    await runtime.close();
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await server.connect(new StdioServerTransport());
  log('info', `serving ${runtime.providers.map((p) => p.id).join(', ') || 'no providers'} over stdio${config.sandbox ? ' (sandbox vendors)' : ''}`);
  if (config.confirm === 'token') {
    log('warning', 'PROXYCART_CONFIRM=token: the model confirms orders on its own, within the caps. Use it only for unattended agents a person has delegated to.');
  }
  const storeProblem = checkStoreAtStart(config.store);
  if (storeProblem) log('error', `${storeProblem} Orders will fail with a storage error until this is fixed.`);
  if (config.store.kind === 'redis') {
    // A network store is first contacted once the client is connected, never before.
    server.oninitialized = () =>
      void runtime.store().catch((error: unknown) => log('error', `${describeError(asProxycartError(error))} Orders will fail until the store is reachable.`));
  }
}

async function runSandbox(argv: string[]): Promise<void> {
  const portArg = argv[argv.indexOf('--port') + 1];
  const firstPort = argv.includes('--port') ? Number(portArg) : 0;
  if (!Number.isInteger(firstPort) || firstPort < 0 || firstPort > 65_000) {
    throw new ProxycartError('configuration', `--port needs a port number, got ${JSON.stringify(portArg)}.`);
  }
  const { startSandbox } = await import('./sandbox/index.js');
  const ids = PROVIDERS.map((p) => p.id) as ProviderId[];
  const sandbox = await startSandbox(ids, '127.0.0.1', firstPort || undefined);
  const lines = ['proxycart sandbox: vendor simulators on loopback (Ctrl-C stops them)', ''];
  for (const spec of PROVIDERS) {
    const vendor = sandbox.vendors[spec.id]!;
    lines.push(`${spec.title}`, `  ${spec.baseUrlEnv}=${vendor.baseUrl}`, `  sandbox API key: ${vendor.apiKey}`, '');
  }
  lines.push('Point proxycart at them with PROXYCART_SANDBOX=1 and the *_BASE_URL lines above.');
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = async () => {
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof ProxycartError ? describeError(error) : String(error instanceof Error ? error.message : error);
  process.stderr.write(`proxycart: ${message}\n`);
  process.exit(error instanceof ProxycartError && error.kind === 'configuration' ? 2 : 1);
});
