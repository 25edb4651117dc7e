import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Issue 8's proof: a fifth vendor (test/fifth-vendor/, a throwaway "acmeproxy") is one
// provider folder, its simulator and its entry in the registry (an import line and its name in
// the PROVIDERS list). scripts/fifth-vendor.mjs puts
// it into a copy of the repository, builds, and runs the contract suite, the fault matrix and
// the secrets scan filtered to it: the shared suites must pick it up with no other change.

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../scripts/fifth-vendor.mjs');
const FILES = ['test/contract/providers.test.ts', 'test/reliability/fault-matrix.test.ts', 'test/e2e/secrets.test.ts'];

interface Summary {
  ok: boolean;
  id: string;
  reason?: string;
  registryLines?: { added: number; removed: number };
  files?: Record<string, { passed: number; failed: string[]; other: number }>;
}

describe('a fifth vendor', () => {
  it('is picked up by the shared suites from its registry entry: its contract, fault-matrix and secrets tests run and pass', { timeout: 240_000 }, async () => {
    const result = await run(process.execPath, [SCRIPT], { timeout: 230_000, maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    const line = result.stdout
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('fifth-vendor: '));
    expect(line, result.stderr.slice(-2000)).toBeDefined();
    const summary = JSON.parse(line!.slice('fifth-vendor: '.length)) as Summary;
    expect(summary.reason).toBeUndefined();
    expect(summary.id).toBe('acmeproxy');
    expect(summary.registryLines).toEqual({ added: 2, removed: 1 });
    for (const file of FILES) {
      const tests = summary.files?.[file];
      expect(tests, file).toBeDefined();
      expect(tests!.failed, file).toEqual([]);
      expect(tests!.other, file).toBe(0);
      expect(tests!.passed, file).toBeGreaterThan(0);
    }
    expect(summary.ok).toBe(true);
    expect((result as { code?: number }).code ?? 0).toBe(0);
  });
});
