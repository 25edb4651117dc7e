import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Each reliability suite leaves its findings as JSON in .reliability/; the global
// teardown (test/global-setup.ts) renders them into docs/reliability.md.

export const REPORT_DIR = join(import.meta.dirname, '../../.reliability');

export interface FaultRow {
  provider: string;
  fault: string;
  operation: string;
  expected: string;
  observed: string;
  /** Vendor orders created for this row's approved quote (must never exceed 1). */
  orders?: number;
}

export interface SuiteReport {
  suite: string;
  /** False when the run was filtered and some of the suite's cases did not run. */
  complete: boolean;
  rows?: FaultRow[];
  /** Inputs tried by property-based tests, by tool. */
  inputs?: Record<string, number>;
  /** Approved quotes that produced more than one vendor order. */
  doubleCharges: number;
  notes?: string[];
}

export function saveSuiteReport(report: SuiteReport): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${report.suite}.json`), JSON.stringify(report, null, 2));
}

export function loadSuiteReports(): SuiteReport[] {
  try {
    return readdirSync(REPORT_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(REPORT_DIR, f), 'utf8')) as SuiteReport);
  } catch {
    return [];
  }
}
