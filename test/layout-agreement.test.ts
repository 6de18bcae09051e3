import { describe, expect, it } from 'vitest';
import { WasmKernel, kernelLayout } from '../src/kernel.js';
import { LEAF_BYTES, MAX_HEIGHT, SPLIT_BYTES, treeBytes } from '../src/layout.js';
import { Xoshiro128 } from '../src/rng.js';

describe('the host and the WASM kernel agree on the memory layout and the random stream', () => {
  const kernel = new WasmKernel();

  it('has the same node record constants', () => {
    expect(kernelLayout(kernel)).toEqual({ splitBytes: SPLIT_BYTES, leafBytes: LEAF_BYTES, maxHeight: MAX_HEIGHT });
  });

  it('computes the same tree size for every supported height', () => {
    for (let h = 1; h <= MAX_HEIGHT; h++) expect(kernel.exports.treeBytes(h)).toBe(treeBytes(h));
  });

  it('draws the same xoshiro128** numbers for every seed and stream tried', () => {
    const k = kernel.exports;
    const at = Math.ceil(k.heapBase() / 16) * 16;
    for (const seed of [0, 1, 42, 0xdeadbeef, 0xffffffff]) {
      for (const stream of [0, 1, 99, 65535]) {
        k.rngSequence(seed, stream, 64, at);
        const fromWasm = Array.from(new Uint32Array(k.memory.buffer, at, 64));
        const rng = new Xoshiro128(seed, stream);
        const fromTs = Array.from({ length: 64 }, () => rng.nextU32());
        expect(fromTs).toEqual(fromWasm);
      }
    }
  });

  it('gives different streams to neighbouring seeds and trees', () => {
    const a = new Xoshiro128(1, 0).nextU32();
    expect(new Xoshiro128(2, 0).nextU32()).not.toBe(a);
    expect(new Xoshiro128(1, 1).nextU32()).not.toBe(a);
  });
});
