// A run that scores no record because every data line was rejected (a file that is not a Zeek log)
// or because the input is empty fails: exit 1 with one last line saying why, after the usual report
// (the rejections are not lost), and an earlier output file is left as it was. A log with a header
// and no records (Zeek writes one for an idle interval) is no failure.

import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, linesOf, removeDir, runCli, tempDir, ZEEK_FIXTURES, fitZatModel } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
const BEFORE = 'an earlier run wrote this\n';

let dir: string;
let model: string;
let notZeek: string; // 25 lines of prose: every one rejected
let empty: string; // 0 bytes

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = await fitZatModel(dir);
  notZeek = join(dir, 'notes.txt');
  writeFileSync(notZeek, Array.from({ length: 25 }, (_, i) => `note ${i + 1}: not a Zeek log line\n`).join(''));
  empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
});

afterAll(() => removeDir(dir));

/** A fresh directory holding an output file with earlier contents. */
function earlierOutput(name: string): { outDir: string; out: string } {
  const outDir = join(dir, name);
  mkdirSync(outDir);
  const out = join(outDir, 'scored.log');
  writeFileSync(out, BEFORE);
  return { outDir, out };
}

describe('every data line rejected, no record scored', () => {
  it('the report as before (counts, the first ten rejections), then one line saying so; exit 1; the earlier output kept', async () => {
    const { outDir, out } = earlierOutput('all-rejected');
    const run = await runCli(['score', notZeek, '-m', model, '-o', out, '--threads', '1']);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toBe(`${notZeek}: 25 lines read, 0 records scored, 0 header lines, 25 rejected (25 no header)`);
    expect(lines.slice(1, 11)).toEqual(Array.from({ length: 10 }, (_, i) => `  rejected ${notZeek}:${i + 1}: record before any #fields header (not a Zeek TSV or JSON log?)`));
    expect(lines[11]).toBe('  … and 15 more rejected lines');
    expect(lines[12]).toMatch(/^0 records scored, 0 anomalies, \d+\.\d\d s$/);
    expect(lines[13]).toBe(`zeek-iforest: no record could be read: all 25 data lines of ${notZeek} were rejected; the first ones are listed above`);
    expect(lines).toHaveLength(14);
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(BEFORE);
    expect(readdirSync(outDir)).toEqual(['scored.log']);
  });

  it('with --json: the summary (with its firstRejections) on stdout, the one line on stderr, exit 1', async () => {
    const { out } = earlierOutput('all-rejected-json');
    const run = await runCli(['score', notZeek, '-m', model, '-o', out, '--json', '--threads', '2']);
    const summary = JSON.parse(run.stdout) as { records: number; rejected: number; files: { firstRejections: string[] }[] };
    expect(summary).toMatchObject({ records: 0, rejected: 25 });
    expect(summary.files[0].firstRejections).toHaveLength(10);
    expect(run.stderr).toBe(`zeek-iforest: no record could be read: all 25 data lines of ${notZeek} were rejected; the first ones are in firstRejections of the JSON summary\n`);
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(BEFORE);
  });

  it('to standard output, with a second such input: nothing on stdout, the count over both inputs, exit 1', async () => {
    const run = await runCli(['score', notZeek, notZeek, '-m', model]);
    expect(run.stdout).toBe('');
    expect(linesOf(run.stderr).at(-1)).toBe('zeek-iforest: no record could be read: all 50 data lines of the 2 inputs were rejected; the first ones are listed above');
    expect(run.code).toBe(1);
  });

  it('some records scored beside a rejected input: exit 0, as for any rejected lines', async () => {
    const run = await runCli(['score', notZeek, CONN, '-m', model, '-o', join(dir, 'partly.log')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('360 records scored');
  });
});

describe('an empty input (0 bytes) has nothing to score', () => {
  it('a named empty file: the report says it is empty (not "1 lines read"), then "nothing to score"; exit 1; the earlier output kept', async () => {
    const { outDir, out } = earlierOutput('empty');
    const run = await runCli(['score', empty, '-m', model, '-o', out]);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toBe(`${empty}: the input is empty: no header and no records`);
    expect(lines[1]).toMatch(/^0 records scored, 0 anomalies, \d+\.\d\d s$/);
    expect(lines[2]).toBe(`zeek-iforest: nothing to score: ${empty} is empty`);
    expect(lines).toHaveLength(3);
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(BEFORE);
    expect(readdirSync(outDir)).toEqual(['scored.log']);
  });

  it('empty standard input (`zcat missing.gz | zeek-iforest score -`): "stdin is empty", exit 1', async () => {
    const run = await runCli(['score', '-', '-m', model]);
    expect(run.stdout).toBe('');
    expect(linesOf(run.stderr).at(-1)).toBe('zeek-iforest: nothing to score: stdin is empty');
    expect(run.code).toBe(1);
  });

  it('--json keeps the reader\'s accounting (one rejected "line", so the counts add up) and says the reason', async () => {
    const run = await runCli(['score', empty, '-m', model, '-o', join(dir, 'empty-json.log'), '--json']);
    const summary = JSON.parse(run.stdout) as { files: { linesRead: number; records: number; headerLines: number; rejected: number; rejectedByReason: Record<string, number> }[] };
    expect(summary.files[0]).toMatchObject({ linesRead: 1, records: 0, headerLines: 0, rejected: 1, rejectedByReason: { 'empty input': 1 } });
    expect(run.stderr).toBe(`zeek-iforest: nothing to score: ${empty} is empty\n`);
    expect(run.code).toBe(1);
  });

  it('an empty input beside a log with records: exit 0', async () => {
    const run = await runCli(['score', empty, CONN, '-m', model, '-o', join(dir, 'with-empty.log')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${empty}: the input is empty: no header and no records\n`);
  });

  it('fit on an empty file says it is empty, not "1 lines rejected"', async () => {
    const run = await runCli(['fit', empty, '-o', join(dir, 'never.iforest')]);
    expect(run.stderr).toBe(`zeek-iforest: fitting needs at least 2 records, but the input gave 0 (${empty} is empty)\n`);
    expect(run.code).toBe(1);
  });
});

describe('a header and no records (Zeek writes one for an idle interval)', () => {
  it('is no failure: exit 0, nothing rejected', async () => {
    const headerOnly = join(dir, 'idle.log');
    writeFileSync(headerOnly, linesOf(readFileSync(CONN, 'latin1')).filter((l) => l.startsWith('#')).join('\n') + '\n', 'latin1');
    const run = await runCli(['score', headerOnly, '-m', model, '-o', join(dir, 'idle.scored.log')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${headerOnly}: 9 lines read, 0 records scored, 9 header lines, 0 rejected`);
  });
});
