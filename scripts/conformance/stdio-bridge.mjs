// Streamable HTTP in front of the stdio server, for the conformance suite (it tests servers
// over HTTP only) until proxycart serves HTTP itself. One child `dist/cli.js` per MCP
// session; JSON-RPC messages are passed through unchanged in both directions.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const CLI = join(import.meta.dirname, '../../dist/cli.js');

/**
 * Starts the bridge on loopback. `env` is the server's environment. Resolves with the
 * MCP URL and a close function.
 */
export async function startBridge(env, port = 0) {
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    if (new URL(req.url, 'http://x').pathname !== '/mcp') return void res.writeHead(404).end();
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    }
    const id = req.headers['mcp-session-id'];
    let session = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!session) {
      if (id !== undefined || req.method !== 'POST' || body?.method !== 'initialize') {
        return void res.writeHead(id === undefined ? 400 : 404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"No valid session"}}');
      }
      session = await open(env, address, sessions);
    }
    await session.http.handleRequest(req, res, body);
  });
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = `127.0.0.1:${http.address().port}`;
  return {
    url: `http://${address}/mcp`,
    async close() {
      for (const session of sessions.values()) await session.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

async function open(env, address, sessions) {
  const inFlight = new Set();
  const child = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { PATH: process.env.PATH ?? '', ...env }, stderr: 'ignore' });
  const http = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => sessions.set(id, session),
    enableDnsRebindingProtection: true,
    allowedHosts: [address, address.replace('127.0.0.1', 'localhost')],
  });
  http.onmessage = (message) => {
    if ('id' in message && 'method' in message) inFlight.add(message.id);
    child.send(message).catch(() => undefined);
  };
  child.onmessage = (message) => {
    const isResponse = 'id' in message && !('method' in message);
    if (isResponse) inFlight.delete(message.id);
    // A notification or request sent while exactly one client request is open belongs to
    // it (progress, logging during a call); otherwise it goes to the standalone stream.
    const related = isResponse ? undefined : inFlight.size === 1 ? [...inFlight][0] : undefined;
    http.send(message, related === undefined ? undefined : { relatedRequestId: related }).catch(() => undefined);
  };
  const session = {
    http,
    async close() {
      await child.close().catch(() => undefined);
      await http.close().catch(() => undefined);
    },
  };
  http.onclose = () => {
    if (http.sessionId) sessions.delete(http.sessionId);
    child.close().catch(() => undefined);
  };
  await child.start();
  return session;
}
