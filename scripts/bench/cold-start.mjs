// Cold start: spawn → initialize → tools/list answered, median of N runs, for proxycart
// (all four vendors, sandbox mode) and for the bare SDK server (bare-server.mjs, on the SDK v2
// proxycart runs on). Budget (design.md): proxycart at most 0.65× the bare server. Run after `npm run build`:
//   node scripts/bench/cold-start.mjs [runs]
// "proxycart" starts as every start after the first does, with the V8 code cache the build (or
// the first serving start) left in dist/ (src/launch.ts); "proxycart, first start" removes the
// cache before each run, as after an install or a Node upgrade (that start writes it again).

import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const runs = Number(process.argv[2] ?? 15);

async function coldStart(args, env = {}) {
  const started = process.hrtime.bigint();
  const transport = new StdioClientTransport({ command: process.execPath, args, env: { PATH: process.env.PATH, ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  await client.listTools();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await client.close();
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const subjects = {
  'bare SDK server': ['scripts/bench/bare-server.mjs'],
  proxycart: ['dist/cli.js'],
  'proxycart, first start': ['dist/cli.js'],
};
const env = { PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory' };
const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
await coldStart(subjects.proxycart, env); // warm the file cache once
for (let i = 0; i < runs; i++) {
  // Interleaved, so drifting machine load hits both alike.
  for (const [name, args] of Object.entries(subjects)) {
    if (name === 'proxycart, first start') rmSync('dist/proxycart.code-cache', { force: true });
    results[name].push(await coldStart(args, env));
  }
}
for (const [name, values] of Object.entries(results)) {
  console.log(
    `${name.padEnd(22)} median ${median(values).toFixed(0)} ms  (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}, ${runs} runs)`,
  );
}
const bare = median(results['bare SDK server']);
console.log(`ratio proxycart / bare: ${(median(results.proxycart) / bare).toFixed(2)} (budget 0.65)`);
console.log(`ratio first start / bare: ${(median(results['proxycart, first start']) / bare).toFixed(2)}`);
