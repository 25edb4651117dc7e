// Tool-call overhead: proxycart's <vendor>_wallet_balance (the example vendor, picked by
// capability in example-vendor.mjs) against (a) the same vendor request made directly and
// (b) a bare SDK server's tool call, each median of N calls after a warm-up. Budget (design.md): proxycart ≤ 1.15 × (vendor round trip + bare SDK
// call). Run after `npm run build`:  node scripts/bench/call-overhead.mjs [calls]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { request } from 'undici';

const calls = Number(process.argv[2] ?? 200);

import { startSandbox } from '../../dist/sandbox.js';
import { exampleVendor, recordVendorRequest } from './example-vendor.mjs';

const { spec } = await exampleVendor();
const TOOL = `${spec.id}_wallet_balance`;
const sandbox = await startSandbox([spec.id]);
const { baseUrl, simulator } = sandbox.vendors[spec.id];
// The simulated 100 requests/minute limit would answer most of these calls with 429.
simulator.state.rateLimitPerMinute = 0;

async function stdioClient(args, env) {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env: { PATH: process.env.PATH, ...env }, stderr: 'ignore' }));
  return client;
}

// The request proxycart sends the vendor for this tool, sent directly as the baseline.
const direct = await recordVendorRequest(spec, baseUrl, TOOL);
const bare = await stdioClient(['scripts/bench/bare-server.mjs'], {});
const proxycart = await stdioClient(['dist/cli.js'], {
  PROXYCART_SANDBOX: '1',
  PROXYCART_PROVIDERS: spec.id,
  [spec.baseUrlEnv]: baseUrl,
  PROXYCART_STORE: 'memory',
});
const subjects = {
  vendor: async () => {
    const res = await request(direct.url, { method: direct.method, headers: direct.headers });
    await res.body.json();
  },
  bare: () => bare.callTool({ name: 'echo', arguments: { text: 'hi' } }),
  proxycart: () => proxycart.callTool({ name: TOOL, arguments: {} }),
};
const samples = { vendor: [], bare: [], proxycart: [] };
for (const fn of Object.values(subjects)) for (let i = 0; i < 50; i++) await fn(); // warm-up
// Interleaved, so drifting machine load hits all three alike.
for (let i = 0; i < calls; i++) {
  for (const [name, fn] of Object.entries(subjects)) {
    const started = process.hrtime.bigint();
    await fn();
    samples[name].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const vendor = median(samples.vendor);
const bareCall = median(samples.bare);
const toolCall = median(samples.proxycart);

console.log(`vendor round trip (direct HTTP)   median ${vendor.toFixed(3)} ms`);
console.log(`bare SDK tool call (stdio)        median ${bareCall.toFixed(3)} ms`);
console.log(`${`${TOOL} (stdio)`.padEnd(33)} median ${toolCall.toFixed(3)} ms`);
console.log(`ratio proxycart / (vendor + bare): ${(toolCall / (vendor + bareCall)).toFixed(2)} (budget 1.15), ${calls} calls each`);
await bare.close();
await proxycart.close();
await sandbox.close();
const refused = simulator.log.filter((entry) => entry.status !== 200).length;
if (refused) console.log(`warning: ${refused} vendor requests were not answered 200`);
