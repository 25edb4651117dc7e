// The conformance baseline: a bare server on the SDK proxycart runs on, with two tools and
// no fixtures, serving both protocol eras over Streamable HTTP at /mcp on loopback, the way
// the SDK's docs write one (McpServer + zod, createMcpHandler, toNodeHandler on node:http).
// Every scenario this passes and proxycart does not fails `npm run conformance` (run.mjs).
// Prints its URL on stdout.   node scripts/conformance/bare-server.mjs
import { createServer } from 'node:http';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echo the text back', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    server.registerTool('add', { description: 'Add two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
    }));
    return server;
  }),
);
const hostAllowed = localhostHostValidation();
const originAllowed = localhostOriginValidation();
const http = createServer((req, res) => {
  if ((req.url ?? '').split('?')[0] !== '/mcp') return void res.writeHead(404).end();
  // The SDK's own DNS-rebinding guards, as its docs put them in front of a loopback server.
  if (!hostAllowed(req, res) || !originAllowed(req, res)) return;
  void handler(req, res);
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${http.address().port}/mcp\n`));
process.on('SIGTERM', () => process.exit(0));
