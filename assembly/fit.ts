// Tree construction (Liu, Ting & Zhou, ICDM 2008, Algorithms 1 and 2), as scikit-learn's
// IsolationForest does it, so scores are comparable: psi rows drawn without replacement, height
// limit H = ceil(log2 psi), at each node a feature drawn uniformly among those not constant over
// the node's rows, and a split value uniform in [min, max). The TypeScript twin is src/reference.ts:
// any change here must be made there too (test/engine-equivalence.test.ts fails otherwise).

import { SPLIT_BYTES, LEAF_BYTES, splitCount } from './layout';
import { seedStream, nextBelow, nextUnit, mix32 } from './rng';

/**
 * Draws psi distinct row indices from [0, nRows) for tree `tree` (Floyd's algorithm: psi draws,
 * no O(nRows) work, so a million-row input costs the same as a thousand-row one), and leaves the
 * tree's random stream positioned for growTree.
 * Called by the host once per tree.
 *   outIdx[psi] u32: the sample, in draw order
 *   hashSlots[hashMask + 1] u32: scratch, a set of (index + 1); hashMask + 1 ≥ 2·psi, a power of two
 */
export function drawSample(seed: u32, tree: u32, nRows: u32, psi: u32, outIdx: usize, hashSlots: usize, hashMask: u32): void {
  seedStream(seed, tree);
  memory.fill(hashSlots, 0, (<usize>hashMask + 1) << 2);
  let count: u32 = 0;
  for (let j: u32 = nRows - psi; j < nRows; j++) {
    const t = nextBelow(j + 1);
    // Floyd: if t was drawn before, j (never drawn before, as j only grows) takes its place.
    const pick = insertIfAbsent(hashSlots, hashMask, t) ? t : j;
    if (pick == j) insertIfAbsent(hashSlots, hashMask, j);
    store<u32>(outIdx + (<usize>count << 2), pick);
    count++;
  }
}

/** Linear-probing set insert; returns false when `value` was already present. */
function insertIfAbsent(slots: usize, mask: u32, value: u32): bool {
  const key = value + 1;
  let h = mix32(value) & mask;
  while (true) {
    const at = slots + (<usize>h << 2);
    const held = load<u32>(at);
    if (held == 0) {
      store<u32>(at, key);
      return true;
    }
    if (held == key) return false;
    h = (h + 1) & mask;
  }
}

/**
 * Grows one tree over the psi sample rows the host gathered (in drawSample's order) into `x`,
 * continuing the random stream drawSample left. Called by the host once per tree.
 *   x[psi * nCols] f32, row-major
 *   nodes: the tree record (see layout.ts), treeBytes(height) bytes
 *   cTable[psi + 1] f64: c(n) for n = 0..psi, computed by the host (the one implementation of
 *     the paper's logarithms, so both engines agree to the bit)
 *   work: scratch of psi + nCols + 4·(height + 2) u32
 */
export function growTree(x: usize, psi: u32, nCols: u32, height: u32, nodes: usize, cTable: usize, work: usize): void {
  const nSplits = splitCount(height);
  const leaves = nodes + <usize>nSplits * SPLIT_BYTES;
  // Padding splits send every row left: threshold +Infinity, feature 0.
  for (let i: u32 = 0; i < nSplits; i++) {
    const at = nodes + <usize>i * SPLIT_BYTES;
    store<u32>(at, 0);
    store<f32>(at, Infinity, 4);
  }

  const order = work;                                    // u32[psi]: rows of the current node
  const candidates = order + (<usize>psi << 2);          // u32[nCols]: features still to try
  const stack = candidates + (<usize>nCols << 2);        // u32[4 · (height + 2)]: node, start, end, depth
  for (let r: u32 = 0; r < psi; r++) store<u32>(order + (<usize>r << 2), r);

  let top: u32 = 0;
  pushNode(stack, top++, 0, 0, psi, 0);
  while (top > 0) {
    top--;
    const entry = stack + (<usize>top << 4);
    const node = load<u32>(entry);
    const start = load<u32>(entry, 4);
    const end = load<u32>(entry, 8);
    const depth = load<u32>(entry, 12);
    const size = end - start;

    let split = false;
    if (depth < height && size > 1) {
      for (let f: u32 = 0; f < nCols; f++) store<u32>(candidates + (<usize>f << 2), f);
      let remaining = nCols;
      while (remaining > 0) {
        const pick = nextBelow(remaining);
        const feature = load<u32>(candidates + (<usize>pick << 2));
        let lo = Infinity;
        let hi = -Infinity;
        for (let k = start; k < end; k++) {
          const row = load<u32>(order + (<usize>k << 2));
          const v = <f64>load<f32>(x + ((<usize>row * nCols + feature) << 2));
          lo = min(lo, v);
          hi = max(hi, v);
        }
        if (hi > lo) {
          let threshold = <f32>(lo + nextUnit() * (hi - lo));
          // Rounding to f32 can reach max; scikit-learn maps that case to min, as we do.
          if (<f64>threshold >= hi) threshold = <f32>lo;
          const at = nodes + <usize>node * SPLIT_BYTES;
          store<u32>(at, feature);
          store<f32>(at, threshold, 4);
          const mid = partition(x, nCols, feature, threshold, order, start, end);
          // Right first, so the left subtree is grown first: both engines draw in this order.
          pushNode(stack, top++, 2 * node + 2, mid, end, depth + 1);
          pushNode(stack, top++, 2 * node + 1, start, mid, depth + 1);
          split = true;
          break;
        }
        // Constant here: it stays constant below, so drop it and draw again among the rest.
        remaining--;
        store<u32>(candidates + (<usize>pick << 2), load<u32>(candidates + (<usize>remaining << 2)));
      }
    }
    if (!split) writeLeaf(leaves, height, node, depth, <f32>(<f64>depth + load<f64>(cTable + (<usize>size << 3))));
  }
}

// @ts-ignore: decorator
@inline function pushNode(stack: usize, slot: u32, node: u32, start: u32, end: u32, depth: u32): void {
  const at = stack + (<usize>slot << 4);
  store<u32>(at, node);
  store<u32>(at, start, 4);
  store<u32>(at, end, 8);
  store<u32>(at, depth, 12);
}

/** Moves rows with x[feature] <= threshold before the others; returns where the right part starts. */
function partition(x: usize, nCols: u32, feature: u32, threshold: f32, order: usize, start: u32, end: u32): u32 {
  let i = start;
  let j = end;
  while (i < j) {
    const row = load<u32>(order + (<usize>i << 2));
    if (load<f32>(x + ((<usize>row * nCols + feature) << 2)) <= threshold) {
      i++;
    } else {
      j--;
      store<u32>(order + (<usize>i << 2), load<u32>(order + (<usize>j << 2)));
      store<u32>(order + (<usize>j << 2), row);
    }
  }
  return i;
}

/** A leaf at `depth` covers 2^(height - depth) slots of the bottom level: all get its value. */
function writeLeaf(leaves: usize, height: u32, node: u32, depth: u32, value: f32): void {
  const span: u32 = 1 << (height - depth);
  const first = (node + 1) * span - (1 << height);
  for (let k: u32 = 0; k < span; k++) store<f32>(leaves + (<usize>(first + k) * LEAF_BYTES), value);
}
