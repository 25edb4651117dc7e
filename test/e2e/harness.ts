import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { PROVIDERS } from '../../src/providers/index.js';
import type { ProviderId } from '../../src/providers/types.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

// End-to-end tests run the built server (dist/cli.js) as a child process, driven by the
// SDK client over stdio, against simulators running in the test process over real HTTP.

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** The complete lines a child's stream has written so far (kept up to date as it writes). */
export function stderrLines(stream: import('node:stream').Stream | null | undefined): string[] {
  const lines: string[] = [];
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  return lines;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `proxycart-${label}-`));
}

export async function startVendors(ids: readonly ProviderId[] = PROVIDERS.map((p) => p.id)): Promise<Sandbox> {
  return startSandbox(ids);
}

/** The environment that points a server at the test's simulators. */
export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  // Token mode (the model confirms within the caps) unless a test asks for a person's
  // channel; never a real browser window; no catalog cache unless a test asks for it (fault
  // tests expect every read to reach the vendor).
  const env: Record<string, string> = {
    PROXYCART_SANDBOX: '1',
    PROXYCART_LOG_LEVEL: 'debug',
    PROXYCART_TIMEOUT_S: '3',
    PROXYCART_CONFIRM: 'token',
    PROXYCART_OPEN_BROWSER: 'never',
    PROXYCART_CATALOG_TTL_S: '0',
  };
  for (const spec of PROVIDERS) {
    const vendor = sandbox.vendors[spec.id];
    if (vendor) env[spec.baseUrlEnv] = vendor.baseUrl;
  }
  if (!extra.PROXYCART_PROVIDERS) env.PROXYCART_PROVIDERS = Object.keys(sandbox.vendors).join(',');
  return { ...env, ...extra };
}

export interface Session {
  client: Client;
  /** Every line the server wrote to stderr. */
  stderr: string[];
  /** Every tool result text this session received. */
  transcript: string[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool and returns its structuredContent, failing on an error result. */
  ok(name: string, args?: Record<string, unknown>): Promise<Record<string, any>>;
  pid: number | null;
  close(): Promise<void>;
}

export interface SessionOptions {
  env: Record<string, string>;
  /** Declare form elicitation and answer every form with this. */
  elicit?: (message: string) => Promise<ElicitResult> | ElicitResult;
  /** Run the server as another user (the tests run as root in CI, where file permissions do not bind). */
  runAs?: { uid: number; gid: number };
  /** Another build of the server to run (default: this checkout's dist/cli.js). */
  cli?: string;
}

export async function connect(options: SessionOptions): Promise<Session> {
  const home = options.env.PROXYCART_HOME ?? tempDir('home');
  const cli = options.cli ?? CLI;
  const command = options.runAs
    ? { command: 'setpriv', args: [`--reuid=${options.runAs.uid}`, `--regid=${options.runAs.gid}`, '--clear-groups', process.execPath, cli] }
    : { command: process.execPath, args: [cli] };
  const transport = new StdioClientTransport({
    ...command,
    env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, ...options.env },
    stderr: 'pipe',
  });
  const stderr = stderrLines(transport.stderr);
  const client = new Client({ name: 'proxycart-e2e', version: '1.0.0' }, { capabilities: options.elicit ? { elicitation: { form: {} } } : {} });
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => answer(String(request.params.message)));
  }
  await client.connect(transport);
  const transcript: string[] = [];
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
    for (const part of result.content) if (part.type === 'text') transcript.push(part.text);
    return result;
  };
  return {
    client,
    stderr,
    transcript,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as Record<string, any>;
    },
    pid: transport.pid,
    async close() {
      await client.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}
