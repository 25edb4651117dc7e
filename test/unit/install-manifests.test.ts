import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { environmentVariables } from '../../src/config.js';
import { installFiles } from '../../src/install-manifests.js';
import { PROVIDERS } from '../../src/providers/index.js';

// The registry entry, the MCP bundle manifest and the client snippets are generated from
// the config schema (`npm run manifests`); these tests hold the committed files to that,
// to the formats each consumer reads, and to the variables the server really reads.

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const json = (file: string) => JSON.parse(read(file)) as Record<string, any>;
const pkg = json('package.json');
const VARS = environmentVariables(PROVIDERS);
const REAL = new Set(VARS.map((v) => v.name));
const SECRET = new Set(VARS.filter((v) => v.secret).map((v) => v.name));

describe('install manifests', () => {
  it.each(Object.keys(installFiles()))('%s matches what the code generates', (file) => {
    expect(read(file), 'run `npm run manifests` and commit the result').toBe(installFiles()[file]);
  });

  it('server.json has what the 2025-12-11 registry schema requires, in step with package.json', () => {
    const server = json('manifests/server.json');
    expect(server.$schema).toBe('https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json');
    // name: reverse-DNS namespace, one slash, 3..200 characters; the npm package proves ownership with mcpName.
    expect(server.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(server.name).toBe(pkg.mcpName);
    expect(server.description.length).toBeGreaterThan(0);
    expect(server.description.length).toBeLessThanOrEqual(100);
    expect(server.version).toBe(pkg.version);
    expect(server.repository).toEqual({ url: 'https://github.com/proxycart/proxycart', source: 'github' });
    expect(server.packages).toHaveLength(1);
    const npm = server.packages[0];
    expect(npm).toMatchObject({ registryType: 'npm', identifier: pkg.name, version: pkg.version, transport: { type: 'stdio' } });
    const allowed = [
      'registryType',
      'registryBaseUrl',
      'identifier',
      'version',
      'fileSha256',
      'runtimeHint',
      'transport',
      'runtimeArguments',
      'packageArguments',
      'environmentVariables',
    ];
    for (const field of Object.keys(npm)) expect(allowed).toContain(field);
    for (const variable of npm.environmentVariables) {
      expect(REAL.has(variable.name), variable.name).toBe(true);
      expect(variable.isSecret, variable.name).toBe(SECRET.has(variable.name));
      expect(typeof variable.description).toBe('string');
    }
    expect(npm.environmentVariables.map((v: { name: string }) => v.name).sort()).toEqual([...REAL].sort());
  });

  it('the MCP bundle manifest passes `mcpb validate`, asks for every key as sensitive and maps each setting to a real variable', async () => {
    const manifest = json('manifests/mcpb/manifest.json');
    expect(manifest.version).toBe(pkg.version);
    const env = manifest.server.mcp_config.env as Record<string, string>;
    for (const [name, value] of Object.entries(env)) {
      expect(REAL.has(name), name).toBe(true);
      const ref = value.match(/^\$\{user_config\.([a-z_]+)\}$/)?.[1];
      expect(ref, `${name} comes from user_config`).toBeDefined();
      const entry = manifest.user_config[ref!];
      expect(entry, ref).toBeDefined();
      expect(entry.sensitive === true, `${ref} sensitive`).toBe(SECRET.has(name));
    }
    for (const spec of PROVIDERS) expect(env).toHaveProperty(spec.keyEnv);
    const noDefault = PROVIDERS.filter((spec) => !spec.defaultBaseUrl);
    expect(noDefault.length).toBeGreaterThan(0);
    for (const spec of noDefault) expect(env).toHaveProperty(spec.baseUrlEnv);
    for (const name of ['PROXYCART_MAX_ORDER_USD', 'PROXYCART_DAILY_BUDGET_USD', 'PROXYCART_CONFIRM', 'PROXYCART_APPROVAL_PIN'])
      expect(env).toHaveProperty(name);
    const cli = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'validate', join(ROOT, 'manifests/mcpb/manifest.json')]);
    expect(stdout).toContain('passes');
  });

  it('every client snippet parses and names only real variables, secrets as secrets', () => {
    const desktop = json('manifests/clients/claude-desktop.json');
    const cursor = json('manifests/clients/cursor-mcp.json');
    const stdio = json('manifests/clients/stdio.json');
    for (const server of [desktop.mcpServers.proxycart, cursor.mcpServers.proxycart, stdio]) {
      expect(server.command).toBe('npx');
      expect(server.args).toEqual(['-y', pkg.name]);
      for (const [name, value] of Object.entries(server.env as Record<string, string>)) {
        expect(REAL.has(name), name).toBe(true);
        // A secret is never pre-filled: an empty value is the same as unset.
        if (SECRET.has(name)) expect(value).toBe('');
      }
    }
    // The deeplink carries the same server entry as cursor-mcp.json.
    const link = new URL(read('manifests/clients/cursor-deeplink.txt').trim());
    expect(link.protocol).toBe('cursor:');
    expect(link.searchParams.get('name')).toBe('proxycart');
    expect(JSON.parse(Buffer.from(link.searchParams.get('config')!, 'base64').toString('utf8'))).toEqual(cursor.mcpServers.proxycart);

    const vscode = json('manifests/clients/vscode-mcp.json');
    const inputs = new Map<string, any>(vscode.inputs.map((input: { id: string }) => [input.id, input]));
    const server = vscode.servers.proxycart;
    expect(server).toMatchObject({ type: 'stdio', command: 'npx', args: ['-y', pkg.name] });
    for (const [name, value] of Object.entries(server.env as Record<string, string>)) {
      expect(REAL.has(name), name).toBe(true);
      const input = inputs.get(value.match(/^\$\{input:([a-z-]+)\}$/)?.[1] ?? '');
      expect(input, `${name} input`).toBeDefined();
      expect(input.type).toBe('promptString');
      expect(input.password === true, `${name} password`).toBe(SECRET.has(name));
    }

    const shell = read('manifests/clients/claude-code.sh');
    const command = shell
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(command).toMatch(/^claude mcp add proxycart /);
    expect(command.trim().endsWith('-- npx -y proxycart')).toBe(true);
    for (const [, name, value] of command.matchAll(/-e ([A-Z_]+)=(\S+)/g)) {
      expect(REAL.has(name!), name).toBe(true);
      if (SECRET.has(name!)) expect(value).toBe(`"$${name}"`);
    }
  });
});
