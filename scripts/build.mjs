// Bundle the CLI (and the scripts that write the manifests and the tools/list entries) with
// esbuild: one file loads far faster than hundreds of modules, and with a code cache (see
// src/launch.ts) start-up hardly parses or compiles at all.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EXTERNAL } from './external.mjs';

// The SDK's default form-answer validator (ajv, chosen by its Node shim) is swapped for its
// code-free one: see src/form-validator.ts for why.
const formValidator = {
  name: 'form-validator',
  setup(build) {
    build.onResolve({ filter: /^@modelcontextprotocol\/server\/_shims$/ }, () => ({
      path: fileURLToPath(new URL('../src/form-validator.ts', import.meta.url)),
    }));
  },
};

// Large libraries that only lazily loaded code uses (the vendor clients' HTTP, Postgres,
// WebAuthn) get files of their own, dist/lib/*.cjs: left in the program's bundle they would be
// parsed by every start that has no code cache yet. The bundle requires them on first use.
const OWN_FILES = { undici: 'undici', pg: 'pg', '@simplewebauthn/server': 'webauthn' };
const ownFiles = {
  name: 'own-files',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(OWN_FILES).join('|').replaceAll('/', '\\/')})$`);
    build.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'own-file' }));
    build.onLoad({ filter: /.*/, namespace: 'own-file' }, (args) => ({ contents: `module.exports = require('./lib/${OWN_FILES[args.path]}.cjs');` }));
    build.onResolve({ filter: /^\.\/lib\//, namespace: 'own-file' }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  minify: process.env.NO_MINIFY !== '1',
  external: ['sqlite3', ...EXTERNAL],
  // Bundled CommonJS dependencies call require(); it is made on first use, so a chunk that
  // never calls it (the stdio start-up path) does not pay for setting up the CommonJS loader.
  banner: {
    js: "import { createRequire as __proxycartRequire } from 'node:module'; let __proxycartRequired; const require = Object.assign((id) => (__proxycartRequired ??= __proxycartRequire(import.meta.url))(id), { resolve: (id, options) => (__proxycartRequired ??= __proxycartRequire(import.meta.url)).resolve(id, options) });",
  },
  plugins: [formValidator],
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
// The program: one CommonJS script (dist/proxycart.cjs), so that dist/cli.js (src/launch.ts)
// can compile it with a V8 code cache, which Node 20 offers for scripts only. Code the server
// loads lazily (store, simulators, vendor clients, HTTP mode) is in the same file but runs only
// when first imported, as esbuild wraps it. import.meta.url becomes the bundle's own URL.
await build({
  ...common,
  entryPoints: { proxycart: 'src/cli.ts' },
  format: 'cjs',
  splitting: false,
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [formValidator, ownFiles],
});
await build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(OWN_FILES).map(([name, file]) => [`lib/${file}`, name])),
  format: 'cjs',
  splitting: false,
  outExtension: { '.js': '.cjs' },
  banner: {},
});
await build({ ...common, entryPoints: { cli: 'src/launch.ts' }, splitting: false, banner: {} });
// Scripts run in their own processes: sandbox.js lets benchmarks start and steer the
// simulators; the writers produce the manifests and the tools/list entries.
await build({
  ...common,
  entryPoints: { sandbox: 'src/sandbox/index.ts', 'write-manifests': 'scripts/write-manifests.ts', 'write-listing': 'scripts/write-listing.ts' },
  chunkNames: 'scripts/[name]-[hash]',
});

// The passkey half of the approval page runs in the person's browser: one self-contained
// script (with @simplewebauthn/browser), which src/approval/passkeys.ts inlines into the page
// under the page's CSP nonce, so nothing is loaded from anywhere else.
await build({
  entryPoints: { 'passkey-page': 'src/approval/passkey-page.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome109', 'edge109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// The tools/list entries, written once here so start-up need not convert schemas.
execFileSync(process.execPath, ['dist/write-listing.js'], { stdio: 'inherit' });

// The first code cache, from one start that answers initialize and tools/list (src/launch.ts
// writes it as a serving run exits; it is rewritten by any later start that finds it stale).
const home = mkdtempSync(join(tmpdir(), 'proxycart-build-'));
const requests = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'build', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
];
execFileSync(process.execPath, ['dist/cli.js', '--sandbox'], {
  input: requests.map((r) => `${JSON.stringify(r)}\n`).join(''),
  env: { PATH: process.env.PATH, PROXYCART_HOME: home, PROXYCART_STORE: 'memory', PROXYCART_LOG_LEVEL: 'error' },
  stdio: ['pipe', 'ignore', 'inherit'],
});
rmSync(home, { recursive: true, force: true });
if (!existsSync('dist/proxycart.code-cache')) throw new Error('the start-up run wrote no dist/proxycart.code-cache');
