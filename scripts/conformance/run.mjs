// The official MCP conformance suite (server mode), both requirement sets (2025-11-25 and
// 2026-07-28), against `proxycart serve --http` (loopback, sandbox vendors) and against a bare
// SDK server with two tools and no fixtures (scripts/bench/bare-http-server.mjs, the HTTP
// benchmark's reference too), one after the other. It fails on
//   - a scenario the bare server passes and proxycart does not;
//   - a scenario proxycart fails that expected-failures.yml does not list, with its reason,
//     under that requirement set (the fixture-only scenarios: the reference "everything"
//     server's tools, prompts and resources, which neither server has);
//   - a listed scenario that proxycart now passes (the list must say what is true).
// `npm run conformance` (builds first), or after a build:
//   node scripts/conformance/run.mjs [2025-11-25|2026-07-28]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const SETS = ['2025-11-25', '2026-07-28'].filter((set) => process.argv.length < 3 || process.argv.includes(set));
const home = mkdtempSync(join(tmpdir(), 'proxycart-conformance-'));

/** Starts a server process and resolves with the /mcp URL it reports. */
function start(args, env, stream, pattern) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise((resolve, reject) => {
    let seen = '';
    child[stream].on('data', (chunk) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${seen}`)));
  });
  return { child, url };
}

/** Runs one requirement set against one URL; returns scenario name → passed. */
async function suite(url, set) {
  const args = [
    '--import',
    join(import.meta.dirname, 'globsync-hook.mjs'),
    join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
    'server',
    '--url',
    url,
    '--requirements',
    set,
  ];
  const run = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: home });
  let out = '';
  run.stdout.on('data', (chunk) => {
    out += chunk.toString();
  });
  await new Promise((resolve) => run.on('exit', resolve));
  const summary = out.slice(out.indexOf('=== SUMMARY ==='));
  const results = new Map();
  for (const [, mark, name] of summary.matchAll(/^([✓✗]) ([a-z0-9-]+): \d+ passed, \d+ failed$/gm)) results.set(name, mark === '✓');
  if (results.size === 0) throw new Error(`no conformance summary for ${url} (${set}):\n${out.slice(-2000)}`);
  return results;
}

/** expected-failures.yml: per requirement set, `- scenario  # reason`. */
function expectedFailures() {
  const lists = new Map();
  let current;
  for (const line of readFileSync(join(import.meta.dirname, 'expected-failures.yml'), 'utf8').split('\n')) {
    const header = /^'?([0-9-]+)'?:\s*$/.exec(line);
    if (header) {
      current = header[1];
      lists.set(current, new Map());
    }
    const item = /^\s+- ([a-z0-9-]+)\s+# (\S.*)$/.exec(line);
    if (item && current) lists.get(current).set(item[1], item[2]);
  }
  return lists;
}

const proxycart = start(
  [join(root, 'dist/cli.js'), 'serve', '--http'],
  {
    HOME: home,
    PROXYCART_HOME: home,
    PROXYCART_SANDBOX: '1',
    PROXYCART_STORE: 'memory',
    PROXYCART_HTTP_PORT: '0',
    PROXYCART_OPEN_BROWSER: 'never',
  },
  'stderr',
  / at (http:\/\/\S+\/mcp)/,
);
const bare = start([join(import.meta.dirname, '../bench/bare-http-server.mjs')], {}, 'stdout', /(http:\/\/\S+\/mcp)/);
const problems = [];
try {
  const urls = { proxycart: await proxycart.url, bare: await bare.url };
  const expected = expectedFailures();
  for (const set of SETS) {
    const ours = await suite(urls.proxycart, set);
    const theirs = await suite(urls.bare, set);
    const listed = expected.get(set) ?? new Map();
    const passed = (results) => [...results.values()].filter(Boolean).length;
    console.log(`\n${set}: proxycart passes ${passed(ours)} of ${ours.size} scenarios, the bare SDK server ${passed(theirs)} of ${theirs.size}`);
    console.log(
      `  passed: ${[...ours]
        .filter(([, ok]) => ok)
        .map(([name]) => name)
        .join(', ')}`,
    );
    for (const [name, ok] of ours) {
      if (!ok && theirs.get(name)) problems.push(`${set} ${name}: the bare SDK server passes it, proxycart does not`);
      else if (!ok && !listed.has(name)) problems.push(`${set} ${name}: fails and is not in expected-failures.yml`);
      else if (ok && listed.has(name)) problems.push(`${set} ${name}: passes now; take it out of expected-failures.yml`);
    }
    for (const [name, why] of listed) if (!ours.has(name)) problems.push(`${set} ${name}: listed (${why}) but not run`);
    const fixtureOnly = [...listed].filter(([name]) => ours.get(name) === false);
    console.log(`  expected failures (${fixtureOnly.length}):`);
    for (const [name, why] of fixtureOnly) console.log(`    ${name}: ${why}`);
  }
} finally {
  proxycart.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
}
if (problems.length) {
  console.log(`\nconformance: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\nconformance: proxycart passes every scenario the bare SDK server passes; all its other failures are listed');
