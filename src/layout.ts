// The forest's memory layout, mirrored from assembly/layout.ts (read the why there).
// test/layout-agreement.test.ts checks these constants against the compiled kernel.

/** Bytes of one split node: feature index (u32) then threshold (f32). */
export const SPLIT_BYTES = 8;
/** Bytes of one leaf value (f32). */
export const LEAF_BYTES = 4;
/** Largest supported tree height: sampleSize up to 2^16 rows. */
export const MAX_HEIGHT = 16;

/** Split nodes in a complete tree of height h. */
export function splitCount(height: number): number {
  return 2 ** height - 1;
}

/** Bytes of one tree record of height h. */
export function treeBytes(height: number): number {
  return splitCount(height) * SPLIT_BYTES + 2 ** height * LEAF_BYTES;
}

/** Height limit of the paper, ceil(log2 psi), at least 1 (scikit-learn: max(psi, 2)). */
export function heightLimit(psi: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(psi, 2))));
}
