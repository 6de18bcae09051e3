// The kernel's ABI: the only exports the host sees. Only numbers cross: byte offsets into linear
// memory, counts, seeds. The host (src/kernel.ts) plans and grows the memory; nothing here allocates.

import { SPLIT_BYTES, LEAF_BYTES, MAX_HEIGHT, treeBytes as treeBytesOf } from './layout';
import { seedStream, nextU32 } from './rng';

export { drawSample, growTree } from './fit';
export { addPathLengths } from './score';
export { formatScoredLines, formattedEnd } from './format';
export { scanTsv, scanStop } from './tsv';
export { dictBytes, dictCount, dictReset } from './dictionary';

/** First byte the host may use: static data ends below it. Called once per instance. */
export function heapBase(): usize {
  return __heap_base;
}

/** Layout constants, so the host can check it agrees with layout.ts (test/layout-agreement). */
export function layoutSplitBytes(): u32 { return SPLIT_BYTES; }
export function layoutLeafBytes(): u32 { return LEAF_BYTES; }
export function layoutMaxHeight(): u32 { return MAX_HEIGHT; }
export function treeBytes(height: u32): u32 { return treeBytesOf(height); }

/** Writes the first `count` outputs of stream (seed, stream) to out[count] u32. Tests only. */
export function rngSequence(seed: u32, stream: u32, count: u32, out: usize): void {
  seedStream(seed, stream);
  for (let k: u32 = 0; k < count; k++) store<u32>(out + (<usize>k << 2), nextU32());
}
