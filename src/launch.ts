#!/usr/bin/env node
// The `proxycart` command (dist/cli.js). The program itself is one CommonJS bundle,
// dist/proxycart.cjs (src/cli.ts and everything it loads, lazily loaded parts included but
// not run until needed), which this file compiles with a V8 code cache beside it.
//
// Why: parsing and compiling the bundle's start-up code costs more than running it, and
// Node 20 has no compile cache for ES modules (module.enableCompileCache came in Node 22). A
// script's code cache taken after it ran holds every function start-up compiled, so a start
// with it skips most of that work (figures in docs/architecture.md, "Start-up").
//
// V8 checks the cache against its own version, its flags and the source, and refuses one that
// does not match (another Node, a rebuilt bundle): that start compiles from source as usual
// and, if it is a serving run, leaves a fresh cache as it exits. The build writes the first
// one (scripts/build.mjs); a folder we cannot write just means no cache.
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { LENT_IMPORT } from './import-package.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'proxycart.cjs');
const cacheFile = join(here, 'proxycart.code-cache');

let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // No cache yet: compile from source.
}
// The CommonJS wrapper on a line of its own, so that stack traces keep the bundle's lines.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${readFileSync(bundle, 'utf8')}\n})`, {
  filename: bundle,
  lineOffset: -1,
  cachedData,
});
// The packages left outside the bundle (storage drivers, `open`) are imported from here:
// see src/import-package.ts.
Object.assign(globalThis, { [LENT_IMPORT]: (name: string) => import(name) });

// Only a run that serves MCP writes the cache: it is the start that must be fast, and a
// cache made by `--help` would hold little of what serving compiles.
const serving = process.argv[2] === undefined || process.argv[2] === '--sandbox' || process.argv[2] === 'serve';
if (serving && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', saveCache);

const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, here);

function saveCache(): void {
  // Written aside and renamed, so a start running alongside never reads half a cache.
  const temp = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temp, script.createCachedData());
    // Readable by every user of a shared install, whatever umask the data folder set: it is
    // compiled code of the bundle, nothing of this run's.
    chmodSync(temp, 0o644);
    renameSync(temp, cacheFile);
  } catch {
    rmSync(temp, { force: true });
  }
}
