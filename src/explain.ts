// Why a row scored high: the features whose splits isolated it. An anomaly is isolated in short
// paths (Liu et al. 2008), so every real split on a row's path in a tree gets credit 1 / h, h being
// that tree's path length: splits on short paths dominate, and a feature that isolates the row in
// many trees comes first. The side taken says whether the value was high or low there; a value in
// the middle of a feature's range goes right at some splits and left at others, so each feature is
// named once, with the side that earned it the most credit ("duration high, duration low" said
// nothing). Only the few rows a person will read are explained, so this is plain TypeScript.

import { SPLIT_BYTES, splitCount, treeBytes } from './layout.js';

export interface Contribution {
  /** Column index of the feature. */
  feature: number;
  /**
   * 'high' when the row went above the split values (right), 'low' when at or below them: of the
   * two, the side whose splits on this feature earned more credit (on a tie, 'low').
   */
  direction: 'high' | 'low';
  /** Credit of this feature's splits on that side, as a share of the row's total credit, in (0, 1]. */
  share: number;
}

/**
 * The features that isolated `row` (nCols f32 values), strongest first, each once, at most `limit`.
 * forest: `trees` tree records of height `height` (src/layout.ts).
 */
export function explainRow(forest: Uint8Array, trees: number, height: number, row: ArrayLike<number>, limit = 3): Contribution[] {
  const view = new DataView(forest.buffer, forest.byteOffset, forest.byteLength);
  const nSplits = splitCount(height);
  const stride = treeBytes(height);
  // Nothing in the loops allocates (the top candidates of every chunk are explained): the credit
  // per key, feature * 2 + (went right ? 1 : 0), is in a typed array, where a Map would box every
  // sum, and the path in another, where an array emptied per tree would grow again in every tree.
  // Features past the end of a short row (any value from a hand-made forest) go to a Map.
  const credit = new Float64Array(2 * row.length);
  let beyondRow: Map<number, number> | null = null;
  // Keys as first credited: the total is summed in that order.
  const order: number[] = [];
  const path = new Float64Array(height);
  for (let t = 0; t < trees; t++) {
    const base = t * stride;
    let depth = 0;
    let i = 0;
    for (let level = 0; level < height; level++) {
      const feature = view.getUint32(base + i * SPLIT_BYTES, true);
      const threshold = view.getFloat32(base + i * SPLIT_BYTES + 4, true);
      // +Infinity marks padding below a leaf the fit reached early: the real path has ended.
      if (threshold === Infinity) break;
      const right = row[feature] > threshold ? 1 : 0;
      path[depth++] = feature * 2 + right;
      i = 2 * i + 1 + right;
    }
    while (i < nSplits) i = 2 * i + 1;
    const h = view.getFloat32(base + nSplits * SPLIT_BYTES + (i - nSplits) * 4, true);
    const weight = 1 / Math.max(h, 1);
    for (let d = 0; d < depth; d++) {
      const key = path[d];
      if (key < credit.length) {
        if (credit[key] === 0) order.push(key);
        credit[key] += weight;
      } else {
        beyondRow ??= new Map();
        const before = beyondRow.get(key);
        if (before === undefined) order.push(key);
        beyondRow.set(key, (before ?? 0) + weight);
      }
    }
  }
  const creditOf = (key: number): number => (key < credit.length ? credit[key] : beyondRow!.get(key)!);
  let total = 0;
  for (const key of order) total += creditOf(key);
  // Strongest (feature, side) first; a feature's weaker side comes later and is dropped, so the
  // order of the features is the order of their stronger sides.
  const named = new Set<number>();
  const out: Contribution[] = [];
  for (const [key, v] of order.map((k) => [k, creditOf(k)]).sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    if (out.length >= limit) break;
    // Keys reach 2^33 (u32 feature indices): halved in floating point, not with >> 1.
    const feature = Math.floor(key / 2);
    if (named.has(feature)) continue;
    named.add(feature);
    out.push({ feature, direction: key % 2 === 1 ? 'high' : 'low', share: v / total });
  }
  return out;
}
