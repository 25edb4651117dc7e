// Catalog cache: 50 concurrent <vendor>_list_offers calls (the example vendor, picked by
// capability in example-vendor.mjs) through the built server over
// stdio, counted in the simulator's request log (expected: 1 vendor request), then the
// median latency of a cached list_offers call against an uncached one (a second server
// with PROXYCART_CATALOG_TTL_S=0). Run after `npm run build`:
//   node scripts/bench/catalog-cache.mjs [calls]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startSandbox } from '../../dist/sandbox.js';
import { exampleVendor } from './example-vendor.mjs';

const calls = Number(process.argv[2] ?? 100);
const { spec, fixture } = await exampleVendor();
const TOOL = `${spec.id}_list_offers`;
const sandbox = await startSandbox([spec.id]);
const { baseUrl, simulator } = sandbox.vendors[spec.id];
simulator.state.rateLimitPerMinute = 0;

async function server(ttlSeconds) {
  const client = new Client({ name: 'bench', version: '1' });
  const env = {
    PATH: process.env.PATH,
    PROXYCART_SANDBOX: '1',
    PROXYCART_PROVIDERS: spec.id,
    [spec.baseUrlEnv]: baseUrl,
    PROXYCART_STORE: 'memory',
    PROXYCART_CATALOG_TTL_S: String(ttlSeconds),
  };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/cli.js'], env, stderr: 'ignore' }));
  return client;
}

// Vendor reads (every request but money calls) stand for catalog requests: list_offers sends no other.
const catalogRequests = () => simulator.log.filter((entry) => entry.method === 'GET' && !entry.money).length;
const list = (client) => client.callTool({ name: TOOL, arguments: fixture.listInput });

const cached = await server(60);
const before = catalogRequests();
const results = await Promise.all(Array.from({ length: 50 }, () => list(cached)));
const failed = results.filter((r) => r.isError).length;
console.log(`50 concurrent ${TOOL} → ${catalogRequests() - before} vendor catalog request(s)${failed ? `, ${failed} failed` : ''}`);

const uncached = await server(0);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const samples = { cached: [], uncached: [] };
for (let i = 0; i < 20; i++) await list(uncached); // warm-up
for (let i = 0; i < calls; i++) {
  for (const [name, client] of [
    ['cached', cached],
    ['uncached', uncached],
  ]) {
    const started = process.hrtime.bigint();
    await list(client);
    samples[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
console.log(`list_offers, cached (TTL 60 s)     median ${median(samples.cached).toFixed(3)} ms`);
console.log(`list_offers, uncached (TTL 0)      median ${median(samples.uncached).toFixed(3)} ms  (${calls} calls each, interleaved)`);
await cached.close();
await uncached.close();
await sandbox.close();
