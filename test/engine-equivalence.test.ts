import { describe, expect, it } from 'vitest';
import { IsolationForest } from '../src/index.js';
import { readBenchCsv } from './helpers/bench-csv.js';

/** Deterministic heavy-tailed data with negative values, zeros (±0) and repeated values. */
function synthetic(n: number, d: number, seed: number): { data: Float64Array; nCols: number } {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) {
    const u = next();
    data[i] = i % 7 === 0 ? (u < 0.5 ? -0 : 0) : i % 5 === 0 ? Math.round(u * 3) : Math.exp(8 * u) * (u < 0.2 ? -1 : 1);
  }
  return { data, nCols: d };
}

const datasets = {
  'synthetic 3000×10': synthetic(3000, 10, 1),
  'synthetic 300×3': synthetic(300, 3, 2),
  'pima (real)': readBenchCsv('pima_adbench.csv'),
  'arrhythmia (real, 274 features, many constant)': readBenchCsv('arrhythmia_odds.csv'),
};

describe('the WASM kernel and the TypeScript twin are the same algorithm', () => {
  for (const [name, set] of Object.entries(datasets)) {
    for (const seed of [1, 7, 123456789]) {
      it(`gives byte-identical models and identical scores: ${name}, seed ${seed}`, async () => {
        const rows = { data: set.data, nCols: set.nCols };
        const options = { trees: 25, seed, sampleSize: 128 };
        const wasm = await IsolationForest.fit(rows, { ...options, engine: 'wasm' });
        const ts = await IsolationForest.fit(rows, { ...options, engine: 'ts' });
        expect(Buffer.from(ts.toBytes()).equals(Buffer.from(wasm.toBytes()))).toBe(true);
        expect(Array.from(ts.score(rows))).toEqual(Array.from(wasm.score(rows)));
        // Points outside the training range take the outermost branches and the padding below them.
        const outside = { data: set.data.map((v, i) => (i % 2 ? v * 1000 + 1 : -v * 1000 - 1)), nCols: set.nCols };
        expect(Array.from(ts.score(outside))).toEqual(Array.from(wasm.score(outside)));
      });
    }
  }

  it('gives a different model for a different seed', async () => {
    const rows = datasets['synthetic 3000×10'];
    const a = await IsolationForest.fit(rows, { trees: 5, seed: 1 });
    const b = await IsolationForest.fit(rows, { trees: 5, seed: 2 });
    expect(Buffer.from(a.toBytes()).equals(Buffer.from(b.toBytes()))).toBe(false);
  });

  it('scores the same whatever the batch size, in both engines', async () => {
    const { data, nCols } = datasets['synthetic 3000×10'];
    const rows = { data: Float32Array.from(data), nCols };
    for (const engine of ['wasm', 'ts'] as const) {
      const forest = await IsolationForest.fit(rows, { trees: 30, seed: 5, engine });
      const whole = forest.score(rows);
      for (const batch of [1, 7, 8, 9, 1000, 2049]) {
        const pieces = new Float64Array(whole.length);
        for (let r = 0; r * nCols < data.length; r += batch) {
          const part = rows.data.subarray(r * nCols, Math.min(data.length, (r + batch) * nCols));
          pieces.set(forest.score({ data: part, nCols }), r);
        }
        expect(Array.from(pieces)).toEqual(Array.from(whole));
      }
    }
  });

  it('scores number[][] rows like the same rows as a Float64Array', async () => {
    const { data, nCols } = datasets['synthetic 300×3'];
    const nested = Array.from({ length: data.length / nCols }, (_, r) => Array.from(data.subarray(r * nCols, (r + 1) * nCols)));
    const a = await IsolationForest.fit(nested, { trees: 10, seed: 3 });
    const b = await IsolationForest.fit({ data, nCols }, { trees: 10, seed: 3 });
    expect(Buffer.from(a.toBytes()).equals(Buffer.from(b.toBytes()))).toBe(true);
    expect(Array.from(a.score(nested))).toEqual(Array.from(b.score({ data, nCols })));
  });
});
