// Copies of a row within a batch are scored once (src/distinct-rows.ts). Scores must be exactly
// those of scoring every row by itself, and the search must find every copy and nothing else.
import { describe, expect, it } from 'vitest';
import { DistinctRows } from '../src/distinct-rows.js';
import { IsolationForest } from '../src/index.js';

/** n rows of d columns drawn from `kinds` distinct rows (row r is kind pick(r)). */
function withCopies(n: number, d: number, kinds: number, pick: (r: number) => number): Float32Array {
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) x[r * d + c] = Math.sin(pick(r) * 7.1 + c * 1.3) * 1000;
  return x;
}

describe('DistinctRows.collapse', () => {
  it('keeps each distinct row once, in order of first appearance, and maps every row to it', () => {
    const d = 5;
    const x = withCopies(300, d, 7, (r) => (r * 3) % 7);
    const dr = new DistinctRows();
    const k = dr.collapse(x, 300, d);
    expect(k).toBe(7);
    for (let r = 0; r < 300; r++) {
      expect(Array.from(dr.rows.subarray(dr.of[r] * d, dr.of[r] * d + d))).toEqual(Array.from(x.subarray(r * d, r * d + d)));
    }
    // First appearances are rows 0..6 (kinds 0, 3, 6, 2, 5, 1, 4).
    expect(Array.from(dr.of.subarray(0, 7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('tells rows apart by their bits: -0 and +0 are different rows, equal NaN bits the same', () => {
    const d = 2;
    const x = new Float32Array(200 * d);
    for (let r = 0; r < 200; r++) x[r * d] = r % 2 === 0 ? 0 : -0;
    const dr = new DistinctRows();
    expect(dr.collapse(x, 200, d)).toBe(2);
    expect(Object.is(dr.rows[0], 0)).toBe(true);
    expect(Object.is(dr.rows[2], -0)).toBe(true);
  });

  it('leaves small batches and batches with few copies to be scored directly, then skips a few', () => {
    const dr = new DistinctRows();
    expect(dr.collapse(withCopies(63, 3, 1, () => 0), 63, 3)).toBe(-1);
    const distinct = withCopies(1000, 3, 1000, (r) => r);
    expect(dr.collapse(distinct, 1000, 3)).toBe(-1);
    // The next 8 batches are not searched, even full of copies; the 9th is.
    const copies = withCopies(1000, 3, 2, (r) => r % 2);
    for (let i = 0; i < 8; i++) expect(dr.collapse(copies, 1000, 3)).toBe(-1);
    expect(dr.collapse(copies, 1000, 3)).toBe(2);
  });
});

describe('IsolationForest scores copies once, with the same scores', () => {
  for (const engine of ['wasm', 'ts'] as const) {
    it(`${engine}: a batch full of copies scores as its rows do one by one`, async () => {
      const d = 6;
      const train = withCopies(2000, d, 2000, (r) => r);
      const forest = await IsolationForest.fit({ data: train, nCols: d }, { trees: 30, seed: 5, engine });
      // 10,000 rows (two blocks of the search), 90 % copies of 37 kinds, the rest distinct: the
      // search runs and finds them.
      const n = 10_000;
      const x = withCopies(n, d, 0, (r) => (r % 10 === 0 ? 10_000 + r : r % 37));
      const batch = forest.score({ data: x, nCols: d });
      const single = Array.from({ length: n }, (_, r) => forest.score({ data: x.subarray(r * d, r * d + d), nCols: d })[0]);
      expect(Array.from(batch)).toEqual(single);
      expect(new Set(batch).size).toBeGreaterThan(37);
    });
  }
});
