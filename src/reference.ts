// The pure-TypeScript twin of the WASM kernel (assembly/fit.ts, assembly/score.ts): the same
// algorithm, the same random stream, the same f32 rounding, so the same seed gives byte-identical
// trees and bit-identical path sums. It is the fallback where WebAssembly is unavailable and the
// baseline the benchmarks compare against. Keep it line-for-line parallel with assembly/.

import { SPLIT_BYTES, splitCount, treeBytes } from './layout.js';
import { Xoshiro128, mix32 } from './rng.js';

/**
 * Floyd's sampling of psi distinct indices from [0, nRows); returns the tree's random stream,
 * positioned for growTree. Mirrors assembly/fit.ts drawSample.
 */
export function drawSample(seed: number, tree: number, nRows: number, psi: number, outIdx: Uint32Array): Xoshiro128 {
  const rng = new Xoshiro128(seed, tree);
  let mask = 1;
  while (mask + 1 < 2 * psi) mask = mask * 2 + 1;
  const slots = new Uint32Array(mask + 1);
  let count = 0;
  for (let j = nRows - psi; j < nRows; j++) {
    const t = rng.nextBelow(j + 1);
    const pick = insertIfAbsent(slots, mask, t) ? t : j;
    if (pick === j) insertIfAbsent(slots, mask, j);
    outIdx[count++] = pick;
  }
  return rng;
}

/** The hash-set mask both engines use for a sample of psi: 2^k − 1 with 2^k ≥ 2·psi. */
export function sampleHashMask(psi: number): number {
  let mask = 1;
  while (mask + 1 < 2 * psi) mask = mask * 2 + 1;
  return mask;
}

function insertIfAbsent(slots: Uint32Array, mask: number, value: number): boolean {
  const key = value + 1;
  let h = mix32(value) & mask;
  for (;;) {
    const held = slots[h];
    if (held === 0) {
      slots[h] = key;
      return true;
    }
    if (held === key) return false;
    h = (h + 1) & mask;
  }
}

/**
 * Grows one tree over x[psi * nCols] (f32, row-major, the sample in draw order) into the tree
 * record at nodes[0, treeBytes(height)). Mirrors assembly/fit.ts growTree.
 */
export function growTree(rng: Xoshiro128, x: Float32Array, psi: number, nCols: number, height: number, nodes: Uint8Array, cTable: Float64Array): void {
  const nSplits = splitCount(height);
  const view = new DataView(nodes.buffer, nodes.byteOffset, treeBytes(height));
  const leafBase = nSplits * SPLIT_BYTES;
  for (let i = 0; i < nSplits; i++) {
    view.setUint32(i * SPLIT_BYTES, 0, true);
    view.setFloat32(i * SPLIT_BYTES + 4, Infinity, true);
  }
  const order = new Uint32Array(psi);
  for (let r = 0; r < psi; r++) order[r] = r;
  const candidates = new Uint32Array(nCols);
  const stack: number[] = [0, 0, psi, 0];

  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;
    const size = end - start;

    let split = false;
    if (depth < height && size > 1) {
      for (let f = 0; f < nCols; f++) candidates[f] = f;
      let remaining = nCols;
      while (remaining > 0) {
        const pick = rng.nextBelow(remaining);
        const feature = candidates[pick];
        let lo = Infinity;
        let hi = -Infinity;
        for (let k = start; k < end; k++) {
          const v = x[order[k] * nCols + feature];
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        if (hi > lo) {
          let threshold = Math.fround(lo + rng.nextUnit() * (hi - lo));
          if (threshold >= hi) threshold = lo;
          view.setUint32(node * SPLIT_BYTES, feature, true);
          view.setFloat32(node * SPLIT_BYTES + 4, threshold, true);
          const mid = partition(x, nCols, feature, threshold, order, start, end);
          stack.push(2 * node + 2, mid, end, depth + 1);
          stack.push(2 * node + 1, start, mid, depth + 1);
          split = true;
          break;
        }
        remaining--;
        candidates[pick] = candidates[remaining];
      }
    }
    if (!split) {
      const value = Math.fround(depth + cTable[size]);
      const span = 2 ** (height - depth);
      const first = (node + 1) * span - 2 ** height;
      for (let k = 0; k < span; k++) view.setFloat32(leafBase + (first + k) * 4, value, true);
    }
  }
}

function partition(x: Float32Array, nCols: number, feature: number, threshold: number, order: Uint32Array, start: number, end: number): number {
  let i = start;
  let j = end;
  while (i < j) {
    const row = order[i];
    if (x[row * nCols + feature] <= threshold) {
      i++;
    } else {
      j--;
      order[i] = order[j];
      order[j] = row;
    }
  }
  return i;
}

