// HTTP throughput: tools/call per second at 64 in flight, p50 and p99, for
//   bare   a bare SDK Streamable HTTP server's `echo` (scripts/bench/bare-http-server.mjs),
//          as the SDK's stateless example writes it (SSE answers), and with JSON answers
//   vendor the simulator's wallet-balance request made directly
//   proxycart  <vendor>_wallet_balance (the example vendor, example-vendor.mjs) through `proxycart serve --http` (memory store)
// and the budget (design.md): proxycart ≥ 0.8 × the rate of a call costing a bare call plus
// a vendor round trip, i.e. 1 / (1/bare + 1/vendor), with the faster of the two bare servers. Then confirm throughput on
// Redis and Postgres (two nodes, distinct tokens, 16 in flight) where their servers are installed (services.mjs).
// Run after `npm run build`:  node scripts/bench/http-throughput.mjs [seconds per round]
import { spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import { startSandbox } from '../../dist/sandbox.js';
import { exampleVendor, recordVendorRequest } from './example-vendor.mjs';
import { startServices } from './services.mjs';

const seconds = Number(process.argv[2] ?? 5);
const IN_FLIGHT = 64;
const dispatcher = new Agent({ connections: 256, pipelining: 1 });
const children = [];
const quotes = [];

const { spec, fixture } = await exampleVendor();
const TOOL = `${spec.id}_wallet_balance`;
const PLACE = `${spec.id}_place_order`;
const sandbox = await startSandbox([spec.id]);
const { baseUrl, simulator } = sandbox.vendors[spec.id];
simulator.state.rateLimitPerMinute = 0;
simulator.state.balance = 1e9;

function spawnUrl(args, env, pattern) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${seen}`)));
  });
}

let id = 0;
async function rpc(url, name, args = {}) {
  const res = await request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.includes('"result"') || text.includes('"isError":true'))
    throw new Error(`${name}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  const data = /^data: (.*)$/m.exec(text)?.[1] ?? text;
  return JSON.parse(data).result;
}

/** Runs `call` with `inFlight` workers for `ms`; returns calls per second and latencies. */
async function load(call, inFlight, ms) {
  const latencies = [];
  const end = Date.now() + ms;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        await call();
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: latencies.length / elapsed, latencies };
}

/** Runs `call` once per item with `inFlight` workers; returns calls per second and latencies. */
async function drain(items, inFlight, call) {
  const queue = [...items];
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
        const t = process.hrtime.bigint();
        await call(item);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { rate: latencies.length / (Number(process.hrtime.bigint() - started) / 1e9), latencies };
}

const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];
const fmt = (r) =>
  `${r.rate.toFixed(0).padStart(6)} calls/s   p50 ${pct(r.latencies, 50).toFixed(1).padStart(6)} ms   p99 ${pct(r.latencies, 99).toFixed(1).padStart(6)} ms`;

const bareUrl = await spawnUrl(['scripts/bench/bare-http-server.mjs'], {}, /(http:\/\/\S+\/mcp)/);
const bareJsonUrl = await spawnUrl(['scripts/bench/bare-http-server.mjs', '--json'], {}, /(http:\/\/\S+\/mcp)/);
const serveEnv = { PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: spec.id, [spec.baseUrlEnv]: baseUrl, PROXYCART_HTTP_PORT: '0', PROXYCART_LOG_LEVEL: 'warning' };
const proxycartUrl = await spawnUrl(
  ['dist/cli.js', 'serve', '--http'],
  { ...serveEnv, PROXYCART_STORE: 'memory', PROXYCART_LOG_LEVEL: 'info' },
  / at (http:\/\/\S+\/mcp)/,
);

