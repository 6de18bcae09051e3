// What the CLI tells a person (stderr) or a script (--json) about a run.

import { isEmptyInput } from '../pipeline/stats.js';
import { formatRejection } from '../zeek/errors.js';
import type { ReadStats } from '../zeek/types.js';

export interface RunSummary {
  command: string;
  files: ReadStats[];
  records: number;
  rejected: number;
  seconds: number;
  [extra: string]: unknown;
}

/** "1 line", "2 lines", "1,234 anomalies": a count and its noun, singular for one. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/** Per input: lines read, records used, rejected lines with the first reasons. */
export function describeStats(files: ReadStats[], verb: string): string {
  const lines: string[] = [];
  for (const f of files) {
    if (isEmptyInput(f)) {
      // Counted as one rejected line (so the counts add up in --json), but there was no line.
      lines.push(`${f.file}: the input is empty: no header and no records`);
      continue;
    }
    const reasons = Object.entries(f.rejectedByReason).map(([r, n]) => `${n.toLocaleString('en-US')} ${r}`).join(', ');
    lines.push(`${f.file}: ${count(f.linesRead, 'line')} read, ${count(f.records, 'record')} ${verb}, ` +
      `${count(f.headerLines, 'header line')}, ${f.rejected.toLocaleString('en-US')} rejected${reasons ? ` (${reasons})` : ''}`);
    for (const r of f.firstRejections) lines.push(`  rejected ${formatRejection(r)}`);
    if (f.rejected > f.firstRejections.length) lines.push(`  … and ${count(f.rejected - f.firstRejections.length, 'more rejected line')}`);
  }
  return lines.join('\n');
}

export function summaryJson(summary: RunSummary): string {
  return JSON.stringify({
    ...summary,
    seconds: Number(summary.seconds.toFixed(3)),
    // Peak resident memory of the whole process, worker threads included (they share it).
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    files: summary.files.map((f) => ({ ...f, firstRejections: f.firstRejections.map(formatRejection) })),
  });
}
