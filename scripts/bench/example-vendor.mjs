// The benchmarks' vendor, picked from the registry by capability as the tests pick theirs
// (test/example.ts): the first provider that reads a balance, prices an order and recovers a
// lost answer by replay. The registry is bundled from src/ next to the build (dist/), since
// the built CLI does not export it. Also: the exact request proxycart sends to that vendor
// for a tool call, recorded once, so a benchmark can send it directly as the baseline.
import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { request } from 'undici';
import { importSource } from './import-source.mjs';

export async function exampleVendor() {
  const { PROVIDERS } = await importSource('src/providers/index.ts', 'bench-registry');
  const spec = PROVIDERS.find((p) => p.capabilities.balance && p.capabilities.quote !== 'unknown' && p.capabilities.recover === 'replay');
  if (!spec) throw new Error('No registered provider reads a balance, prices orders and recovers by replay.');
  return { spec, fixture: await spec.fixture() };
}

/**
 * Calls `tool` once through a proxycart pointed at a recorder in front of `baseUrl`, and
 * returns the first request it sent the vendor (method, path, headers) as undici options.
 */
export async function recordVendorRequest(spec, baseUrl, tool, args = {}) {
  const seen = [];
  const recorder = createServer((req, res) => {
    seen.push({ method: req.method, path: req.url, headers: { ...req.headers } });
    request(new URL(baseUrl).origin + req.url, { method: req.method, headers: { ...req.headers, host: new URL(baseUrl).host } }).then(
      async (answer) => res.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(await answer.body.text()),
      () => res.writeHead(502).end(),
    );
  });
  await new Promise((done) => recorder.listen(0, '127.0.0.1', done));
  const recorded = `http://127.0.0.1:${recorder.address().port}${new URL(baseUrl).pathname}`;
  const client = new Client({ name: 'bench-recorder', version: '1' });
  const env = { PATH: process.env.PATH, PROXYCART_SANDBOX: '1', PROXYCART_PROVIDERS: spec.id, [spec.baseUrlEnv]: recorded, PROXYCART_STORE: 'memory' };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/cli.js'], env, stderr: 'ignore' }));
  try {
    await client.callTool({ name: tool, arguments: args });
  } finally {
    await client.close();
    recorder.close();
  }
  const first = seen[0];
  if (!first) throw new Error(`${tool} sent no request to the vendor.`);
  const { host, connection, 'content-length': _length, ...headers } = first.headers;
  const direct = { url: new URL(baseUrl).origin + first.path, method: first.method, headers };
  const check = await request(direct.url, { method: direct.method, headers });
  await check.body.dump();
  if (check.statusCode !== 200) throw new Error(`the recorded ${tool} request answers ${check.statusCode} when sent directly.`);
  return direct;
}