// The request proxycart sends the vendor for this tool, sent directly as the baseline.
const direct = await recordVendorRequest(spec, baseUrl, TOOL);
const subjects = {
  bare: () => rpc(bareUrl, 'echo', { text: 'hi' }),
  bareJson: () => rpc(bareJsonUrl, 'echo', { text: 'hi' }),
  vendor: async () => {
    const res = await request(direct.url, { dispatcher, method: direct.method, headers: direct.headers });
    await res.body.json();
  },
  proxycart: () => rpc(proxycartUrl, TOOL),
};
for (const call of Object.values(subjects)) await load(call, IN_FLIGHT, 1_000); // warm-up
const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
// Three interleaved rounds, so drifting machine load hits every subject alike.
for (let round = 0; round < 3; round++) {
  for (const [name, call] of Object.entries(subjects)) results[name].push(await load(call, IN_FLIGHT, (seconds * 1000) / 3));
}
const merged = Object.fromEntries(
  Object.entries(results).map(([name, rounds]) => {
    const latencies = rounds.flatMap((r) => r.latencies);
    return [name, { rate: rounds.reduce((a, r) => a + r.rate, 0) / rounds.length, latencies }];
  }),
);
const reference = 1 / (1 / Math.max(merged.bare.rate, merged.bareJson.rate) + 1 / merged.vendor.rate);
console.log(`${IN_FLIGHT} in flight, ${seconds} s per subject (3 interleaved rounds)`);
console.log(`bare SDK HTTP echo (SSE)      ${fmt(merged.bare)}`);
console.log(`bare SDK HTTP echo (JSON)     ${fmt(merged.bareJson)}`);
console.log(`vendor round trip (direct)    ${fmt(merged.vendor)}`);
console.log(`${TOOL.padEnd(29)} ${fmt(merged.proxycart)}`);
console.log(`reference (bare + vendor)     ${reference.toFixed(0).padStart(6)} calls/s`);
console.log(`ratio proxycart / reference: ${(merged.proxycart.rate / reference).toFixed(2)} (budget ≥ 0.80)`);

// Confirm throughput on a shared store (Redis, Postgres): two nodes, ORDERS distinct approved
// quotes, 16 confirmations in flight spread over both. Budget (design.md): ≥ 100 confirms/s,
// and the last 10% of the run no slower than the first 10% (≤ 1.2×): the books grow as it runs.
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2000);
const services = await startServices();
for (const backend of services.backends.filter((b) => b.name !== 'sqlite')) {
  const store = await backend.freshStore();
  const nodeEnv = {
    ...serveEnv,
    PROXYCART_LOG_LEVEL: 'info',
    PROXYCART_STORE: store,
    PROXYCART_CONFIRM: 'token',
    PROXYCART_DAILY_BUDGET_USD: '1000000000',
    PROXYCART_MAX_ORDER_USD: '1000000',
  };
  const nodes = [
    await spawnUrl(['dist/cli.js', 'serve', '--http'], nodeEnv, / at (http:\/\/\S+\/mcp)/),
    await spawnUrl(['dist/cli.js', 'serve', '--http'], nodeEnv, / at (http:\/\/\S+\/mcp)/),
  ];
  const order = fixture.order;
  let turn = 0;
  const nextNode = () => nodes[turn++ % nodes.length];
  const quoteLoad = await drain(
    Array.from({ length: ORDERS }, (_, i) => i),
    16,
    async () => {
      quotes.push((await rpc(nextNode(), PLACE, order)).structuredContent.confirmation_token);
    },
  );
  const before = simulator.state.orders.size;
  // Each confirmation's time, in the order they were sent: the books grow as the run goes.
  const took = [];
  const confirmLoad = await drain(quotes.splice(0), 16, async (token) => {
    const started = performance.now();
    const result = await rpc(nextNode(), PLACE, { ...order, confirmation_token: token });
    if (result.structuredContent.status !== 'placed') throw new Error(`not placed: ${result.structuredContent.status}`);
    took.push(performance.now() - started);
  });
  // Mean time of a confirmation in the first and in the last tenth of the run.
  const tenth = Math.floor(took.length / 10);
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const first = mean(took.slice(0, tenth));
  const last = mean(took.slice(-tenth));
  console.log(`\n${backend.name} store, two nodes, 16 in flight, ${ORDERS} orders`);
  console.log(`quote (place_order, no token) ${fmt(quoteLoad)}`);
  console.log(`confirm (distinct tokens)     ${fmt(confirmLoad)}   (${simulator.state.orders.size - before} vendor orders for ${took.length} tokens)`);
  console.log(
    `a confirmation in the first tenth: ${first.toFixed(1)} ms, in the last: ${last.toFixed(1)} ms, ratio ${(last / first).toFixed(2)} (budget ≤ 1.20); rate budget ≥ 100/s`,
  );
}
for (const skipped of services.missing) console.log(skipped);
await services.stop();
for (const child of children) child.kill('SIGTERM');
await sandbox.close();
await dispatcher.close();
process.exit(0);
