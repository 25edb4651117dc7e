import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityRows, envRows, manifestJson, readmeWithTables, toolManifest, toolRows } from '../../src/manifests.js';
import { PROVIDERS } from '../../src/providers/index.js';

// The committed manifests/tools/<provider>.json must be exactly what the code generates
// (run `npm run manifests` after changing a schema), and every tool must stay portable
// across Claude, OpenAI and Gemini.
//
// OpenAI function calling (platform.openai.com, function tools):
//   O1 name matches ^[a-zA-Z0-9_-]{1,64}$
//   O2 parameters: top-level `type: "object"` with `properties` (an empty object too);
//      every nested object has `properties` as well ("object schema missing properties")
//   O3 no anyOf/oneOf/allOf/enum/not at the top level; no $ref/$defs anywhere here
//   O4 description at most 1024 characters
//   O5 every object closed (`additionalProperties: false`): strict mode (the Agents SDK's
//      conversion) refuses an open object without declared properties, or loosens the tool
// Gemini function declarations (ai.google.dev, FunctionDeclaration / Schema, the
// OpenAPI 3.0 subset behind `parameters`):
//   G1 name starts with a letter or underscore, then [a-zA-Z0-9_.:-], at most 64
//   G2 parameter names start with a letter or underscore, then [a-zA-Z0-9_], at most 64
//   G3 only the keywords of its Schema object (GEMINI_KEYWORDS); no propertyNames,
//      patternProperties, const, $schema, exclusiveMinimum/Maximum
//   G4 one `type` per node (a string, never an array)

const ROOT = join(import.meta.dirname, '../..');

const GEMINI_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'items',
  'minItems',
  'maxItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'anyOf',
  'propertyOrdering',
  'additionalProperties',
]);

/** Visits every schema node (not the property-name level of `properties`). */
function schemas(node: unknown, visit: (schema: Record<string, unknown>, path: string) => void, path = ''): void {
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  visit(schema, path);
  for (const [name, child] of Object.entries((schema.properties as Record<string, unknown>) ?? {})) schemas(child, visit, `${path}.${name}`);
  if (schema.items) schemas(schema.items, visit, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') schemas(schema.additionalProperties, visit, `${path}{}`);
}

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
      expect(tool.name).toMatch(new RegExp(`^${id}_(list_offers|place_order|order_status|wallet_balance|extend_order|add_bandwidth|set_auto_renew)$`));
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema.type).toBe('object');
      expect(tool.description.length).toBeLessThanOrEqual(320);
      const annotations = tool.annotations;
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) expect(typeof annotations[hint]).toBe('boolean');
      // Every tool that spends or arms a charge: place_order and the lifecycle tools.
      expect(annotations.destructiveHint).toBe(/_(place_order|extend_order|add_bandwidth|set_auto_renew)$/.test(tool.name));
      walk(tool.inputSchema, (key, value) => {
        expect(['$ref', '$defs', 'anyOf', 'oneOf', 'allOf'], `${tool.name} uses ${key}`).not.toContain(key);
        if (key === 'pattern') expect(String(value).length).toBeLessThan(40);
        if (key === 'description') expect(String(value).length).toBeLessThanOrEqual(80);
      });
    }
  });

  it('follows the OpenAI and Gemini function rules (O1-O5, G1-G4 above)', () => {
    for (const tool of toolManifest(spec)) {
      expect(tool.name, 'O1').toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.name, 'G1').toMatch(/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/);
      expect(tool.description.length, 'O4').toBeLessThanOrEqual(1024);
      const top = tool.inputSchema;
      for (const key of ['anyOf', 'oneOf', 'allOf', 'enum', 'not']) expect(top, `O3 ${tool.name}`).not.toHaveProperty(key);
      schemas(top, (schema, path) => {
        const where = `${tool.name} input${path}`;
        if (schema.type === 'object') expect(schema.properties, `O2 ${where} has no properties`).toBeTypeOf('object');
        if (schema.type === 'object') expect(schema.additionalProperties, `O5 ${where} is open`).toBe(false);
        for (const name of Object.keys((schema.properties as object) ?? {})) expect(name, `G2 ${where}`).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/);
        for (const key of Object.keys(schema)) expect(GEMINI_KEYWORDS.has(key), `G3 ${where} uses ${key}`).toBe(true);
        if ('type' in schema) expect(schema.type, `G4 ${where}`).toBeTypeOf('string');
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

describe('the README vendor tables', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('are what the registry generates', () => {
    expect(readme, 'run `npm run manifests` and commit the result').toBe(readmeWithTables(readme));
  });

  it('hold one env row per provider, four tool rows per provider (and one per lifecycle tool) and one capability column per provider', () => {
    for (const row of envRows()) expect(readme).toContain(`${row}\n`);
    expect(toolRows()).toHaveLength(PROVIDERS.length * 4 + PROVIDERS.reduce((n, spec) => n + Object.keys(spec.operations ?? {}).length, 0));
    for (const row of toolRows()) expect(readme).toContain(`${row}\n`);
    for (const row of capabilityRows()) expect(row.split(' | ')).toHaveLength(PROVIDERS.length + 1);
    for (const spec of PROVIDERS) {
      expect(readme).toContain(`\`${spec.keyEnv}\`, \`${spec.baseUrlEnv}\``);
      for (const tool of toolManifest(spec)) expect(readme).toMatch(new RegExp(`^\\| \`${tool.name}\``, 'm'));
    }
  });

  it('keep the shared rows of the env table, and the text around the tables', () => {
    const stale = readme.replace(/^\| `[A-Z0-9_]+`, `[A-Z0-9_]+_BASE_URL` \|.*\n/gm, '| `OLD_API_KEY`, `OLD_BASE_URL` | gone | — |\n');
    expect(readmeWithTables(stale)).toBe(readme);
  });
});
