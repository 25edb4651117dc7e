import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestJson, toolManifest } from '../../src/manifests.js';
import { PROVIDERS } from '../../src/providers/index.js';

// The committed manifests/tools/<provider>.json must be exactly what the code generates
// (run `npm run manifests` after changing a schema), and every tool must stay portable
// across Claude, OpenAI strict mode and Gemini.

const ROOT = join(import.meta.dirname, '../..');

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    visit(key, value);
    walk(value, visit);
  }
}

describe.each(PROVIDERS.map((p) => [p.id, p] as const))('%s tool manifest', (id, spec) => {
  it('matches the committed file', () => {
    const committed = readFileSync(join(ROOT, 'manifests/tools', `${id}.json`), 'utf8');
    expect(committed, 'run `npm run manifests` and commit the result').toBe(manifestJson(spec));
  });

  it('keeps every tool portable and fully described', () => {
    for (const tool of toolManifest(spec)) {
      expect(tool.name).toMatch(new RegExp(`^${id}_(list_offers|place_order|order_status|wallet_balance)$`));
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema.type).toBe('object');
      expect(tool.description.length).toBeLessThanOrEqual(320);
      const annotations = tool.annotations;
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) expect(typeof annotations[hint]).toBe('boolean');
      expect(annotations.destructiveHint).toBe(tool.name.endsWith('_place_order'));
      walk(tool.inputSchema, (key, value) => {
        expect(['$ref', '$defs', 'anyOf', 'oneOf', 'allOf'], `${tool.name} uses ${key}`).not.toContain(key);
        if (key === 'pattern') expect(String(value).length).toBeLessThan(40);
        if (key === 'description') expect(String(value).length).toBeLessThanOrEqual(80);
      });
    }
  });
});

it('offers no balance tool where the vendor documents none, and says why', () => {
  for (const spec of PROVIDERS) {
    const names = toolManifest(spec).map((t) => t.name);
    expect(names.includes(`${spec.id}_wallet_balance`)).toBe(spec.capabilities.balance);
    if (!spec.capabilities.balance) expect(spec.unsupported?.wallet_balance).toBeTruthy();
  }
});
