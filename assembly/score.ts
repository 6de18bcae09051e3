// Path-length traversal: the hot loop of bulk scoring. Branch-free descent over complete trees
// (layout.ts), tree-major over a batch so one tree (3 KB at height 8) stays in L1 while the batch
// passes through it, with 8 rows advanced together so the core overlaps their loads (4, 12 and 16
// were measured too: 8 is the fastest here, as ../shared/PERFORMANCE.md found for clang's WASM).
// Measured on this machine (../shared/PERFORMANCE.md): a naive pointer walk mispredicts ~4
// branches per tree and is 5-6× slower; WASM SIMD cannot help (no gather).

import { SPLIT_BYTES, LEAF_BYTES, splitCount, treeBytes } from './layout';

/**
 * Adds each row's path length in every tree to out[row] (the host zeroes `out` first, or keeps
 * adding over several calls). Summation is tree by tree in tree order for every row, the same
 * order as the twin, so the f64 sums are bit-identical.
 * Called by the host once per batch (a few thousand rows).
 *   nodes: nTrees tree records of height `height`, back to back
 *   x[nRows * nCols] f32, row-major, finite
 *   out[nRows] f64
 */
export function addPathLengths(nodes: usize, nTrees: u32, height: u32, x: usize, nRows: u32, nCols: u32, out: usize): void {
  const stride = <usize>treeBytes(height);
  const leafOffset = <usize>splitCount(height) * SPLIT_BYTES;
  const rowBytes = <usize>nCols << 2;
  const firstLeaf = splitCount(height);
  const blockRows = nRows & ~7;
  for (let t: u32 = 0; t < nTrees; t++) {
    const tree = nodes + <usize>t * stride;
    const leaves = tree + leafOffset;
    let r: u32 = 0;
    for (; r < blockRows; r += 8) {
      const x0 = x + <usize>r * rowBytes;
      const x1 = x0 + rowBytes;
      const x2 = x1 + rowBytes;
      const x3 = x2 + rowBytes;
      const x4 = x3 + rowBytes;
      const x5 = x4 + rowBytes;
      const x6 = x5 + rowBytes;
      const x7 = x6 + rowBytes;
      let i0: u32 = 0, i1: u32 = 0, i2: u32 = 0, i3: u32 = 0;
      let i4: u32 = 0, i5: u32 = 0, i6: u32 = 0, i7: u32 = 0;
      for (let level: u32 = 0; level < height; level++) {
        i0 = step(tree, x0, i0);
        i1 = step(tree, x1, i1);
        i2 = step(tree, x2, i2);
        i3 = step(tree, x3, i3);
        i4 = step(tree, x4, i4);
        i5 = step(tree, x5, i5);
        i6 = step(tree, x6, i6);
        i7 = step(tree, x7, i7);
      }
      const o = out + (<usize>r << 3);
      store<f64>(o, load<f64>(o) + <f64>leaf(leaves, i0 - firstLeaf));
      store<f64>(o, load<f64>(o, 8) + <f64>leaf(leaves, i1 - firstLeaf), 8);
      store<f64>(o, load<f64>(o, 16) + <f64>leaf(leaves, i2 - firstLeaf), 16);
      store<f64>(o, load<f64>(o, 24) + <f64>leaf(leaves, i3 - firstLeaf), 24);
      store<f64>(o, load<f64>(o, 32) + <f64>leaf(leaves, i4 - firstLeaf), 32);
      store<f64>(o, load<f64>(o, 40) + <f64>leaf(leaves, i5 - firstLeaf), 40);
      store<f64>(o, load<f64>(o, 48) + <f64>leaf(leaves, i6 - firstLeaf), 48);
      store<f64>(o, load<f64>(o, 56) + <f64>leaf(leaves, i7 - firstLeaf), 56);
    }
    for (; r < nRows; r++) {
      const xr = x + <usize>r * rowBytes;
      let i: u32 = 0;
      for (let level: u32 = 0; level < height; level++) i = step(tree, xr, i);
      const o = out + (<usize>r << 3);
      store<f64>(o, load<f64>(o) + <f64>leaf(leaves, i - firstLeaf));
    }
  }
}

/** One level of descent: i = 2i + 1 + (x[feature] > threshold), with no branch. */
// @ts-ignore: decorator
@inline function step(tree: usize, row: usize, i: u32): u32 {
  const node = tree + <usize>i * SPLIT_BYTES;
  const feature = load<u32>(node);
  const threshold = load<f32>(node, 4);
  const value = load<f32>(row + (<usize>feature << 2));
  return 2 * i + 1 + <u32>(value > threshold);
}

// @ts-ignore: decorator
@inline function leaf(leaves: usize, k: u32): f32 {
  return load<f32>(leaves + <usize>k * LEAF_BYTES);
}
