// Regenerates manifests/tools/<provider>.json; test/manifests.test.ts fails when they drift.
import { writeFileSync } from 'node:fs';
import { manifestJson } from '../src/manifests.js';
import { PROVIDERS } from '../src/providers/index.js';

for (const spec of PROVIDERS) {
  const file = `manifests/tools/${spec.id}.json`;
  writeFileSync(file, manifestJson(spec));
  console.log(`wrote ${file}`);
}
