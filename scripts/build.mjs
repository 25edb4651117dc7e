// Bundle the CLI (and the scripts that write the manifests and the tools/list entries) with
// esbuild: a few files load far faster than hundreds of modules, and code-splitting keeps the
// store, the simulators and the vendor clients out of start-up.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EXTERNAL } from './external.mjs';

// The SDK's default form-answer validator (ajv) is swapped for its code-free one: see
// src/form-validator.ts for why.
const formValidator = {
  name: 'form-validator',
  setup(build) {
    build.onResolve({ filter: /validation\/ajv-provider\.js$/ }, () => ({ path: fileURLToPath(new URL('../src/form-validator.ts', import.meta.url)) }));
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
  minify: true,
  external: ['sqlite3', ...EXTERNAL],
  banner: { js: "import { createRequire as __proxycartRequire } from 'node:module'; const require = __proxycartRequire(import.meta.url);" },
  plugins: [formValidator],
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
// The server alone, so that esbuild splits it only where the server itself loads code lazily
// (store, simulators, vendor clients, HTTP mode; cli.ts imports the stdio path statically).
// Built together with the scripts below, every module they shared with it became a chunk of
// its own: start-up read 33 files, where it now reads 22, and each file costs the loader.
await build({ ...common, entryPoints: { cli: 'src/cli.ts' } });
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
