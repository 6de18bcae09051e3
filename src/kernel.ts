// The one file that compiles and instantiates WebAssembly. It compiles build/release.wasm once per
// thread and hands out instances (kernelInstance): one per WasmKernel, which owns the forest's
// memory plan below, and one each for the TSV parser (src/zeek/wasm-tsv.ts) and the line writer
// (src/output/wasm-lines.ts), which plan their own. The kernel never allocates, so each host lays
// out its regions at byte offsets above the kernel's static data and grows memory itself. After a
// grow every view on the old buffer is detached, so views are taken fresh from `memory.buffer` at
// each use.

import { readFileSync } from 'node:fs';
import { instantiateSync } from '@assemblyscript/loader';
import { KernelMissingError } from './errors.js';
import { treeBytes } from './layout.js';
import { sampleHashMask } from './reference.js';

/** The raw exports of assembly/index.ts: numbers in, numbers out. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  layoutSplitBytes(): number;
  layoutLeafBytes(): number;
  layoutMaxHeight(): number;
  treeBytes(height: number): number;
  rngSequence(seed: number, stream: number, count: number, out: number): void;
  drawSample(seed: number, tree: number, nRows: number, psi: number, outIdx: number, hashSlots: number, hashMask: number): void;
  growTree(x: number, psi: number, nCols: number, height: number, nodes: number, cTable: number, work: number): void;
  addPathLengths(nodes: number, nTrees: number, height: number, x: number, nRows: number, nCols: number, out: number): void;
}

const WASM_URL = new URL('../build/release.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

/** The compiled kernel, cached: compile once, instantiate per worker or per forest. */
export function kernelModule(): WebAssembly.Module {
  if (compiled === null) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch (cause) {
      throw new KernelMissingError(
        `cannot read the WASM kernel at ${WASM_URL.pathname}: run \`npm run build\` (or \`npm ci\`) first, or use the TypeScript engine (--engine ts; engine: 'ts' in the API)`,
        { cause },
      );
    }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return compiled;
}

const PAGE = 65536;
const ALIGN = 16;

/** Rounds up to the 16-byte boundary every region of linear memory starts at. */
export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Grows `memory` so that it reaches `end` bytes (views on its old buffer are then detached). */
export function growTo(memory: WebAssembly.Memory, end: number): void {
  const have = memory.buffer.byteLength;
  if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
}

/**
 * A fresh instance of the kernel module, with the first aligned byte above its static data: each
 * user (the forest, the TSV parser, the line writer) lays out its own memory from there.
 */
export function kernelInstance<T extends { memory: WebAssembly.Memory; heapBase(): number }>(module: WebAssembly.Module = kernelModule()): { exports: T; base: number } {
  // The loader gives us an `abort` import that reads the kernel's message and file:line out of
  // linear memory and throws it as a JS Error; we use nothing else from it.
  const exports = instantiateSync<T & Record<string, unknown>>(module, {}).exports as unknown as T;
  return { exports, base: align(exports.heapBase()) };
}

/**
 * One kernel instance with its memory plan. Regions, bottom to top:
 *   [heapBase] cTable f64[maxPsi + 1] | forest | fit scratch | batch x f32 | batch out f64
 * The plan is recomputed when a forest of another size or a larger batch arrives.
 */
export class WasmKernel {
  readonly exports: KernelExports;
  private readonly base: number;

  constructor(module: WebAssembly.Module = kernelModule()) {
    ({ exports: this.exports, base: this.base } = kernelInstance<KernelExports>(module));
  }

  /** Makes sure linear memory reaches `end` bytes. */
  private reserve(end: number): void {
    growTo(this.exports.memory, end);
  }

