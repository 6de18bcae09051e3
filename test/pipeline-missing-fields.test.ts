// A log without some of the fields a model reads (cut down as `bro-cut -C -n orig_bytes resp_bytes
// duration conn_state` does, or written with renamed fields) is scored with a warning naming the
// file, the fields and the features that see them as unset, once per input; and fitting on such a
// log warns for every feature it leaves constant, the numeric ones as well as the categorical.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineName } from '../src/engine.js';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { assertBuilt, linesOf, removeDir, runCli, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const ZAT = join(ZEEK_FIXTURES, 'zat/conn.log');
const CUT_FIELDS = ['orig_bytes', 'resp_bytes', 'duration', 'conn_state'];

let dir: string;
let cut: string;
let twoBlocks: string;
let jsonCut: string;
let model: Uint8Array;
let modelPath: string;

/** `text` without the fields `drop`, as `bro-cut -C -n` writes it: #fields, #types and every record. */
function cutFields(text: string, drop: readonly string[]): string {
  let keep: boolean[] = [];
  const cells = (cs: string[]): string => cs.filter((_, i) => keep[i]).join('\t');
  return linesOf(text).map((line) => {
    if (line.startsWith('#fields\t')) keep = line.split('\t').slice(1).map((f) => !drop.includes(f));
    if (line.startsWith('#fields\t') || line.startsWith('#types\t')) {
      const [name, ...rest] = line.split('\t');
      return `${name}\t${cells(rest)}`;
    }
    return line.startsWith('#') ? line : cells(line.split('\t'));
  }).join('\n') + '\n';
}

function warningFor(file: string): string {
  return `${file}: the #fields line has no duration, orig_bytes, resp_bytes or conn_state, which the model reads: `
    + 'features duration, orig_bytes, resp_bytes, resp_orig_bytes_ratio and conn_state will see them as unset on every record';
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  const zat = readFileSync(ZAT, 'latin1');
  cut = join(dir, 'cut.log');
  writeFileSync(cut, cutFields(zat, CUT_FIELDS), 'latin1');
  // The same cut log twice over, as two header blocks (a rotated log concatenated).
  twoBlocks = join(dir, 'two-blocks.log');
  writeFileSync(twoBlocks, cutFields(zat, CUT_FIELDS).repeat(2), 'latin1');
  jsonCut = join(dir, 'cut.json.log');
  const json = linesOf(readFileSync(join(ZEEK_FIXTURES, 'zat/json_conn.log'), 'utf8')).map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    for (const f of CUT_FIELDS) delete o[f];
    return JSON.stringify(o);
  });
  writeFileSync(jsonCut, json.join('\n') + '\n');
  const fitted = await fitLogs([ZAT], { trees: 10 });
  model = fitted.forest.toBytes();
  modelPath = join(dir, 'zat.iforest');
  writeFileSync(modelPath, model);
});

afterAll(() => removeDir(dir));

describe('score warns about fields the model reads that an input lacks', () => {
  for (const threads of [0, 2]) {
    it(`once per input, in input order, with 4 KiB chunks on ${threads} threads`, async () => {
      const result = await scoreLogs([cut, ZAT, twoBlocks, cut], { model, threads, chunkBytes: 4096, out: null });
      expect(result.records).toBe(360 * 5);
      expect(result.warnings).toEqual([warningFor(cut), warningFor(twoBlocks), warningFor(cut)]);
    });
  }

  it('names a field renamed away, and none for the "_"-scoped spelling the reader understands', async () => {
    const renamed = join(ZEEK_FIXTURES, 'btest/scripts.base.frameworks.logging.field-name-map_conn.log');
    const scoped = join(ZEEK_FIXTURES, 'btest/scripts.base.frameworks.logging.scope_sep_conn.log');
    const result = await scoreLogs([renamed, scoped, ZAT], { model, threads: 0, out: null });
    expect(result.warnings).toEqual([
      `${renamed}: the #fields line has no id.resp_p, which the model reads: feature resp_port will see it as unset on every record`,
    ]);
  });

  it('says nothing for JSON, whose records may leave any key out', async () => {
    expect((await scoreLogs([jsonCut], { model, threads: 0, out: null })).warnings).toEqual([]);
  });

  it('on stderr through the CLI, with the scores written as usual', async () => {
    const out = join(dir, 'cut.scored.log');
    const run = await runCli(['score', cut, '-m', modelPath, '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(`zeek-iforest: warning: ${warningFor(cut)}\n`);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'score', records: 360 });
    expect(linesOf(readFileSync(out, 'latin1')).filter((l) => !l.startsWith('#'))).toHaveLength(360);
  });
});

describe('fit warns for every feature the input leaves unset', () => {
  for (const engine of ['wasm', 'ts'] as EngineName[]) {
    it(`numeric and categorical alike (${engine} engine)`, async () => {
      const fitted = await fitLogs([cut], { trees: 10, engine });
      expect(fitted.warnings).toEqual([
        'duration: no record has duration set',
        'orig_bytes: no record has orig_bytes set',
        'resp_bytes: no record has resp_bytes set',
        'resp_orig_bytes_ratio: no record has resp_bytes or orig_bytes set',
        'conn_state: no record has conn_state set',
      ].map((w) => `feature ${w}, so it is the same for every record and isolates nothing`));
    });
  }
});
