// The official MCP conformance suite (server mode) against `proxycart serve --http` at /mcp,
// on loopback with the sandbox vendors. Scenarios that expect the reference "everything"
// server's fixtures are listed, each with its reason, in expected-failures.yml beside this
// file; the suite fails on any other failure and on an expected failure that now passes.
// `npm run conformance` (builds first), or after a build: node scripts/conformance/run.mjs [--scenario NAME]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'proxycart-conformance-http-'));
const server = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--http'], {
  env: {
    PATH: process.env.PATH,
    HOME: home,
    PROXYCART_HOME: home,
    PROXYCART_SANDBOX: '1',
    PROXYCART_STORE: 'memory',
    PROXYCART_HTTP_PORT: '0',
    PROXYCART_OPEN_BROWSER: 'never',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
const url = await new Promise((resolve, reject) => {
  let seen = '';
  server.stderr.on('data', (chunk) => {
    seen += chunk.toString();
    const match = / at (http:\/\/\S+\/mcp)/.exec(seen);
    if (match) resolve(match[1]);
  });
  server.on('exit', (code) => reject(new Error(`proxycart exited with ${code}: ${seen}`)));
});

const args = [
  '--import',
  join(import.meta.dirname, 'globsync-hook.mjs'),
  join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
  'server',
  '--url',
  url,
  '--expected-failures',
  join(import.meta.dirname, 'expected-failures.yml'),
  ...process.argv.slice(2),
];
const suite = spawn(process.execPath, args, { stdio: 'inherit', cwd: home });
const code = await new Promise((resolve) => suite.on('exit', (c) => resolve(c ?? 1)));
server.kill('SIGTERM');
process.exit(code);