  /**
   * Grows `trees` trees with the WASM kernel into a new forest buffer. `rows` is validated,
   * row-major f32 data of nRows × nCols.
   */
  fit(rows: Float32Array, nRows: number, nCols: number, trees: number, psi: number, height: number, seed: number, cTable: Float64Array): Uint8Array {
    const k = this.exports;
    const stride = treeBytes(height);
    const mask = sampleHashMask(psi);
    const cAt = this.base;
    const nodesAt = align(cAt + cTable.byteLength);
    const idxAt = align(nodesAt + trees * stride);
    const hashAt = align(idxAt + psi * 4);
    const xAt = align(hashAt + (mask + 1) * 4);
    const workAt = align(xAt + psi * nCols * 4);
    const end = align(workAt + (psi + nCols + 4 * (height + 2)) * 4);
    this.reserve(end);
    new Float64Array(k.memory.buffer, cAt, cTable.length).set(cTable);
    for (let t = 0; t < trees; t++) {
      k.drawSample(seed, t, nRows, psi, idxAt, hashAt, mask);
      const buffer = k.memory.buffer;
      const idx = new Uint32Array(buffer, idxAt, psi);
      const x = new Float32Array(buffer, xAt, psi * nCols);
      for (let s = 0; s < psi; s++) {
        const from = idx[s] * nCols;
        x.set(rows.subarray(from, from + nCols), s * nCols);
      }
      k.growTree(xAt, psi, nCols, height, nodesAt + t * stride, cAt, workAt);
    }
    return new Uint8Array(k.memory.buffer, nodesAt, trees * stride).slice();
  }

  private loadedForest: Uint8Array | null = null;
  private forestAt = 0;
  private batchAt = 0;
  private batchRows = 0;
  private batchCols = 0;

  /**
   * Puts a forest into linear memory for scoring (once per forest and instance), with room for
   * batches of up to `batchRows` rows of nCols features.
   */
  private prepare(forest: Uint8Array, nCols: number, batchRows: number): void {
    if (this.loadedForest !== forest || batchRows > this.batchRows || nCols !== this.batchCols) {
      this.forestAt = this.base;
      this.batchAt = align(this.forestAt + forest.byteLength);
      const end = align(this.batchAt + batchRows * nCols * 4) + batchRows * 8;
      this.reserve(end);
      new Uint8Array(this.exports.memory.buffer, this.forestAt, forest.byteLength).set(forest);
      this.loadedForest = forest;
      this.batchRows = batchRows;
      this.batchCols = nCols;
    }
  }

  /**
   * Adds path lengths over all trees for nRows rows of x (f32 row-major) to out[0, nRows), in
   * batches of BATCH_ROWS rows copied through linear memory.
   */
  addPathLengths(forest: Uint8Array, trees: number, height: number, x: Float32Array, nRows: number, nCols: number, out: Float64Array): void {
    const batch = Math.min(BATCH_ROWS, Math.max(nRows, 1));
    this.prepare(forest, nCols, batch);
    const k = this.exports;
    const outAt = align(this.batchAt + this.batchRows * nCols * 4);
    for (let r = 0; r < nRows; r += batch) {
      const n = Math.min(batch, nRows - r);
      const buffer = k.memory.buffer;
      new Float32Array(buffer, this.batchAt, n * nCols).set(x.subarray(r * nCols, (r + n) * nCols));
      const sums = new Float64Array(buffer, outAt, n);
      sums.set(out.subarray(r, r + n));
      k.addPathLengths(this.forestAt, trees, height, this.batchAt, n, nCols, outAt);
      out.set(new Float64Array(k.memory.buffer, outAt, n), r);
    }
  }
}

/**
 * Rows per kernel call. Tree-major order wants enough rows per tree to amortise bringing the tree
 * into L1, yet the batch should stay in L2; on this machine 256–4096 all score alike
 * (../shared/PERFORMANCE.md).
 */
export const BATCH_ROWS = 2048;

/** Constants the compiled kernel reports, for the layout agreement test. */
export function kernelLayout(kernel: WasmKernel): { splitBytes: number; leafBytes: number; maxHeight: number } {
  const k = kernel.exports;
  return { splitBytes: k.layoutSplitBytes(), leafBytes: k.layoutLeafBytes(), maxHeight: k.layoutMaxHeight() };
}

