import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSuiteReports, REPORT_DIR } from './reliability/report.js';

// Before the run: forget earlier findings. After it, when asked (`npm run reliability-report`
// sets PROXYCART_RELIABILITY_REPORT=1): write docs/reliability.md from what the reliability
// suites observed in this run. A plain `npm test` leaves the tracked report alone.
export function setup(): void {
  rmSync(REPORT_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  if (process.env.PROXYCART_RELIABILITY_REPORT !== '1') return;
  const reports = loadSuiteReports();
  const suites = ['crash-and-races', 'fault-matrix', 'hostile-input', 'money-path'];
  // A filtered or partial run keeps the last full report.
  if (!suites.every((suite) => reports.some((r) => r.suite === suite && r.complete))) return;
  const lines = [
    '# Reliability report',
    '',
    'Written by `npm run reliability-report` (test/reliability/): every fault injected into the vendor simulators, on a read and on the confirmed money call of every vendor, through the built server over stdio; and the money-path cases (prices that move or are not prices, poisoned answer totals, unknown outcomes, environments, an unwritable store).',
    '',
    `Double charges (approved quotes that produced more than one vendor order): **${reports.reduce((n, r) => n + r.doubleCharges, 0)}**`,
    '',
  ];
  for (const report of reports) {
    if (report.rows?.length) {
      lines.push(`## ${report.suite}`, '', '| provider | fault | operation | expected | observed | vendor orders |', '| --- | --- | --- | --- | --- | --- |');
      for (const row of report.rows) {
        lines.push(`| ${row.provider} | ${row.fault} | ${row.operation} | ${row.expected} | ${row.observed} | ${row.orders ?? ''} |`);
      }
      lines.push('');
    }
    if (report.inputs) {
      const total = Object.values(report.inputs).reduce((a, b) => a + b, 0);
      lines.push(
        `## ${report.suite}`,
        '',
        `${total} generated inputs; money requests that reached a vendor: ${report.notes?.find((n) => n.startsWith('money requests'))?.split(': ')[1] ?? '0'}.`,
        '',
        '| tool | inputs tried |',
        '| --- | --- |',
      );
      for (const [tool, count] of Object.entries(report.inputs)) lines.push(`| ${tool} | ${count} |`);
      lines.push('');
    }
    for (const note of report.notes ?? []) if (!note.startsWith('money requests')) lines.push(`- ${note}`);
    if (report.notes?.length) lines.push('');
  }
  lines.push(
    'Outcomes: `ok` a normal result; an error kind (`vendor_unavailable`, `rate_limited`, …) an `isError` result; `a → b` the first confirmation and then a second one with the same token (which reconciles with the vendor and never sends the order again).',
    '',
  );
  mkdirSync(join(import.meta.dirname, '../docs'), { recursive: true });
  writeFileSync(join(import.meta.dirname, '../docs/reliability.md'), lines.join('\n'));
}
