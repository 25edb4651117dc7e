import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI, tempDir, textOf } from './harness.js';

// HTTP-mode end-to-end helpers: `proxycart serve --http` as child processes, an SDK client
// that can spread its requests over several nodes, and a real redis-server of the test's own.

export interface HttpNodeProcess {
  url: string;
  origin: string;
  proc: ChildProcess;
  stderr: string[];
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

export async function startNode(env: Record<string, string>, args: string[] = []): Promise<HttpNodeProcess> {
  const home = env.PROXYCART_HOME ?? tempDir('http-home');
  const proc = spawn(process.execPath, [CLI, 'serve', '--http', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: home, PROXYCART_HOME: home, PROXYCART_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let partial = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        stderr.push(line);
        const found = / at (http:\/\/\S+\/mcp)/.exec(line);
        if (found) resolve(found[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr.join('\n')}`)));
  });
  return { url, origin: new URL(url).origin, proc, stderr, exited, kill: (signal) => proc.kill(signal) };
}

export interface HttpSession {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  ok(name: string, args?: Record<string, unknown>): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** One SDK client whose every HTTP request goes to the next of `urls` in turn. */
export async function connectHttp(urls: string[], token?: string): Promise<HttpSession> {
  let next = 0;
  const rotating: typeof fetch = (input, init) => {
    const target = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const node = new URL(urls[next++ % urls.length]!);
    target.host = node.host;
    return fetch(target, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(urls[0]!), {
    fetch: rotating,
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  const client = new Client({ name: 'proxycart-http-e2e', version: '1.0.0' });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
  return {
    client,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as Record<string, any>;
    },
    close: () => client.close(),
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, without persistence unless `persistence`
 * gives other flags (its files go to a temporary folder); stop() kills it, start() brings it back.
 */
export async function redisServer(persistence = ['--save', '', '--appendonly', 'no']): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('redis');
  let proc: ChildProcess | undefined;
  const redis: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        proc!.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('Ready to accept connections')) resolve();
        });
        proc!.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
      });
    },
    async stop() {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((resolve) => proc!.on('exit', resolve));
      proc.kill('SIGKILL');
      await gone;
    },
  };
  await redis.start();
  return redis;
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ModernToolCall {
  name: string;
  arguments?: Record<string, unknown>;
  bearer?: string;
  /** The client capabilities its envelope declares. */
  capabilities?: Record<string, unknown>;
  /** More `_meta` envelope keys (a log level). */
  meta?: Record<string, unknown>;
  /** More params beside name, arguments and `_meta` (inputResponses, requestState). */
  params?: Record<string, unknown>;
}

/**
 * One raw 2026-07-28 tools/call over HTTP, as a client of that era sends it (the envelope in
 * `_meta`, the standard headers): every message of its response in order (notifications,
 * then the response), and the response's headers.
 */
export async function modernToolCall(url: string, call: ModernToolCall): Promise<{ messages: Array<Record<string, any>>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': call.name,
      ...(call.bearer ? { authorization: `Bearer ${call.bearer}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: call.name,
        arguments: call.arguments ?? {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': call.capabilities ?? {},
          ...call.meta,
        },
        ...call.params,
      },
    }),
  });
  const text = await res.text();
  const messages = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!))
    : [JSON.parse(text)];
  return { messages, headers: res.headers };
}
