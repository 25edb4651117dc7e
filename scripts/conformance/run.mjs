// `npm run conformance`: the official MCP conformance suite against proxycart (sandbox
// vendors, memory store) through the stdio bridge. Scenarios that need the reference
// server's fixture tools are listed, with reasons, in expected-failures.yml; the run fails
// on any other failure, and on an expected failure that now passes (the list must shrink).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startBridge } from './stdio-bridge.mjs';

const ROOT = join(import.meta.dirname, '../..');
const bridge = await startBridge({ PROXYCART_SANDBOX: '1', PROXYCART_STORE: 'memory', PROXYCART_PROVIDERS: 'proxyjam' });
const node = Number(process.versions.node.split('.')[0]);
const args = [
  ...(node < 22 ? ['--import', join(import.meta.dirname, 'register-fs-shim.mjs')] : []),
  join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
  'server',
  '--url',
  bridge.url,
  '--expected-failures',
  join(import.meta.dirname, 'expected-failures.yml'),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await bridge.close();
process.exit(code);
