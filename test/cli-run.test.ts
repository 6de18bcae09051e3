// The first thing a new user runs: `zeek-iforest <log>…` fits and scores in one go and prints the
// top anomalies. Run through the built CLI on real fixture logs (zat: MIT; the synthetic file is
// this project's own, MIT).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { humanBytes } from '../src/output/top-table.js';
import { assertBuilt, linesOf, runCli, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
// A last record cut off mid-field with no line end: one rejected line.
const TRUNCATED = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');

interface FileStats {
  file: string;
  bytesRead: number;
  linesRead: number;
  records: number;
  headerLines: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  firstRejections: string[];
}

interface RunJson {
  command: string;
  files: FileStats[];
  records: number;
  rejected: number;
  anomalies: number;
  threshold: number;
  seconds: number;
  top: { file: string; line: number; score: number; reason: string }[];
}

/** Lines, directive lines, and the rest, counted independently of the reader. */
function countLines(path: string): { lines: number; directives: number } {
  const lines = linesOf(readFileSync(path, 'latin1'));
  return { lines: lines.length, directives: lines.filter((l) => l.startsWith('#')).length };
}

// "#  time  connection  proto/svc  payload o/r  score  reason" then a rule, then one row per anomaly.
const ROW = /^\s*(\d+)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\s+(\S+):(\d+) → (\S+):(\d+)\s+(\S+)\s+.*?\s(0\.\d{4}|1\.0000)\s\s+(\S.*)$/;

describe('zeek-iforest <log> (fit and score in one go)', () => {
  beforeAll(assertBuilt);

  it('prints the top anomalies as a table with scores and reasons, the same ones --json reports', async () => {
    const [table, json] = await Promise.all([
      runCli([CONN, '--threads', '1']),
      runCli([CONN, '--threads', '1', '--json']),
    ]);
    expect(table.stderr).toContain('360 records scored');
    expect(table.code).toBe(0);
    expect(json.code).toBe(0);
    const lines = linesOf(table.stdout);
    expect(lines[0]).toMatch(/^\s*#\s+time \(UTC\)\s+connection\s+proto\/svc\s+payload o\/r\s+score\s+reason$/);
    expect(lines[1]).toMatch(/^[─ ]+$/);
    const rows = lines.slice(2).filter((l) => l.trim() !== '');
    expect(rows).toHaveLength(20); // --top defaults to 20, and the log has 360 records

    const top = (JSON.parse(json.stdout) as RunJson).top;
    expect(top).toHaveLength(20);
    const input = linesOf(readFileSync(CONN, 'latin1'));
    rows.forEach((row, i) => {
      const m = ROW.exec(row);
      expect(m, row).not.toBeNull();
      const [, rank, , origH, origP, respH, respP, protoSvc, score, reason] = m!;
      expect(Number(rank)).toBe(i + 1);
      // Same record and score as the JSON summary (same seed, same data: same model).
      expect(score).toBe(top[i].score.toFixed(4));
      const record = input[top[i].line - 1].split('\t');
      expect([origH, origP, respH, respP]).toEqual([record[2], record[3], record[4], record[5]]);
      expect(protoSvc.startsWith(record[6])).toBe(true);
      // The payload column is orig_bytes / resp_bytes, not the IP byte counts a reason may name.
      const bytes = /\s(\S+) \/ (\S+)\s+\S+\s\s+\S/.exec(row.slice(row.indexOf(protoSvc) + protoSvc.length));
      expect(bytes?.slice(1), row).toEqual([humanBytes(Number(record[9])), humanBytes(Number(record[10]))]);
      // A reason names features that isolated the record: "duration high, service rare", "orig_bytes unset".
      expect(reason).toMatch(/^[a-z_]+ (high|low|rare|unset)(, [a-z_]+ (high|low|rare|unset|…)|…)?/);
      expect(top[i].reason.startsWith(reason.replace(/…$/, ''))).toBe(true);
    });
    for (let i = 1; i < top.length; i++) expect(top[i].score).toBeLessThanOrEqual(top[i - 1].score);
  });

  it('--json gives statistics whose counts add up, per file and in total', async () => {
    const run = await runCli([CONN, TRUNCATED, '--threads', '2', '--json']);
    // The truncated log sets local_resp, so the model reads it, and zat's old Bro field set has none.
    expect(run.stderr).toBe(`zeek-iforest: warning: ${CONN}: the #fields line has no local_resp, which the model reads: feature local_resp will see it as unset on every record\n`);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as RunJson;
    expect(summary.command).toBe('run');
    expect(summary.files.map((f) => f.file)).toEqual([CONN, TRUNCATED]);
    for (const f of summary.files) {
      const counted = countLines(f.file);
      expect(f.linesRead).toBe(counted.lines);
      expect(f.headerLines).toBe(counted.directives);
      expect(f.linesRead).toBe(f.records + f.headerLines + f.rejected);
      expect(f.bytesRead).toBe(readFileSync(f.file).length);
    }
    const [conn, truncated] = summary.files;
    expect(conn).toMatchObject({ records: 360, headerLines: 9, rejected: 0, firstRejections: [] });
    expect(truncated).toMatchObject({ linesRead: 12, records: 3, headerLines: 8, rejected: 1, rejectedByReason: { 'field count': 1 } });
    expect(truncated.firstRejections).toEqual([
      `${TRUNCATED}:12: expected 22 fields, found 10 (last line has no line end: cut off mid-write?)`,
    ]);
    expect(summary.records).toBe(363);
    expect(summary.rejected).toBe(1);
    expect(summary.anomalies).toBeGreaterThanOrEqual(0);
    expect(summary.anomalies).toBeLessThanOrEqual(summary.records);
    expect(summary.threshold).toBeGreaterThan(0);
    expect(summary.threshold).toBeLessThan(1);
    expect(summary.top.length).toBe(20);
    // The top records are record lines of their files.
    for (const t of summary.top) {
      const line = linesOf(readFileSync(t.file, 'latin1'))[t.line - 1];
      expect(line.startsWith('#')).toBe(false);
    }
  });

  it('refuses stdin with one usage line and exit 2: it would have to read the input twice', async () => {
    const run = await runCli(['-'], { input: readFileSync(CONN) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('zeek-iforest: the one-go mode reads its logs twice (fit, then score), so it cannot take stdin: use `fit` then `score`\n');
  });
});
