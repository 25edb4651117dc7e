import { createRequire } from 'node:module';
import { environmentVariables } from './config.js';
import { PROVIDERS } from './providers/index.js';

// Everything a person installs proxycart from (registry entry, MCP bundle, client
// snippets) is generated here from one list of settings, so no file can name a variable
// the server does not read. `npm run manifests` writes them; a test checks they match.

interface PackageJson {
  name: string;
  version: string;
  mcpName: string;
  homepage: string;
  repository: { url: string };
  keywords: string[];
  license: string;
}

export const PACKAGE = createRequire(import.meta.url)('../package.json') as PackageJson;

const COUNTS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** 100 characters at most: the registry's limit. */
export const SHORT_DESCRIPTION = `Lets AI assistants buy proxies from ${COUNTS[PROVIDERS.length] ?? PROVIDERS.length} vendors; a person approves every order, within caps.`;

/** "A, B and C": the vendors as people write them. */
function vendorNames(): string {
  const titles = PROVIDERS.map((p) => p.title);
  return titles.length > 1 ? `${titles.slice(0, -1).join(', ')} and ${titles.at(-1)}` : (titles[0] ?? '');
}

/** package.json with the fields that name vendors (description, keywords) derived from the registry. */
function packageJson(): Record<string, unknown> {
  return {
    ...PACKAGE,
    description: `MCP server that lets AI assistants buy proxies from ${vendorNames()}, with a guard that never spends unapproved wallet money`,
    keywords: ['mcp', 'mcp-server', 'model-context-protocol', 'proxies', 'proxy', ...PROVIDERS.map((p) => p.id), 'ai-agents'],
  };
}

const ALL = environmentVariables(PROVIDERS);
const describe = (name: string) => ALL.find((v) => v.name === name)!;

/** What a client snippet asks for: every vendor key, the base URL of each vendor without a default one, the caps, how orders are confirmed. */
const ASKED = [
  ...PROVIDERS.map((p) => p.keyEnv),
  ...PROVIDERS.filter((p) => !p.defaultBaseUrl).map((p) => p.baseUrlEnv),
  'PROXYCART_MAX_ORDER_USD',
  'PROXYCART_DAILY_BUDGET_USD',
  'PROXYCART_CONFIRM',
  'PROXYCART_APPROVAL_PIN',
].map(describe);

/** The value a plain JSON snippet starts with: empty for what a person fills in (empty = unset). */
const DEFAULTS: Record<string, string> = { PROXYCART_MAX_ORDER_USD: '50', PROXYCART_DAILY_BUDGET_USD: '200', PROXYCART_CONFIRM: 'auto' };
const plainEnv = () => Object.fromEntries(ASKED.map((v) => [v.name, DEFAULTS[v.name] ?? '']));
const key = (name: string) => name.toLowerCase();
const NPX = { command: 'npx', args: ['-y', PACKAGE.name] };

export function serverJson(): Record<string, unknown> {
  return {
    $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
    name: PACKAGE.mcpName,
    description: SHORT_DESCRIPTION,
    repository: { url: PACKAGE.repository.url.replace(/^git\+/, '').replace(/\.git$/, ''), source: 'github' },
    websiteUrl: PACKAGE.homepage,
    version: PACKAGE.version,
    packages: [
      {
        registryType: 'npm',
        registryBaseUrl: 'https://registry.npmjs.org',
        identifier: PACKAGE.name,
        version: PACKAGE.version,
        runtimeHint: 'npx',
        transport: { type: 'stdio' },
        environmentVariables: ALL.map((v) => ({ name: v.name, description: v.description, isRequired: false, isSecret: v.secret, format: 'string' })),
      },
    ],
  };
}

