// Bundle the CLI (and the manifest writer) with esbuild: one file loads far faster than
// hundreds of modules, and code-splitting keeps the store and simulators out of start-up.

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

rmSync('dist', { recursive: true, force: true });
await build({
  // sandbox.js lets scripts (benchmarks) start and steer the simulators in their own process.
  // serve-http.js (HTTP transport, jose) is imported by the CLI only in HTTP mode.
  entryPoints: {
    cli: 'src/cli.ts',
    sandbox: 'src/sandbox/index.ts',
    'serve-http': 'src/commands/serve-http.ts',
    'write-manifests': 'scripts/write-manifests.ts',
    'write-listing': 'scripts/write-listing.ts',
  },
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
});

// The tools/list entries, written once here so start-up need not convert schemas.
execFileSync(process.execPath, ['dist/write-listing.js'], { stdio: 'inherit' });
