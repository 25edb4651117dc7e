// Regenerates manifests/tools/<provider>.json, the install manifests (registry entry,
// MCP bundle, client snippets) and the README's vendor tables; test/unit/manifests.test.ts
// and install-manifests.test.ts fail when they drift.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { installFiles } from '../src/install-manifests.js';
import { manifestJson, readmeWithTables } from '../src/manifests.js';
import { PROVIDERS } from '../src/providers/index.js';

const files: Record<string, string> = { ...installFiles() };
for (const spec of PROVIDERS) files[`manifests/tools/${spec.id}.json`] = manifestJson(spec);
files['README.md'] = readmeWithTables(readFileSync('README.md', 'utf8'));
for (const [file, content] of Object.entries(files)) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`wrote ${file}`);
}
