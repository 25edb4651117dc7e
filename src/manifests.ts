import { loadConfig } from './config.js';
import { PROVIDERS } from './providers/index.js';
import { LIFECYCLE_OPERATIONS, type ProviderSpec } from './providers/types.js';
import { createRuntime } from './runtime.js';
import { type ListedTool, listedTool } from './tools/define.js';
import { providerTools } from './tools/provider-tools.js';

/** The tools one provider exposes with default settings, as tools/list shows them. */
export function toolManifest(spec: ProviderSpec): ListedTool[] {
  const config = loadConfig({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' }, PROVIDERS);
  return providerTools(spec, createRuntime(config, PROVIDERS)).map(listedTool);
}

export function manifestJson(spec: ProviderSpec): string {
  return `${JSON.stringify({ provider: spec.id, tools: toolManifest(spec) }, null, 2)}\n`;
}

// The README's vendor tables (env, tools, capabilities) are written from the registry
// between marker comments: `<!-- name: ... -->` up to `<!-- /name -->`.

const OPERATIONS = ['list_offers', 'place_order', 'order_status', 'wallet_balance'] as const;

/** `{`a`, `b?`}`: a listed tool's input fields, optional ones marked. */
function inputList(tool: ListedTool): string {
  const schema = tool.inputSchema as { properties?: Record<string, unknown>; required?: string[] };
  const required = new Set(schema.required ?? []);
  return `{${Object.keys(schema.properties ?? {})
    .map((name) => `\`${name}${required.has(name) ? '' : '?'}\``)
    .join(', ')}}`;
}

/** The vendor rows of the env table (the shared PROXYCART_ rows below them are written by hand). */
export function envRows(providers: readonly ProviderSpec[] = PROVIDERS): string[] {
  return providers.map(
    (spec) => `| \`${spec.keyEnv}\`, \`${spec.baseUrlEnv}\` | ${spec.docs.env} | ${spec.defaultBaseUrl ? `\`${spec.defaultBaseUrl}\`` : '—'} |`,
  );
}

export function toolRows(providers: readonly ProviderSpec[] = PROVIDERS): string[] {
  return providers.flatMap((spec) => {
    const listed = new Map(toolManifest(spec).map((tool) => [tool.name, tool]));
    const base = OPERATIONS.map((operation) => {
      const name = `${spec.id}_${operation}`;
      const { calls, inputs } = spec.docs.tools[operation];
      const tool = listed.get(name);
      return `| \`${name}\`${inputs && tool ? ` ${inputList(tool)}` : ''} | ${calls} |`;
    });
    // A lifecycle tool exists only where the vendor documents the operation.
    const changes = LIFECYCLE_OPERATIONS.flatMap((operation) => {
      const declared = spec.operations?.[operation];
      const tool = listed.get(`${spec.id}_${operation}`);
      return declared && tool ? [`| \`${tool.name}\` ${inputList(tool)} | ${declared.calls} |`] : [];
    });
    return [...base, ...changes];
  });
}

/** A provider's cell in a lifecycle row: the operation it documents, or why it has no tool. */
function lifecycleCell(spec: ProviderSpec, operation: (typeof LIFECYCLE_OPERATIONS)[number]): string {
  if (spec.operations?.[operation]) return `yes (\`${spec.id}_${operation}\`)`;
  return `no tool: ${spec.unsupported?.[operation] ?? 'not documented'}`;
}

export function capabilityRows(providers: readonly ProviderSpec[] = PROVIDERS): string[] {
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(' | ')} |`;
  const cell = (key: keyof ProviderSpec['docs']['capabilities']) => providers.map((spec) => spec.docs.capabilities[key]);
  return [
    `| | ${providers.map((spec) => spec.title).join(' | ')} |`,
    row(
      '---',
      providers.map(() => '---'),
    ),
    row('catalog', cell('catalog')),
    row('quote', cell('quote')),
    row('wallet balance', cell('balance')),
    row('idempotent orders', cell('idempotency')),
    row(
      'extend an order',
      providers.map((spec) => lifecycleCell(spec, 'extend_order')),
    ),
    row(
      'add traffic',
      providers.map((spec) => lifecycleCell(spec, 'add_bandwidth')),
    ),
    row(
      'auto-renew switch',
      providers.map((spec) => lifecycleCell(spec, 'set_auto_renew')),
    ),
  ];
}

/** Replaces the lines between `<!-- name... -->` and `<!-- /name -->` with `make(the lines there now)`. */
function replaceBetween(text: string, name: string, make: (current: string[]) => string[]): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`<!-- ${name}:`));
  const end = lines.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no <!-- ${name}: --> … <!-- /${name} --> markers.`);
  return [...lines.slice(0, start + 1), ...make(lines.slice(start + 1, end)), ...lines.slice(end)].join('\n');
}

/** The README with its vendor tables written from the registry; the rest is kept as it is. */
export function readmeWithTables(readme: string, providers: readonly ProviderSpec[] = PROVIDERS): string {
  // A vendor row names its key and its base URL variable (also of a vendor no longer registered).
  const isVendorRow = (line: string) => /^\| `[A-Z0-9_]+`, `[A-Z0-9_]+_BASE_URL` \|/.test(line);
  let text = replaceBetween(readme, 'vendor-env', (current) => {
    // Header and separator, the vendor rows, then the shared rows as they are.
    const shared = current.slice(2).filter((line) => !isVendorRow(line));
    return ['| env | meaning | default |', '| --- | --- | --- |', ...envRows(providers), ...shared];
  });
  text = replaceBetween(text, 'vendor-tools', () => ['| tool | what it does |', '| --- | --- |', ...toolRows(providers)]);
  text = replaceBetween(text, 'vendor-capabilities', () => capabilityRows(providers));
  return text;
}
