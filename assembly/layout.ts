// The memory layout of a fitted forest, shared by the WASM kernel and the TypeScript host
// (src/layout.ts mirrors every constant here, and test/layout-agreement.test.ts checks them).
//
// Memory plan: the HOST owns it. The kernel never allocates; every export takes byte offsets into
// linear memory that the host has laid out (and grown) beforehand. See docs/ARCHITECTURE.md.
//
// Each tree is stored as a COMPLETE binary tree of height H (H = ceil(log2 psi)), in breadth-first
// order, so children are implicit (node i has children 2i+1 and 2i+2): no child indices are stored,
// so a model file cannot describe a cycle or an out-of-range child, and descent is branch-free:
//     i = 2*i + 1 + (x[feature[i]] > threshold[i])
// Under a leaf that the fit reached early, the padding split nodes send every row left
// (threshold = +Infinity, and inputs are finite) and every leaf below holds the real leaf's value.
// This costs little: with psi = 256 about 90 % of walks reach depth 8 anyway (../shared/PERFORMANCE.md).
//
// Tree record, little-endian:
//   split nodes  [2^H - 1] × { feature: u32, threshold: f32 }   (8 bytes each)
//   leaves       [2^H]     × f32   path length = depth + c(size)  (Liu et al. 2008, eq. 1)

/** Bytes of one split node: feature index (u32) then threshold (f32). */
export const SPLIT_BYTES: u32 = 8;
/** Bytes of one leaf value (f32). */
export const LEAF_BYTES: u32 = 4;
/** Largest supported height: psi up to 65,536 rows per tree. */
export const MAX_HEIGHT: u32 = 16;

/** Split nodes in a complete tree of height h. */
// @ts-ignore: decorator
@inline export function splitCount(h: u32): u32 {
  return (1 << h) - 1;
}

/** Bytes of one tree of height h. */
// @ts-ignore: decorator
@inline export function treeBytes(h: u32): u32 {
  return splitCount(h) * SPLIT_BYTES + (1 << h) * LEAF_BYTES;
}
