// Size of the tools/list answer with all four vendors (sandbox mode), as a client receives it.
// Budget (design.md): at most 12,000 bytes. Run after `npm run build`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const transport = new StdioClientTransport({
  command: process.execPath,
  args: ['dist/cli.js'],
  env: { PATH: process.env.PATH, PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' },
});
const client = new Client({ name: 'bench', version: '1' });
await client.connect(transport);
const result = await client.listTools();
const bytes = Buffer.byteLength(JSON.stringify(result));
console.log(`tools/list: ${result.tools.length} tools, ${bytes} bytes (budget 12000)`);
for (const tool of result.tools) console.log(`  ${tool.name.padEnd(28)} ${Buffer.byteLength(JSON.stringify(tool))}`);
await client.close();
