// ROC-AUC and PR-AUC over scores kept per class in typed-array runs (src/score-runs.ts) give the
// values the implementation before them gave (sorting all scores through an index), to the last
// bit: on a labelled generated log through evaluateLogs, and on arbitrary scores with many ties,
// across many run boundaries. The oracle is that implementation, kept in test/helpers/metrics-before.ts.

import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelledScores, averagePrecision, averagePrecisionOf, rocAuc, rocAucOf } from '../src/metrics.js';
import { evaluateLogs } from '../src/pipeline/evaluate.js';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { ScoreRuns } from '../src/score-runs.js';
import { connFeatureColumns, featurize, readZeekLog, validateFeatureSpec } from '../src/zeek/index.js';
import { averagePrecisionBefore, rocAucBefore } from './helpers/metrics-before.js';
import { removeDir, tempDir, writeGeneratedLog } from './helpers/e2e.js';

/** Runs of 3, 6 and then 8 scores: a few hundred scores cross dozens of run boundaries. */
const SHORT_RUNS = { first: 3, longest: 8 };

function labelledOf(scores: readonly number[], labels: readonly boolean[], runLengths = SHORT_RUNS): LabelledScores {
  const l = new LabelledScores(runLengths);
  scores.forEach((s, i) => l.add(s, labels[i]));
  return l;
}

/** Both metrics, new and old, as the same kind of value: Object.is tells NaN from NaN and -0 from 0. */
function expectSameAsBefore(scores: readonly number[], labels: readonly boolean[]): void {
  const l = labelledOf(scores, labels);
  expect(Object.is(rocAucOf(l), rocAucBefore(scores, labels)), `ROC-AUC ${rocAucOf(l)} vs ${rocAucBefore(scores, labels)}`).toBe(true);
  expect(Object.is(averagePrecisionOf(l), averagePrecisionBefore(scores, labels)), `PR-AUC ${averagePrecisionOf(l)} vs ${averagePrecisionBefore(scores, labels)}`).toBe(true);
}

describe('ranking metrics on a labelled log: the same values as before, bit for bit', () => {
  let dir: string;
  let log: string;
  beforeAll(() => {
    dir = tempDir();
    log = writeGeneratedLog(join(dir, 'labelled.log'), { rows: 10_000, seed: 21, labels: true, anomalyRate: 0.01 });
  });
  afterAll(() => removeDir(dir));

  // 7 trees give few distinct path lengths, so many tied scores (2,053 distinct of 10,000 when
  // this was written); 100 trees, the default, give 8,704.
  for (const trees of [100, 7]) {
    it(`evaluateLogs fitted with ${trees} trees`, async () => {
      const result = await evaluateLogs([log], { positive: ['Malicious'], trees, seed: 3 });
      // The same scores and labels, gathered apart from evaluateLogs, for the old implementation.
      const { forest } = await fitLogs([log], { trees, seed: 3 });
      const spec = validateFeatureSpec(forest.featureSpec);
      const reader = readZeekLog(log, { columns: [...connFeatureColumns(spec), { name: 'label', kind: 'string' }] });
      const scores: number[] = [];
      const labels: boolean[] = [];
      for await (const batch of reader.batches) {
        scores.push(...forest.scoreDense(featurize(batch, spec), batch.length));
        labels.push(...batch.strings.get('label')!.map((v) => v === 'Malicious'));
      }
      expect(new Set(scores).size).toBeLessThan(scores.length); // there are ties to handle
      expect(result.positives).toBe(labels.filter(Boolean).length);
      expect(result.rocAuc).toBe(rocAucBefore(scores, labels));
      expect(result.prAuc).toBe(averagePrecisionBefore(scores, labels));
      // The public array forms agree too.
      expect(rocAuc(scores, labels)).toBe(result.rocAuc);
      expect(averagePrecision(scores, labels)).toBe(result.prAuc);
    });
  }
});

