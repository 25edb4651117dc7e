// Ledger growth: quote, confirm and proxycart_orders with 1 and with N past orders (default
// 100,000, all older than 24 hours), on SQLite, Redis and Postgres, in one run. Budget
// (design.md): the grown books' median ≤ 1.5 × the empty ones', per backend and operation.
// Each size gets a fresh store, grown through the ledger module (ledger-seed.mjs), then a
// stdio server (token mode, the example vendor's simulator) timed over sequential calls.
// Run after `npm run build`:  node scripts/bench/ledger-growth.mjs [N] [calls per operation]
// Redis: redis-server on PATH. Postgres: PROXYCART_TEST_POSTGRES_URL, or Debian's postgresql.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startSandbox } from '../../dist/sandbox.js';
import { exampleVendor } from './example-vendor.mjs';
import { seedLedger } from './ledger-seed.mjs';
import { startServices } from './services.mjs';

const GROWN = Number(process.argv[2] ?? 100_000);
const CALLS = Number(process.argv[3] ?? 40);

const { spec, fixture } = await exampleVendor();
const PLACE = `${spec.id}_place_order`;
const sandbox = await startSandbox([spec.id]);
const { baseUrl, simulator } = sandbox.vendors[spec.id];
simulator.state.rateLimitPerMinute = 0;
simulator.state.balance = 1e9;
const services = await startServices();

async function time(call) {
  const started = process.hrtime.bigint();
  const result = await call();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function connect(storeUrl) {
  const client = new Client({ name: 'bench-ledger', version: '1' });
  const env = {
    PATH: process.env.PATH,
    PROXYCART_SANDBOX: '1',
    PROXYCART_PROVIDERS: spec.id,
    [spec.baseUrlEnv]: baseUrl,
    PROXYCART_STORE: storeUrl,
    PROXYCART_CONFIRM: 'token',
    PROXYCART_DAILY_BUDGET_USD: '1000000000',
    PROXYCART_MAX_ORDER_USD: '1000000',
    PROXYCART_CATALOG_TTL_S: '0',
    PROXYCART_LOG_LEVEL: 'warning',
  };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/cli.js'], env, stderr: 'ignore' }));
  return client;
}

/** One quote, its confirmation and a proxycart_orders call, each timed. */
async function round(client) {
  const quote = await time(() => client.callTool({ name: PLACE, arguments: fixture.order }));
  if (quote.result.isError) throw new Error(`quote failed: ${JSON.stringify(quote.result.content)}`);
  const token = quote.result.structuredContent.confirmation_token;
  const confirm = await time(() => client.callTool({ name: PLACE, arguments: { ...fixture.order, confirmation_token: token } }));
  if (confirm.result.structuredContent?.status !== 'placed') throw new Error(`confirm failed: ${JSON.stringify(confirm.result.content)}`);
  const orders = await time(() => client.callTool({ name: 'proxycart_orders', arguments: {} }));
  if (orders.result.isError) throw new Error(`orders failed: ${JSON.stringify(orders.result.content)}`);
  return { quote: quote.ms, confirm: confirm.ms, orders: orders.ms };
}

/** Both servers (empty and grown books) called in turn, so drifting machine load hits both alike. */
async function measure(urls) {
  const clients = await Promise.all(urls.map(connect));
  const times = urls.map(() => ({ quote: [], confirm: [], orders: [] }));
  try {
    for (let i = 0; i < CALLS + 5; i++) {
      for (const [at, client] of clients.entries()) {
        const took = await round(client);
        if (i < 5) continue; // warm-up: connections, the store's first open, JIT
        for (const op of Object.keys(took)) times[at][op].push(took[op]);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return times.map((t) => Object.fromEntries(Object.entries(t).map(([op, values]) => [op, median(values)])));
}

console.log(`${CALLS} sequential calls per operation (medians, ms), 1 vs ${GROWN.toLocaleString('en')} past orders older than 24 h\n`);
console.log('backend    operation   1 order   grown   ratio   (budget ≤ 1.50)');
const failures = [];
for (const backend of services.backends) {
  const urls = [await backend.freshStore(), await backend.freshStore()];
  await seedLedger(urls[0], 1, spec.id);
  const seeded = await seedLedger(urls[1], GROWN, spec.id);
  console.log(`${backend.name.padEnd(10)} (grown in ${seeded.toFixed(1)} s)`);
  const [empty, grown] = await measure(urls);
  const rows = { 1: empty, [GROWN]: grown };
  for (const op of ['quote', 'confirm', 'orders']) {
    const ratio = rows[GROWN][op] / rows[1][op];
    if (ratio > 1.5) failures.push(`${backend.name} ${op}`);
    console.log(
      `${backend.name.padEnd(10)} ${op.padEnd(10)} ${rows[1][op].toFixed(1).padStart(8)} ${rows[GROWN][op].toFixed(1).padStart(7)} ${ratio.toFixed(2).padStart(7)}`,
    );
  }
}
for (const skipped of services.missing) console.log(`${skipped}`);
console.log(failures.length ? `\nover budget: ${failures.join(', ')}` : '\nevery backend within budget');
await services.stop();
await sandbox.close();
process.exit(0);
