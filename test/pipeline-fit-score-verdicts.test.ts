// Fit and score of one log must agree on which of its lines are bad, whatever the engine and the
// thread count: `run` fits and then scores the same file, and a line fit refused but score took
// (or the other way round) would be a record the model never saw scored as if it were valid.
// The bad values sit in fields every model reads and in local_orig, which fit reads to decide
// whether to keep it and which zat's logs never set, so the model leaves it out.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineName } from '../src/engine.js';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { formatRejection } from '../src/zeek/errors.js';
import type { ReadStats } from '../src/zeek/types.js';
import { assertBuilt, linesOf, removeDir, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

/** 1-based line, zat conn.log field index, value. Fields: 5 id.resp_p, 8 duration, 9 orig_bytes, 12 local_orig. */
const TSV_EDITS: [number, number, string][] = [
  [20, 12, 'X'],
  [30, 12, 'yes'],
  [40, 9, '-5'],
  [50, 5, '5.5'],
  [60, 8, 'abc'],
  [80, 5, '70000'],
  [90, 9, '99999999999999999999999999'],
];

/** 1-based line of zat json_conn.log, key, JSON value. */
const JSON_EDITS: [number, string, unknown][] = [
  [10, 'local_orig', 'X'],
  [20, 'orig_bytes', 'lots'],
  [30, 'orig_bytes', true],
  [40, 'id.resp_p', 70000],
];

let dir: string;
let tsvLog: string;
let jsonLog: string;

beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  const tsv = linesOf(readFileSync(join(ZEEK_FIXTURES, 'zat/conn.log'), 'latin1'));
  for (const [line, field, value] of TSV_EDITS) {
    const cells = tsv[line - 1].split('\t');
    cells[field] = value;
    tsv[line - 1] = cells.join('\t');
  }
  tsv[70 - 1] = tsv[70 - 1].split('\t').slice(0, 10).join('\t'); // a short line
  tsvLog = join(dir, 'bad.log');
  writeFileSync(tsvLog, tsv.join('\n') + '\n', 'latin1');

  const json = linesOf(readFileSync(join(ZEEK_FIXTURES, 'zat/json_conn.log'), 'utf8'));
  for (const [line, key, value] of JSON_EDITS) json[line - 1] = JSON.stringify({ ...JSON.parse(json[line - 1]), [key]: value });
  jsonLog = join(dir, 'bad.json.log');
  writeFileSync(jsonLog, json.join('\n') + '\n');
});

afterAll(() => removeDir(dir));

function verdicts(f: ReadStats): unknown {
  return { records: f.records, rejected: f.rejected, rejectedByReason: f.rejectedByReason, rejections: f.firstRejections.map(formatRejection) };
}

describe('fit and score reject the same lines', () => {
  const expected = (): Record<string, string[]> => ({
    [tsvLog]: [
      `${tsvLog}:20: local_orig: expected T or F, found "X"`,
      `${tsvLog}:30: local_orig: expected T or F, found "yes"`,
      `${tsvLog}:40: orig_bytes: not a count (digits only): "-5"`,
      `${tsvLog}:50: id.resp_p: not a port (digits only): "5.5"`,
      `${tsvLog}:60: duration: not a number: "abc"`,
      `${tsvLog}:70: expected 20 fields, found 10`,
      `${tsvLog}:80: id.resp_p: port out of range (0–65535): "70000"`,
      `${tsvLog}:90: orig_bytes: count beyond 2^64 − 1: "99999999999999999999999999"`,
    ],
    [jsonLog]: [
      `${jsonLog}:10: local_orig: expected true or false, found "X"`,
      `${jsonLog}:20: orig_bytes: not a count: "lots"`,
      `${jsonLog}:30: orig_bytes: not a count: true`,
      `${jsonLog}:40: id.resp_p: port out of range (0–65535): 70000`,
    ],
  });

  for (const engine of ['wasm', 'ts'] as EngineName[]) {
    for (const which of ['tsv', 'json'] as const) {
      it(`${which} log, ${engine} engine: fit, then score with its model on 0 and 2 threads`, async () => {
        const log = which === 'tsv' ? tsvLog : jsonLog;
        const fit = await fitLogs([log], { engine, trees: 10 });
        // The model leaves local_orig out (no record has it set): score must still refuse its bad values.
        expect(fit.forest.featureSpec).not.toMatchObject({ features: expect.arrayContaining(['local_orig']) });
        expect(fit.files[0].firstRejections.map(formatRejection)).toEqual(expected()[log]);
        const model = fit.forest.toBytes();
        for (const threads of [0, 2]) {
          const score = await scoreLogs([log], { model, engine, threads, out: null });
          expect(verdicts(score.files[0]), `threads ${threads}`).toEqual(verdicts(fit.files[0]));
        }
      });
    }
  }

  it('with --features that leave local_orig out, fit rejects its bad values too', async () => {
    const fit = await fitLogs([tsvLog], { trees: 10, features: ['duration', 'proto'] });
    const score = await scoreLogs([tsvLog], { model: fit.forest.toBytes(), threads: 0, out: null });
    expect(fit.files[0].firstRejections.map(formatRejection)).toEqual(expected()[tsvLog].filter((r) => !/orig_bytes|id\.resp_p/.test(r)));
    expect(verdicts(score.files[0])).toEqual(verdicts(fit.files[0]));
  });
});
