// Benchmarks run as plain Node scripts, but some of what they need is TypeScript that the
// built CLI does not export (the registry, the ledger module, the tests' Postgres helper):
// bundle that one file next to the build, packages left external, and import it.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Imports `entry` (a .ts file of this repository) through a bundle written to dist/<name>.mjs. */
export async function importSource(entry, name) {
  const outfile = `dist/${name}.mjs`;
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  return import(pathToFileURL(resolve(outfile)).href);
}
