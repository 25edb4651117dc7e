import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../e2e/harness.js';

// What a newcomer meets before any code runs: the README's first command, the install and
// the checkout's ignore rules (issue 20, items 15-17; the tarball's contents: test/e2e/pack-install.test.ts).

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

describe('packaging', () => {
  it("the README's Quick start starts with commands that work before the npm name is published", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const first = /```sh\n([\s\S]*?)```/.exec(quickStart)?.[1] ?? '';
    expect(first).not.toMatch(/npx -y proxycart/);
    expect(first).toContain('npm pack');
    // The tarball npm pack writes for this version, installed with the driver's install script allowed.
    expect(first).toContain(`npm install -g --allow-scripts=sqlite3 ./${pkg.name}-${pkg.version}.tgz`);
    expect(quickStart).toContain('"command": "proxycart", "args": []');
  });

  it('a supported Node installs the locked tree without engine warnings', () => {
    const dir = tempDir('npm-ci');
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
    const run = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/added \d+ packages/);
    expect(run.stderr).not.toContain('EBADENGINE');
  }, 120_000);

  it('git ignores what npm pack, npm run bundle and a local redis-server leave in the checkout', () => {
    const paths = [`${pkg.name}-${pkg.version}.tgz`, 'proxycart.mcpb', 'other-build.mcpb', 'dump.rdb'];
    expect(
      execFileSync('git', ['check-ignore', '--no-index', ...paths], { cwd: ROOT, encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toEqual(paths);
  });
});
