// Size of the tools/list answer with every tool on (four sandbox vendors with their lifecycle
// tools, plus the three cross-vendor tools), as a client receives it, and of the vendor tools alone.
// Budget (design.md): every tool, lifecycle tools included, at most 16,500 bytes.
// Run after `npm run build`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const transport = new StdioClientTransport({
  command: process.execPath,
  args: ['dist/cli.js'],
  env: { PATH: process.env.PATH, PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' },
  stderr: 'ignore',
});
const client = new Client({ name: 'bench', version: '1' });
await client.connect(transport);
const result = await client.listTools();
const bytes = Buffer.byteLength(JSON.stringify(result));
const vendor = { ...result, tools: result.tools.filter((tool) => !tool.name.startsWith('proxycart_')) };
console.log(`tools/list: ${result.tools.length} tools, ${bytes} bytes (budget 16500)`);
console.log(`vendor tools alone: ${vendor.tools.length} tools, ${Buffer.byteLength(JSON.stringify(vendor))} bytes`);
for (const tool of result.tools) console.log(`  ${tool.name.padEnd(28)} ${Buffer.byteLength(JSON.stringify(tool))}`);
await client.close();
