// explainRow names each feature once, with the side of its splits that earned it the most credit:
// a row in the middle of a feature's range goes right at some splits and left at others.
import { describe, expect, it } from 'vitest';
import { explainRow } from '../src/explain.js';
import { SPLIT_BYTES, splitCount, treeBytes } from '../src/layout.js';

type Split = [feature: number, threshold: number];

/** Trees of height 2 (src/layout.ts): 3 splits, then 4 leaves holding the path length h. */
function forest(trees: { splits: [Split, Split, Split]; leaves: [number, number, number, number] }[]): Uint8Array {
  const bytes = new Uint8Array(trees.length * treeBytes(2));
  const view = new DataView(bytes.buffer);
  trees.forEach((tree, t) => {
    const base = t * treeBytes(2);
    tree.splits.forEach(([feature, threshold], i) => {
      view.setUint32(base + i * SPLIT_BYTES, feature, true);
      view.setFloat32(base + i * SPLIT_BYTES + 4, threshold, true);
    });
    tree.leaves.forEach((h, i) => view.setFloat32(base + splitCount(2) * SPLIT_BYTES + i * 4, h, true));
  });
  return bytes;
}

const row = [7, 1];
// Tree 1: 7 > 5 (feature 0 high), then 7 ≤ 9 (feature 0 low), leaf h 2.
// Tree 2: 7 > 6 (feature 0 high), then 1 > 0 (feature 1 high), leaf h 2.
// Credit: feature 0 high 1/2 + 1/2, feature 0 low 1/2, feature 1 high 1/2; total 2.
const trees = forest([
  { splits: [[0, 5], [1, 0], [0, 9]], leaves: [2, 2, 2, 2] },
  { splits: [[0, 6], [1, 0], [1, 0]], leaves: [2, 2, 2, 2] },
]);

describe('explainRow', () => {
  it('names a feature split on both sides once, with the side of more credit', () => {
    expect(explainRow(trees, 2, 2, row, 6)).toEqual([
      { feature: 0, direction: 'high', share: 0.5 },
      { feature: 1, direction: 'high', share: 0.25 },
    ]);
  });

  it('takes the other side when it earned more', () => {
    // Two more trees where 7 ≤ 8 and then 7 ≤ 7.5: feature 0 low now has 1/2 + 2 × (1/2 + 1/2).
    const more = forest([
      { splits: [[0, 5], [1, 0], [0, 9]], leaves: [2, 2, 2, 2] },
      { splits: [[0, 6], [1, 0], [1, 0]], leaves: [2, 2, 2, 2] },
      { splits: [[0, 8], [0, 7.5], [1, 0]], leaves: [2, 2, 2, 2] },
      { splits: [[0, 8], [0, 7.5], [1, 0]], leaves: [2, 2, 2, 2] },
    ]);
    expect(explainRow(more, 4, 2, row, 6)).toEqual([
      { feature: 0, direction: 'low', share: 2.5 / 4 },
      { feature: 1, direction: 'high', share: 0.5 / 4 },
    ]);
  });

  it('gives at most `limit` features, strongest first', () => {
    expect(explainRow(trees, 2, 2, row, 1)).toEqual([{ feature: 0, direction: 'high', share: 0.5 }]);
  });

  it('credits features past the end of a short row as low (the row has no value there), whatever their index', () => {
    // Tree 1 as above. Tree 2: 7 > 6 (feature 0 high), then row[1] is missing: feature 1 low.
    expect(explainRow(trees, 2, 2, [7], 6)).toEqual([
      { feature: 0, direction: 'high', share: 0.5 },
      { feature: 1, direction: 'low', share: 0.25 },
    ]);
    const far = forest([{ splits: [[4e9, 5], [0, 0], [0, 0]], leaves: [1, 1, 1, 1] }]);
    // Equal credit: the lower key first (feature 0 high is key 1, feature 4e9 low key 8e9).
    expect(explainRow(far, 1, 2, row, 6)).toEqual([
      { feature: 0, direction: 'high', share: 0.5 },
      { feature: 4e9, direction: 'low', share: 0.5 },
    ]);
  });
});
