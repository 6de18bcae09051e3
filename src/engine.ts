// The two engines behind one interface: the WASM kernel and its pure-TypeScript twin. Same seed,
// same data ⇒ the same forest bytes and the same path sums, whichever runs.

import { WasmKernel } from './kernel.js';
import { ReferenceScorer, drawSample, growTree } from './reference.js';
import { treeBytes } from './layout.js';

export type EngineName = 'wasm' | 'ts';

export interface GrowParams {
  trees: number;
  psi: number;
  height: number;
  seed: number;
  cTable: Float64Array;
}

export interface Engine {
  readonly name: EngineName;
  /** Grows params.trees trees over x (nRows × nCols, f32 row-major, finite); returns the forest bytes. */
  fit(x: Float32Array, nRows: number, nCols: number, params: GrowParams): Uint8Array;
  /** Adds each row's path length over all trees to out[row]. */
  addPathLengths(forest: Uint8Array, trees: number, height: number, x: Float32Array, nRows: number, nCols: number, out: Float64Array): void;
}

class WasmEngine implements Engine {
  readonly name = 'wasm' as const;
  private readonly kernel = new WasmKernel();

  fit(x: Float32Array, nRows: number, nCols: number, p: GrowParams): Uint8Array {
    return this.kernel.fit(x, nRows, nCols, p.trees, p.psi, p.height, p.seed, p.cTable);
  }

  addPathLengths(forest: Uint8Array, trees: number, height: number, x: Float32Array, nRows: number, nCols: number, out: Float64Array): void {
    this.kernel.addPathLengths(forest, trees, height, x, nRows, nCols, out);
  }
}

class TsEngine implements Engine {
  readonly name = 'ts' as const;
  private readonly scorers = new WeakMap<Uint8Array, ReferenceScorer>();

  fit(x: Float32Array, nRows: number, nCols: number, p: GrowParams): Uint8Array {
    const stride = treeBytes(p.height);
    const forest = new Uint8Array(p.trees * stride);
    const idx = new Uint32Array(p.psi);
    const sample = new Float32Array(p.psi * nCols);
    for (let t = 0; t < p.trees; t++) {
      const rng = drawSample(p.seed, t, nRows, p.psi, idx);
      for (let s = 0; s < p.psi; s++) sample.set(x.subarray(idx[s] * nCols, idx[s] * nCols + nCols), s * nCols);
      growTree(rng, sample, p.psi, nCols, p.height, forest.subarray(t * stride, (t + 1) * stride), p.cTable);
    }
    return forest;
  }

  addPathLengths(forest: Uint8Array, trees: number, height: number, x: Float32Array, nRows: number, nCols: number, out: Float64Array): void {
    let scorer = this.scorers.get(forest);
    if (scorer === undefined) {
      scorer = new ReferenceScorer(forest, trees, height);
      this.scorers.set(forest, scorer);
    }
    scorer.addPathLengths(x, nRows, nCols, out);
  }
}

/** A new engine. 'wasm' instantiates its own kernel (instances are cheap; compilation is cached). */
export function createEngine(name: EngineName): Engine {
  return name === 'wasm' ? new WasmEngine() : new TsEngine();
}
