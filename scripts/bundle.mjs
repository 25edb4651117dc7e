// `npm run bundle`: builds proxycart.mcpb, an MCP bundle (https://github.com/modelcontextprotocol/mcpb)
// a person installs into Claude Desktop with a double click. Layout inside the bundle:
//   manifest.json           manifests/mcpb/manifest.json, narrowed to this platform
//   server/dist/            the esbuild bundle (everything but the storage drivers)
//   server/package.json     name, version, "type": "module"
//   server/node_modules/    the storage drivers dist/ leaves external, with their dependencies
// The SQLite driver is a native module built for the machine that runs this script, so the
// bundle runs on this platform and CPU only (the manifest says so in compatibility.platforms).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUT = process.argv[2] ?? join(ROOT, 'proxycart.mcpb');

import { EXTERNAL } from './external.mjs';

// sqlite3 needs these only to fetch or compile its binary at install time.
const INSTALL_ONLY = new Set(['prebuild-install', 'node-gyp', 'node-addon-api', 'tar']);
const mcpb = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const pkg = readJson(join(ROOT, 'package.json'));
if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');

const stage = mkdtempSync(join(tmpdir(), 'proxycart-mcpb-'));
const server = join(stage, 'server');

const manifest = readJson(join(ROOT, 'manifests/mcpb/manifest.json'));
manifest.compatibility = { ...manifest.compatibility, platforms: [process.platform] };
writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
// Not the code cache: it fits only the Node it was made with (the bundle's start makes its own).
cpSync(join(ROOT, 'dist'), join(server, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.code-cache') });
writeFileSync(join(server, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true }, null, 2)}\n`);
cpSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));

// The runtime dependency closure of the external drivers, found the way Node resolves
// them (nested node_modules first, then the top level), copied package by package.
const copied = new Set();
function copyPackage(name, from) {
  let dir = from;
  let found;
  while (!found) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) found = candidate;
    else if (dir === ROOT || dir === dirname(dir)) return false;
    else dir = dirname(dir);
  }
  if (copied.has(found)) return true;
  copied.add(found);
  const target = join(server, found.slice(ROOT.length + 1));
  // Build leftovers and C sources of native modules are not needed at run time (a plain
  // package's src/ may well be its code).
  const native = existsSync(join(found, 'binding.gyp'));
  cpSync(found, target, { recursive: true, filter: (src) => !native || !/[\\/](build[\\/]Release[\\/]obj|deps|src)$/.test(src.slice(found.length)) });
  const meta = readJson(join(found, 'package.json'));
  for (const dep of Object.keys(meta.dependencies ?? {})) {
    if (INSTALL_ONLY.has(dep)) continue;
    if (!copyPackage(dep, found)) throw new Error(`${dep} (needed by ${name}) is not installed`);
  }
  // Peers (keyv for its drivers) come along when installed; optional ones may be absent.
  for (const dep of Object.keys(meta.peerDependencies ?? {})) {
    if (!INSTALL_ONLY.has(dep) && !meta.peerDependenciesMeta?.[dep]?.optional) copyPackage(dep, found);
  }
  return true;
}
for (const name of EXTERNAL) if (!copyPackage(name, ROOT)) throw new Error(`${name} is not installed`);

execFileSync(process.execPath, [mcpb, 'validate', join(stage, 'manifest.json')], { stdio: 'inherit' });
rmSync(OUT, { force: true });
execFileSync(process.execPath, [mcpb, 'pack', stage, OUT], { stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(stage, { recursive: true, force: true });
console.log(`wrote ${OUT} (${(statSync(OUT).size / 1e6).toFixed(1)} MB, ${copied.size} packages, runs on ${process.platform}-${process.arch})`);