describe('ranking metrics over per-class runs', () => {
  it('agree with the old implementation on arbitrary scores with many ties, across many runs', () => {
    // Few distinct values, so most scores are tied, some across both classes; -0 and 0 are one tie.
    const score = fc.oneof(fc.constantFrom(0, -0, 0.25, 0.5, 0.5000000000000001, 1, Infinity), fc.double({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.tuple(score, fc.boolean()), { maxLength: 300 }), (pairs) => {
        expectSameAsBefore(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
      }),
      { numRuns: 500 },
    );
  });

  it('all scores tied: ROC-AUC one half, PR-AUC the share of positives', () => {
    const scores = Array<number>(1000).fill(0.6);
    const labels = scores.map((_, i) => i % 4 === 0);
    const l = labelledOf(scores, labels);
    expect(rocAucOf(l)).toBe(0.5);
    expect(averagePrecisionOf(l)).toBe(0.25);
    expectSameAsBefore(scores, labels);
  });

  it('a known answer with ties across classes', () => {
    // Ascending: n 0.1 | p 0.2, n 0.2 | p 0.3 | n 0.4 | p 0.5: ranks 1 | 2.5, 2.5 | 4 | 5 | 6.
    const scores = [0.5, 0.2, 0.4, 0.1, 0.3, 0.2];
    const labels = [true, true, false, false, true, false];
    const l = labelledOf(scores, labels);
    // U = (2.5 + 4 + 6) − 3·4/2 = 6.5, over 3 × 3 pairs.
    expect(rocAucOf(l)).toBe(6.5 / 9);
    // Thresholds 0.5, 0.4, 0.3, 0.2, 0.1: (1/3)·1 + (1/3)·(2/3) + (1/3)·(3/5).
    expect(averagePrecisionOf(l)).toBeCloseTo(1 / 3 + 2 / 9 + 1 / 5, 15);
    expectSameAsBefore(scores, labels);
  });

  it('one class only: ROC-AUC is NaN; PR-AUC is 1 with only positives, NaN with none', () => {
    const scores = [0.3, 0.3, 0.7, 0.1];
    const positives = labelledOf(scores, [true, true, true, true]);
    expect(rocAucOf(positives)).toBeNaN();
    expect(averagePrecisionOf(positives)).toBe(1);
    const negatives = labelledOf(scores, [false, false, false, false]);
    expect(rocAucOf(negatives)).toBeNaN();
    expect(averagePrecisionOf(negatives)).toBeNaN();
    const empty = new LabelledScores();
    expect(rocAucOf(empty)).toBeNaN();
    expect(averagePrecisionOf(empty)).toBeNaN();
    for (const labels of [[true, true, true, true], [false, false, false, false]]) expectSameAsBefore(scores, labels);
  });

  it('grows across many full-size runs (3 million scores) and still agrees', () => {
    // The default runs: 1,024 doubling to 1,048,576, so 3 M scores fill 12 runs, 2 of full length.
    let state = 5;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const n = 3_000_000;
    const scores = new Float64Array(n);
    const labels = new Uint8Array(n);
    // Rounded to 1/4096 so that there are ties within and across runs.
    for (let i = 0; i < n; i++) {
      scores[i] = Math.round(next() * 4096) / 4096;
      labels[i] = next() < 0.01 ? 1 : 0;
    }
    const l = new LabelledScores();
    for (let i = 0; i < n; i++) l.add(scores[i], labels[i] === 1);
    expect(l.length).toBe(n);
    expect(Object.is(rocAucOf(l), rocAucBefore(scores, labels))).toBe(true);
    expect(Object.is(averagePrecisionOf(l), averagePrecisionBefore(scores, labels))).toBe(true);
  });

  it('walks runs in order both ways, and refuses NaN and scores after the first walk', () => {
    const runs = new ScoreRuns({ first: 2, longest: 3 });
    const values = [5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    for (const v of values) runs.push(v);
    const walked = (descending: boolean) => {
      const w = runs.walk(descending);
      const out: number[] = [];
      while (!w.done) {
        const v = w.peek();
        for (let k = w.skip(v); k > 0; k--) out.push(v);
      }
      return out;
    };
    expect(walked(false)).toEqual([...values].sort((a, b) => a - b));
    expect(walked(true)).toEqual([...values].sort((a, b) => b - a));
    expect(() => runs.push(1)).toThrow('ScoreRuns.push after walk: the runs are already sorted');
    expect(() => new ScoreRuns().push(NaN)).toThrow('a score to rank is NaN');
    expect(() => new ScoreRuns({ first: 0, longest: 4 })).toThrow('run lengths must be integers with 1 ≤ first ≤ longest (got first 0, longest 4)');
  });
});
