import './zod-config.js';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { environmentVariables, loadConfig } from './config.js';
import { asProxycartError, describeError, ProxycartError } from './errors.js';
import { log } from './log.js';
import { PROVIDERS } from './providers/index.js';
import type { ProviderId } from './providers/types.js';
import { createRuntime } from './runtime.js';
import { createServer } from './server.js';
import { keepDataPrivate, reportStartup } from './startup.js';
import { isSharedStore } from './store-url.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

function help(): string {
  const vars = environmentVariables(PROVIDERS);
  const width = Math.max(...vars.map((v) => v.name.length)) + 2;
  return `proxycart ${VERSION}: an MCP server for buying proxies (${PROVIDERS.map((p) => p.title).join(', ')})

Usage:
  proxycart [--sandbox]          serve MCP over stdio (the default); start it from an MCP client
  proxycart sandbox [--port N]   run the vendor simulators alone on loopback and print curl lines
  proxycart sandbox --reset      forget the simulated wallets and orders ($PROXYCART_HOME/sandbox.json)
  proxycart ledger [settle <unknown:id> placed|not-placed [--order-id ID]]
                                 list orders of unknown outcome, or record what the vendor dashboard shows
  proxycart ledger export [--format csv|jsonl] [--book live|sandbox] [--from DATE] [--to DATE]
                          [--identity NAME] [--output FILE]
                                 stream the books (oldest first) for accounting
  proxycart serve --http [--sandbox] [--host H] [--port N]
                                 serve MCP over Streamable HTTP at /mcp (teams; default 127.0.0.1:8787)
  proxycart token add NAME --scopes proxycart:read[,proxycart:spend][,proxycart:admin] [--file F] [--passkey]
                                 add an HTTP client to PROXYCART_HTTP_TOKENS_FILE and print its token once;
                                 --passkey: also a link where the person behind NAME enrols their passkey
  proxycart passkey add [NAME] [--identity CLIENT] | list | remove NAME
                                 enrol a passkey for Approve on the approval page (a one-time link,
                                 10 minutes), list the enrolled ones, or remove one
  proxycart help | --help | --version

Options:
  --sandbox    every vendor is simulated on loopback (also on when no vendor API key is set)
  --port N     with 'sandbox': first port to use (one port per vendor); default: free ports

Environment (a bad value does not stop the server: the affected tools answer with what to fix):
${vars.map((v) => `  ${v.name.padEnd(width)}${v.description}`).join('\n')}
  HTTP mode: PROXYCART_HTTP_HOST, PROXYCART_HTTP_PORT, PROXYCART_PUBLIC_URL, PROXYCART_HTTP_TOKENS_FILE,
  PROXYCART_OAUTH_ISSUER, PROXYCART_OAUTH_AUDIENCE, PROXYCART_OAUTH_JWKS_URL, PROXYCART_HTTP_ALLOWED_HOSTS,
  PROXYCART_HTTP_ALLOWED_ORIGINS
`;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')) return void process.stdout.write(help());
  if (argv.includes('--version') || argv.includes('-v')) return void process.stdout.write(`${VERSION}\n`);
  if (argv[0] === 'ledger') {
    const config = loadConfig(process.env, PROVIDERS);
    // The ledger command works on the store only: a setting it cannot use stops it.
    const shared = config.problems.filter((p) => p.scope === 'shared');
    if (shared.length) throw new ProxycartError('configuration', shared.map((p) => p.message).join(' '));
    const { runLedgerCommand } = await import('./ledger-command.js');
    return runLedgerCommand(argv.slice(1), config, process.stdout);
  }
  if (argv[0] === 'serve') return (await import('./commands/serve-http.js')).serveHttp(argv.slice(1));
  const settings = () => loadConfig(process.env, PROVIDERS);
  if (argv[0] === 'token') return (await import('./commands/token-add.js')).tokenCommand(argv.slice(1), settings);
  if (argv[0] === 'passkey') {
    const { passkeyCommand } = await import('./commands/passkey.js');
    return passkeyCommand(
      argv.slice(1),
      settings(),
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  }
  const known = new Set(['sandbox', '--sandbox', '--port', '--reset']);
  const unknown = argv.filter((arg, i) => !known.has(arg) && argv[i - 1] !== '--port');
  if (unknown.length) throw new UsageError(`Unknown argument ${unknown[0]!.slice(0, 80)}. See proxycart --help.`);
  if (argv[0] === 'sandbox' && argv.includes('--reset')) return resetSandbox();
  if (argv[0] === 'sandbox') return runSandbox(argv);
  return serveOverStdio(argv.includes('--sandbox'));
}

async function serveOverStdio(forceSandbox: boolean): Promise<void> {
  const config = loadConfig(process.env, PROVIDERS, { forceSandbox });
  keepDataPrivate(config);
  const runtime = createRuntime(config, PROVIDERS);
  // Both protocol eras: the SDK pins one server from this factory per connection, in the era
  // the client opened with (initialize: 2025-11-25; server/discover: 2026-07-28).
  const connection = serveStdio(() => {
    const server = createServer(runtime);
    if (isSharedStore(config.store)) {
      // A network store is first contacted once the client is connected, never before.
      server.oninitialized = () =>
        void runtime
          .ledger()
          .catch((error: unknown) => log('error', `${describeError(asProxycartError(error))} Orders will fail until the store is reachable.`));
    }
    return server;
  });
  const shutdown = async () => {
    await connection.close().catch(() => undefined);
    await runtime.close();
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  if (process.stdin.isTTY) {
    process.stderr.write(
      `proxycart ${VERSION} is waiting for an MCP client on stdin: it speaks JSON-RPC, not a prompt. Start it from an MCP client (see the README), or run 'proxycart help'. Ctrl-C stops it.\n`,
    );
  }
  reportStartup(config, PROVIDERS, 'serving over stdio');
}

// How to reach each simulator by hand: the vendor's own auth, one read that needs it.
function portTaken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

async function resetSandbox(): Promise<void> {
  const { home } = loadConfig(process.env, PROVIDERS, { forceSandbox: true });
  const { resetStateFile } = await import('./sandbox/state-file.js');
  const file = join(home, 'sandbox.json');
  process.stdout.write(
    resetStateFile(file)
      ? `proxycart sandbox: forgot ${file}; the next start begins with fresh wallets.\n`
      : `proxycart sandbox: nothing to reset (no ${file}).\n`,
  );
}

async function runSandbox(argv: string[]): Promise<void> {
  const portArg = argv[argv.indexOf('--port') + 1];
  const firstPort = argv.includes('--port') ? Number(portArg) : 0;
  if (!Number.isInteger(firstPort) || firstPort < 0 || firstPort > 65_000) {
    throw new UsageError(`--port needs a port number, got ${JSON.stringify(portArg?.slice(0, 40))}.`);
  }
  const host = '127.0.0.1';
  if (firstPort) {
    for (const [index, spec] of PROVIDERS.entries()) {
      if (await portTaken(firstPort + index, host)) {
        throw new UsageError(
          `port ${firstPort + index} (for the ${spec.title} simulator) is taken on ${host}. Pick another --port (the simulators use ${PROVIDERS.length} ports from it) or leave it out for free ports.`,
        );
      }
    }
  }
  const { startSandbox } = await import('./sandbox/index.js');
  const ids = PROVIDERS.map((p) => p.id) as ProviderId[];
  const sandbox = await startSandbox(ids, host, firstPort || undefined);
  const lines = ['proxycart sandbox: vendor simulators on loopback (Ctrl-C stops them)', ''];
  for (const spec of PROVIDERS) {
    const vendor = sandbox.vendors[spec.id]!;
    lines.push(
      `${spec.title}`,
      `  ${spec.baseUrlEnv}=${vendor.baseUrl}`,
      `  sandbox API key: ${vendor.apiKey}`,
      `  try: ${spec.tryCommand(vendor.baseUrl, vendor.apiKey)}`,
      '',
    );
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
  // Exit 2: arguments that cannot be used (the server itself never stops for a setting).
  process.exit(error instanceof UsageError || (error instanceof ProxycartError && error.kind === 'configuration') ? 2 : 1);
});
