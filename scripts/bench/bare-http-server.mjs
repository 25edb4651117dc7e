// The reference for the HTTP throughput benchmark: a bare SDK Streamable HTTP server with
// two tools, stateless as the SDK's own example (a fresh server and transport per POST),
// on node:http. Prints its URL on stdout.   node scripts/bench/bare-http-server.mjs [--json]
// --json: plain JSON answers instead of an SSE stream per POST (what proxycart does for
// calls that asked for no progress), so the comparison can be made against both.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function mcpServer() {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  return server;
}

const json = process.argv.includes('--json');
const http = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/mcp') return void res.writeHead(405).end();
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
});
// The same keep-alive as proxycart's node, so connections dropped between benchmark rounds
// (and their reconnects) do not count against either.
http.keepAliveTimeout = 65_000;
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${http.address().port}/mcp\n`);
});
process.on('SIGTERM', () => process.exit(0));