/**
 * A forest prepared for scoring in plain JavaScript. V8 turns `x > t ? 1 : 0` into a real branch,
 * which mispredicts half the time; so thresholds and inputs are mapped to order-preserving int32
 * keys and the step is computed with integer arithmetic (../shared/PERFORMANCE.md: 2.5× faster,
 * and exact).
 */
export class ReferenceScorer {
  private readonly features: Int32Array;
  private readonly thresholdKeys: Float64Array;
  private readonly leaves: Float32Array;
  private keys = new Float64Array(0);

  constructor(forest: Uint8Array, private readonly trees: number, private readonly height: number) {
    const nSplits = splitCount(height);
    const leafCount = 2 ** height;
    const view = new DataView(forest.buffer, forest.byteOffset, forest.byteLength);
    this.features = new Int32Array(trees * nSplits);
    this.thresholdKeys = new Float64Array(trees * nSplits);
    this.leaves = new Float32Array(trees * leafCount);
    const stride = treeBytes(height);
    for (let t = 0; t < trees; t++) {
      for (let i = 0; i < nSplits; i++) {
        const at = t * stride + i * SPLIT_BYTES;
        this.features[t * nSplits + i] = view.getUint32(at, true);
        this.thresholdKeys[t * nSplits + i] = sortableKey(view.getFloat32(at + 4, true));
      }
      for (let k = 0; k < leafCount; k++) this.leaves[t * leafCount + k] = view.getFloat32(t * stride + nSplits * SPLIT_BYTES + k * 4, true);
    }
  }

  /** Adds each row's path length in every tree to out[row]; same order of summation as the kernel. */
  addPathLengths(x: Float32Array, nRows: number, nCols: number, out: Float64Array): void {
    if (this.keys.length < nRows * nCols) this.keys = new Float64Array(nRows * nCols);
    const keys = this.keys;
    for (let k = 0; k < nRows * nCols; k++) keys[k] = sortableKey(x[k]);
    const { features, thresholdKeys, leaves, height } = this;
    const nSplits = splitCount(height);
    const leafCount = nSplits + 1;
    for (let t = 0; t < this.trees; t++) {
      const nodeBase = t * nSplits;
      const leafBase = t * leafCount;
      let r = 0;
      for (; r + 4 <= nRows; r += 4) {
        const b0 = r * nCols;
        const b1 = b0 + nCols;
        const b2 = b1 + nCols;
        const b3 = b2 + nCols;
        let i0 = 0, i1 = 0, i2 = 0, i3 = 0;
        for (let level = 0; level < height; level++) {
          i0 = 2 * i0 + 1 + greater(keys[b0 + features[nodeBase + i0]], thresholdKeys[nodeBase + i0]);
          i1 = 2 * i1 + 1 + greater(keys[b1 + features[nodeBase + i1]], thresholdKeys[nodeBase + i1]);
          i2 = 2 * i2 + 1 + greater(keys[b2 + features[nodeBase + i2]], thresholdKeys[nodeBase + i2]);
          i3 = 2 * i3 + 1 + greater(keys[b3 + features[nodeBase + i3]], thresholdKeys[nodeBase + i3]);
        }
        out[r] += leaves[leafBase + i0 - nSplits];
        out[r + 1] += leaves[leafBase + i1 - nSplits];
        out[r + 2] += leaves[leafBase + i2 - nSplits];
        out[r + 3] += leaves[leafBase + i3 - nSplits];
      }
      for (; r < nRows; r++) {
        const b = r * nCols;
        let i = 0;
        for (let level = 0; level < height; level++) i = 2 * i + 1 + greater(keys[b + features[nodeBase + i]], thresholdKeys[nodeBase + i]);
        out[r] += leaves[leafBase + i - nSplits];
      }
    }
  }
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/**
 * An integer that orders like the f32 value: x < y ⇔ key(x) < key(y), for finite values and +Inf.
 * −0 is made +0 first, or the two zeros would get different keys.
 */
export function sortableKey(value: number): number {
  f32[0] = value + 0;
  const bits = i32[0];
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

/**
 * 1 when key a > key b, else 0, without a branch: the keys are int32, so a − b is an exact integer
 * in (−2^32, 2^32) and (a − b + 2^32 − 1) / 2^32 truncates to 1 exactly when a − b ≥ 1.
 */
function greater(a: number, b: number): number {
  return ((a - b + 4294967295) * 2.3283064365386963e-10) | 0;
}
