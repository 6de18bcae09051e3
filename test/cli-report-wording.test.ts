// The statistics a person reads on stderr count in English: "1 line read", "1 anomaly",
// "1 tree", "2 lines", on real fixture lines (zat: MIT) cut down to the counts that matter.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, linesOf, removeDir, runCli, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
const JSON_CONN = join(ZEEK_FIXTURES, 'zat/json_conn.log');

let dir: string;
let model: string;
let header: string[]; // conn.log's directives before its records
let records: string[]; // conn.log's records

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = join(dir, 'conn.iforest');
  const fit = await runCli(['fit', CONN, '-o', model]);
  expect(fit.code, fit.stderr).toBe(0);
  const lines = linesOf(readFileSync(CONN, 'latin1'));
  header = lines.filter((l) => l.startsWith('#') && !l.startsWith('#close'));
  records = lines.filter((l) => !l.startsWith('#'));
});

afterAll(() => removeDir(dir));

function write(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''), 'latin1');
  return path;
}

describe('singular and plural in the statistics', () => {
  it('one JSON record: "1 line read, 1 record scored"; a blank line between two: "1 header line"', async () => {
    const [first, second] = linesOf(readFileSync(JSON_CONN, 'utf8'));
    const one = write('one.json', [first]);
    const run = await runCli(['score', one, '-m', model, '-o', join(dir, 'one.scored.json')]);
    expect(run.code, run.stderr).toBe(0);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toBe(`${one}: 1 line read, 1 record scored, 0 header lines, 0 rejected`);
    expect(lines[1]).toMatch(/^1 record scored, (0 anomalies|1 anomaly), \d+\.\d\d s$/);
    const two = write('two.json', [first, '', second]);
    const run2 = await runCli(['score', two, '-m', model, '-o', join(dir, 'two.scored.json')]);
    expect(linesOf(run2.stderr)[0]).toBe(`${two}: 3 lines read, 2 records scored, 1 header line, 0 rejected`);
  });

  it('one anomaly (the model\'s threshold flags exactly one of conn.log\'s 360 records): "1 anomaly"', async () => {
    const json = await runCli(['score', CONN, '-m', model, '-o', join(dir, 'conn.scored.log'), '--json']);
    expect((JSON.parse(json.stdout) as { anomalies: number }).anomalies).toBe(1);
    const run = await runCli(['score', CONN, '-m', model, '-o', join(dir, 'conn.scored.log')]);
    expect(linesOf(run.stderr)[1]).toMatch(/^360 records scored, 1 anomaly, \d+\.\d\d s$/);
  });

  it('eleven rejected lines: the first ten, then "… and 1 more rejected line"', async () => {
    const log = write('eleven.log', [...header, ...records.slice(0, 5), ...Array.from({ length: 11 }, (_, i) => `junk ${i}`)]);
    const run = await runCli(['score', log, '-m', model, '-o', join(dir, 'eleven.scored.log')]);
    expect(run.code, run.stderr).toBe(0);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toBe(`${log}: 24 lines read, 5 records scored, 8 header lines, 11 rejected (11 field count)`);
    expect(lines[11]).toBe('  … and 1 more rejected line');
  });

  it('fit: "1 tree × 256 records"; too few records: "(1 line rejected)"', async () => {
    const fit = await runCli(['fit', CONN, '-o', join(dir, 'one-tree.iforest'), '--trees', '1']);
    expect(fit.code, fit.stderr).toBe(0);
    expect(linesOf(fit.stderr)[1]).toMatch(/^model written to .*one-tree\.iforest: 1 tree × 256 records, fitted on 360 sampled of 360 records, /);
    const few = write('few.log', [...header, records[0], 'junk']);
    const run = await runCli(['fit', few, '-o', join(dir, 'never.iforest')]);
    expect(run.stderr).toBe('zeek-iforest: fitting needs at least 2 records, but the input gave 1 (1 line rejected)\n');
    expect(run.code).toBe(1);
  });
});

describe('a --sample-size the fit could not use', () => {
  it('warns with what each tree was grown on, for too few records and for a smaller --reservoir, and not otherwise', async () => {
    const [few, reservoir, plain] = await Promise.all([
      runCli(['fit', CONN, '-o', join(dir, 'few.iforest'), '--sample-size', '1000']),
      runCli(['fit', CONN, '-o', join(dir, 'reservoir.iforest'), '--reservoir', '100']),
      runCli(['fit', CONN, '-o', join(dir, 'plain.iforest')]),
    ]);
    for (const r of [few, reservoir, plain]) expect(r.code, r.stderr).toBe(0);
    expect(few.stderr).toContain('zeek-iforest: warning: --sample-size 1000 is more than the 360 records fitted on: each tree was grown on 360\n');
    expect(reservoir.stderr).toContain('zeek-iforest: warning: --sample-size 256 is more than the 100 records fitted on: each tree was grown on 100 (--reservoir 100 keeps no more; raise it to grow trees of 256)\n');
    expect(plain.stderr).not.toContain('warning');
  });
});