export function mcpbManifest(): Record<string, unknown> {
  const numbers = new Set(['PROXYCART_MAX_ORDER_USD', 'PROXYCART_DAILY_BUDGET_USD']);
  return {
    manifest_version: '0.3',
    name: PACKAGE.name,
    display_name: 'proxycart',
    version: PACKAGE.version,
    description: SHORT_DESCRIPTION,
    long_description:
      'Typed tools per vendor (list offers, place order, order status, wallet balance). Every order is priced, checked against a per-order cap and a 24-hour budget, and approved by a person before any money moves. With no API key set, every vendor is a local simulator.',
    author: { name: 'proxycart contributors', url: PACKAGE.homepage },
    repository: { type: 'git', url: PACKAGE.repository.url.replace(/^git\+/, '') },
    homepage: PACKAGE.homepage,
    license: PACKAGE.license,
    keywords: PACKAGE.keywords,
    server: {
      type: 'node',
      entry_point: 'server/dist/cli.js',
      mcp_config: {
        command: 'node',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the MCP bundle's own placeholder, filled in by the client
        args: ['${__dirname}/server/dist/cli.js'],
        env: Object.fromEntries(ASKED.map((v) => [v.name, `\${user_config.${key(v.name)}}`])),
      },
    },
    tools_generated: true,
    compatibility: { runtimes: { node: '>=20.18.1' } },
    user_config: Object.fromEntries(
      ASKED.map((v) => {
        const entry: Record<string, unknown> = {
          type: numbers.has(v.name) ? 'number' : 'string',
          title: v.name,
          description: v.description,
          required: false,
        };
        if (v.secret) entry.sensitive = true;
        if (DEFAULTS[v.name]) entry.default = numbers.has(v.name) ? Number(DEFAULTS[v.name]) : DEFAULTS[v.name];
        if (numbers.has(v.name)) entry.min = 0;
        return [key(v.name), entry];
      }),
    ),
  };
}

export function clientConfigs(): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const server = { ...NPX, env: plainEnv() };
  const inputId = (name: string) => name.toLowerCase().replace(/_/g, '-');
  const cursorLink = `cursor://anysphere.cursor-deeplink/mcp/install?name=${PACKAGE.name}&config=${Buffer.from(JSON.stringify(server)).toString('base64')}`;
  const claudeCode = [
    '# Claude Code: add proxycart for your user (drop the -e lines you do not need; sandbox vendors when no key is set).',
    `claude mcp add ${PACKAGE.name} --scope user \\`,
    // Values come from the shell, so no key is written into shell history.
    ...ASKED.map((v) => `  -e ${v.name}=${DEFAULTS[v.name] ?? `"$${v.name}"`} \\`),
    `  -- ${NPX.command} ${NPX.args.join(' ')}`,
    '',
  ].join('\n');
  return {
    // claude_desktop_config.json
    'claude-desktop.json': json({ mcpServers: { [PACKAGE.name]: server } }),
    'claude-code.sh': claudeCode,
    // ~/.cursor/mcp.json or .cursor/mcp.json
    'cursor-mcp.json': json({ mcpServers: { [PACKAGE.name]: server } }),
    'cursor-deeplink.txt': `${cursorLink}\n`,
    // .vscode/mcp.json: VS Code asks for each input once and stores secrets encrypted.
    'vscode-mcp.json': json({
      inputs: ASKED.map((v) => ({
        type: 'promptString',
        id: inputId(v.name),
        description: `${v.name}: ${v.description}`,
        ...(v.secret ? { password: true } : { default: DEFAULTS[v.name] ?? '' }),
      })),
      servers: { [PACKAGE.name]: { type: 'stdio', ...NPX, env: Object.fromEntries(ASKED.map((v) => [v.name, `\${input:${inputId(v.name)}}`])) } },
    }),
    // Any other stdio client: a command, its arguments and the environment.
    'stdio.json': json({ name: PACKAGE.name, transport: 'stdio', ...server }),
  };
}

/** Every generated install file, path relative to the repository root → content. */
export function installFiles(): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: Record<string, string> = {
    'manifests/server.json': json(serverJson()),
    'manifests/mcpb/manifest.json': json(mcpbManifest()),
    'package.json': json(packageJson()),
  };
  for (const [name, content] of Object.entries(clientConfigs())) files[`manifests/clients/${name}`] = content;
  return files;
}
