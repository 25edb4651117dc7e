// The reference for the HTTP throughput benchmark and the conformance baseline (a scenario it
// passes and proxycart does not fails `npm run conformance`): a bare SDK v2 Streamable HTTP
// server with two tools and no fixtures, serving both protocol eras at /mcp, written as the SDK's "Serve over HTTP" guide writes one (docs/serving/http.md):
// createMcpHandler with a factory that builds a fresh McpServer per request (stateless, no
// session id), mounted on node:http with toNodeHandler behind the localhost Host and Origin
// guards, bound to loopback. Prints its URL on stdout.   node scripts/bench/bare-http-server.mjs
//
// Answer shapes, as the SDK gives them with its defaults (the same as proxycart's):
//   2026-07-28 requests: one JSON body (responseMode 'auto'; an SSE stream only when the tool
//     sends a notification before its result, which echo and add never do);
//   2025-era requests: always an SSE stream (the stateless legacy fallback builds its
//     transport with only `sessionIdGenerator: undefined`; createMcpHandler has no JSON option
//     for that era, and responseMode applies to 2026-07-28 exchanges only). So there is no
//     --json variant any more: the v1 one (enableJsonResponse) has no v2 counterpart here.
import { createServer } from 'node:http';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echo the text back', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    server.registerTool('add', { description: 'Add two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
    }));
    return server;
  },
  { legacy: 'stateless' }, // the default, spelt out as proxycart spells it
);

const nodeHandler = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
const http = createServer((req, res) => {
  if ((req.url ?? '').split('?')[0] !== '/mcp') return void res.writeHead(404).end();
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  void nodeHandler(req, res);
});
// The same keep-alive as proxycart's node, so connections dropped between benchmark rounds
// (and their reconnects) do not count against either.
http.keepAliveTimeout = 65_000;
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${http.address().port}/mcp\n`);
});
process.on('SIGTERM', () => process.exit(0));
