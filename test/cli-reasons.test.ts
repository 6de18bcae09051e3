// score --reasons: an anomaly_reason field names the features that isolated each flagged record.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolationForest } from '../src/index.js';
import { validateFeatureSpec } from '../src/zeek/features.js';
import { assertBuilt, directiveCells, linesOf, removeDir, runCli, splitZeek, tempDir, writeGeneratedLog, ZEEK_FIXTURES } from './helpers/e2e.js';

let dir: string;
let log: string;
let model: string;
let featureNames: string[];

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  log = writeGeneratedLog(join(dir, 'conn.log'), { rows: 3000, seed: 5, anomalyRate: 0.02 });
  model = join(dir, 'conn.iforest');
  const fit = await runCli(['fit', log, '-o', model, '--contamination', '0.02']);
  expect(fit.code, fit.stderr).toBe(0);
  featureNames = validateFeatureSpec(IsolationForest.fromBytesSync(readFileSync(model)).featureSpec).features;
});

afterAll(() => removeDir(dir));

/** "orig_bytes high, service rare": one or two features of the model, each once, with a direction. */
function expectReason(reason: string): void {
  const parts = reason.split(', ');
  expect(parts.length).toBeGreaterThanOrEqual(1);
  expect(parts.length).toBeLessThanOrEqual(2);
  for (const part of parts) {
    const [name, direction] = part.split(' ');
    expect(featureNames).toContain(name);
    expect(['high', 'low', 'rare', 'unset']).toContain(direction);
  }
  // Never "duration high, duration low".
  const names = parts.map((part) => part.split(' ')[0]);
  expect(new Set(names).size, reason).toBe(names.length);
}

describe('score --reasons', () => {
  it('adds anomaly_reason (string) to Zeek TSV, set exactly on the flagged records', async () => {
    const run = await runCli(['score', log, '-m', model, '--reasons']);
    expect(run.code, run.stderr).toBe(0);
    const { directives, records } = splitZeek(run.stdout);
    expect(directiveCells(directives, '#fields').slice(-3)).toEqual(['anomaly_score', 'anomaly', 'anomaly_reason']);
    expect(directiveCells(directives, '#types').slice(-3)).toEqual(['double', 'bool', 'string']);
    let flagged = 0;
    for (const record of records) {
      const cells = record.text.split('\t');
      const [flag, reason] = cells.slice(-2);
      if (flag === 'T') {
        flagged++;
        expectReason(reason);
      } else {
        expect(reason).toBe('-');
      }
    }
    expect(flagged).toBeGreaterThan(20);
  });

  it('gives the same reasons in JSON, with the key only on flagged records, whatever the threads', async () => {
    const tsv = splitZeek((await runCli(['score', log, '-m', model, '--reasons'])).stdout).records.map((r) => r.text.split('\t').at(-1));
    for (const threads of ['0', '2']) {
      const run = await runCli(['score', log, '-m', model, '--reasons', '--format', 'json', '--threads', threads]);
      expect(run.code, run.stderr).toBe(0);
      const objects = linesOf(run.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(objects.map((o) => (o.anomaly ? o.anomaly_reason : '-'))).toEqual(tsv);
      expect(objects.every((o) => ('anomaly_reason' in o) === (o.anomaly === true))).toBe(true);
    }
  });

  it('gives every alert a reason with --alerts-only', async () => {
    const run = await runCli(['score', log, '-m', model, '--reasons', '--alerts-only', '--threads', '2']);
    const { records } = splitZeek(run.stdout);
    expect(records.length).toBeGreaterThan(20);
    for (const record of records) {
      const cells = record.text.split('\t');
      expect(cells.at(-2)).toBe('T');
      expectReason(cells.at(-1)!);
    }
  });

  it('is off by default: the output has exactly the two score fields', async () => {
    const { directives } = splitZeek((await runCli(['score', log, '-m', model])).stdout);
    expect(directiveCells(directives, '#fields').slice(-2)).toEqual(['anomaly_score', 'anomaly']);
    expect(directiveCells(directives, '#fields')).not.toContain('anomaly_reason');
  });
});

describe('reasons on a real capture (zat conn.log, MIT)', () => {
  const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');

  /** Every record's reason (the run command's --top covers all 360), with the record's fields. */
  async function reasons(): Promise<{ reason: string; fields: Map<string, string> }[]> {
    const run = await runCli([CONN, '--top', '400', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const input = linesOf(readFileSync(CONN, 'latin1'));
    const names = input.find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
    const top = (JSON.parse(run.stdout) as { top: { line: number; reason: string }[] }).top;
    expect(top).toHaveLength(360);
    return top.map(({ line, reason }) => {
      const cells = input[line - 1].split('\t');
      return { reason, fields: new Map(names.map((name, i) => [name, cells[i]])) };
    });
  }

  it('names each feature once: the side of its splits that earned the most credit', async () => {
    // Before, 43 of its 360 records got "duration high, duration low" or "duration low, duration high".
    for (const { reason } of await reasons()) {
      const names = reason.split(', ').map((part) => part.split(' ')[0]);
      expect(new Set(names).size, reason).toBe(names.length);
    }
  });

  it('says "unset" for a count the record leaves unset ("-"), and only then', async () => {
    // The Zeek fields behind each feature whose unset value is -1 (docs/FEATURES.md).
    const fieldsOf: Record<string, string[]> = {
      duration: ['duration'], orig_bytes: ['orig_bytes'], resp_bytes: ['resp_bytes'], orig_pkts: ['orig_pkts'],
      resp_pkts: ['resp_pkts'], orig_ip_bytes: ['orig_ip_bytes'], resp_ip_bytes: ['resp_ip_bytes'],
      missed_bytes: ['missed_bytes'], orig_bytes_per_pkt: ['orig_ip_bytes', 'orig_pkts'], resp_bytes_per_pkt: ['resp_ip_bytes', 'resp_pkts'],
    };
    let unset = 0;
    for (const { reason, fields } of await reasons()) {
      for (const part of reason.split(', ')) {
        const [name, direction] = part.split(' ');
        const isUnset = name in fieldsOf && fieldsOf[name].some((field) => fields.get(field) === '-');
        expect(direction === 'unset', `${reason}: ${name} ${fieldsOf[name]?.map((f) => fields.get(f))}`).toBe(isUnset);
        if (isUnset) unset++;
      }
    }
    // Before, these were all "low": e.g. "orig_ip_bytes low, duration low" for an S0 record.
    expect(unset).toBeGreaterThanOrEqual(5);
  });
});
