// The proof that a fifth vendor is one folder, its simulator and its entry in the registry
// (issue 8): an import line and its name in the PROVIDERS list.
// Copies the repository (git ls-files; node_modules symlinked) to a temp dir, places the
// throwaway vendor kept in test/fifth-vendor/ (src/providers/acmeproxy/ and
// src/sandbox/acmeproxy.ts), adds its import and its name to src/providers/index.ts, builds, and runs the
// contract suite, the fault matrix and the secrets scan filtered to the new id. It fails
// unless tests named with the new id ran and passed in each of the three files.
//
//   node scripts/fifth-vendor.mjs [--keep]
//
// The last line of stdout is `fifth-vendor: <JSON summary>`; the exit code is 0 only on success.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ID = 'acmeproxy';
const FILES = ['test/contract/providers.test.ts', 'test/reliability/fault-matrix.test.ts', 'test/e2e/secrets.test.ts'];
const REGISTRY = 'src/providers/index.ts';
const REGISTRY_IMPORT = `import { provider as ${ID} } from './${ID}/index.js';`;

const repo = realpathSync(join(import.meta.dirname, '..'));
const keep = process.argv.includes('--keep');
const say = (line) => process.stderr.write(`[fifth-vendor] ${line}\n`);

class Refusal extends Error {}
function fail(reason) {
  throw new Refusal(reason);
}

/** Lines added and removed between two versions of a file (as a multiset: order-insensitive, enough for an insertion). */
function lineChanges(before, after) {
  const count = (lines) => lines.reduce((map, line) => map.set(line, (map.get(line) ?? 0) + 1), new Map());
  const [a, b] = [count(before), count(after)];
  let added = 0;
  let removed = 0;
  for (const line of new Set([...before, ...after])) {
    const diff = (b.get(line) ?? 0) - (a.get(line) ?? 0);
    if (diff > 0) added += diff;
    else removed -= diff;
  }
  return { added, removed };
}

// 1. A copy of the repository as git knows it (tracked and new, not ignored, files).
const work = mkdtempSync(join(tmpdir(), 'proxycart-fifth-vendor-'));
say(`copy in ${work}`);
const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  cwd: repo,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
})
  .split('\0')
  .filter((file) => file && file !== 'node_modules' && !file.startsWith('node_modules/'));
for (const file of listed) {
  const from = join(repo, file);
  if (!existsSync(from)) continue; // deleted in the working tree
  mkdirSync(dirname(join(work, file)), { recursive: true });
  cpSync(from, join(work, file));
}
symlinkSync(realpathSync(join(repo, 'node_modules')), join(work, 'node_modules'), 'dir');

let summary;
try {
  // 2. The vendor folder and its simulator, exactly where the other vendors keep theirs.
  const kept = join(repo, 'test/fifth-vendor/src');
  if (existsSync(join(work, 'src/providers', ID))) fail(`src/providers/${ID} exists already`);
  cpSync(join(kept, 'providers', ID), join(work, 'src/providers', ID), { recursive: true });
  cpSync(join(kept, 'sandbox', `${ID}.ts`), join(work, 'src/sandbox', `${ID}.ts`));

  // 3. The registry: the vendor's import after the others, its name at the end of PROVIDERS; nothing else changes.
  const before = readFileSync(join(work, REGISTRY), 'utf8').split('\n');
  const lastImport = before.findLastIndex((line) => /^import \{ provider as [a-z0-9]+ \} from '\.\/[a-z0-9-]+\/index\.js';$/.test(line));
  const list = before.findIndex((line) => /^export const PROVIDERS: readonly ProviderSpec\[\] = \[[a-z0-9, ]+\];$/.test(line));
  if (lastImport < 0 || list < 0) fail(`${REGISTRY}: no provider imports and PROVIDERS list on one line to extend`);
  const after = [...before];
  after[list] = after[list].replace(/\];$/, `, ${ID}];`);
  after.splice(lastImport + 1, 0, REGISTRY_IMPORT);
  writeFileSync(join(work, REGISTRY), after.join('\n'));
  // An insertion and one changed line: 2 added, 1 removed.
  const changes = lineChanges(before, readFileSync(join(work, REGISTRY), 'utf8').split('\n'));
  if (changes.added !== 2 || changes.removed !== 1) fail(`${REGISTRY}: ${changes.added} lines added and ${changes.removed} removed, not an import and a name`);
  say(`${REGISTRY}: 1 import added, ${ID} added to PROVIDERS`);

  // 4. Build (the fault matrix and the secrets scan spawn dist/cli.js).
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) fail('the build failed');

  // 5. The three shared suites, only the new vendor's tests.
  const report = join(work, 'fifth-vendor.json');
  const vitest = join(work, 'node_modules/vitest/vitest.mjs');
  const run = spawnSync(process.execPath, [vitest, 'run', ...FILES, '-t', ID, '--reporter=json', `--outputFile=${report}`], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: '1' },
  });
  if (!existsSync(report)) fail(`vitest wrote no report (exit ${run.status})`);
  const results = JSON.parse(readFileSync(report, 'utf8'));

  // 6. Each file: tests named with the new id ran, and every one of them passed.
  const files = {};
  for (const file of FILES) {
    const result = results.testResults.find((r) => r.name === join(work, file) || r.name.endsWith(`/${file}`));
    const mine = (result?.assertionResults ?? []).filter((a) => a.fullName.includes(ID));
    files[file] = {
      passed: mine.filter((a) => a.status === 'passed').length,
      failed: mine.filter((a) => a.status === 'failed').map((a) => a.fullName),
      other: mine.filter((a) => a.status !== 'passed' && a.status !== 'failed').length,
    };
  }
  const ok = run.status === 0 && results.success && FILES.every((file) => files[file].passed > 0 && files[file].failed.length === 0 && files[file].other === 0);
  summary = { ok, id: ID, registryLines: changes, vitestExit: run.status, files };
} catch (error) {
  if (!(error instanceof Refusal)) throw error;
  summary = { ok: false, id: ID, reason: error.message };
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`fifth-vendor: ${JSON.stringify(summary)}\n`);
process.exit(summary.ok ? 0 : 1);
