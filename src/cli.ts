#!/usr/bin/env node
import { loadConfig } from './config.js';
import { describeError, ProxycartError } from './errors.js';
import { log } from './log.js';
import { PROVIDERS } from './providers/index.js';
import type { ProviderId } from './providers/types.js';
import { VERSION } from './version.js';

const HELP = `proxycart ${VERSION}: an MCP server for buying proxies (ProxyJam, ProxyScrape, Proxy-Seller, NovaProxy)

Usage:
  proxycart [--sandbox]          serve MCP over stdio (the default)
  proxycart sandbox [--port N]   run the vendor simulators alone on loopback and print their URLs
  proxycart sandbox --reset      forget the simulated wallets and orders ($PROXYCART_HOME/sandbox.json)
  proxycart --help | --version

Options:
  --sandbox    every vendor is simulated on loopback (also on when no vendor API key is set)
  --port N     with 'sandbox': first port to use (one port per vendor); default: free ports

Configuration is read from the environment; see the README for every variable:
  PROXYJAM_API_KEY, PROXYSCRAPE_API_KEY, PROXYSELLER_API_KEY, NOVAPROXY_API_KEY (+ NOVAPROXY_BASE_URL),
  PROXYCART_PROVIDERS, PROXYCART_SANDBOX, PROXYCART_HOME, PROXYCART_STORE, PROXYCART_CONFIRM,
  PROXYCART_MAX_ORDER_USD, PROXYCART_DAILY_BUDGET_USD, PROXYCART_ALLOW_UNPRICED,
  PROXYCART_READ_ONLY, PROXYCART_TIMEOUT_S, PROXYCART_CATALOG_TTL_S, PROXYCART_CHECK_URL
`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return void process.stdout.write(HELP);
  if (argv.includes('--version') || argv.includes('-v')) return void process.stdout.write(`${VERSION}\n`);
  const known = new Set(['sandbox', '--sandbox', '--port', '--reset']);
  const unknown = argv.filter((arg, i) => !known.has(arg) && argv[i - 1] !== '--port');
  if (unknown.length) throw new ProxycartError('configuration', `Unknown argument ${unknown[0]}. See proxycart --help.`);
  if (argv[0] === 'sandbox' && argv.includes('--reset')) return resetSandbox();
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
}

async function resetSandbox(): Promise<void> {
  const { home } = loadConfig(process.env, PROVIDERS, { forceSandbox: true });
  const [{ join }, { resetStateFile }] = await Promise.all([import('node:path'), import('./sandbox/state-file.js')]);
  const file = join(home, 'sandbox.json');
  process.stdout.write(resetStateFile(file) ? `proxycart sandbox: forgot ${file}; the next start begins with fresh wallets.\n` : `proxycart sandbox: nothing to reset (no ${file}).\n`);
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
