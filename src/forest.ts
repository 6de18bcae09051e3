// The IsolationForest facade: validate options at the edge, pick an engine, and keep the
// scikit-learn ladder (predict → score → pathLengths), each one line on the one below.

import { DistinctRows } from './distinct-rows.js';
import { createEngine, type Engine, type EngineName } from './engine.js';
import { OptionError, InputError, show } from './errors.js';
import { heightLimit, treeBytes } from './layout.js';
import { LIMITS, readModel, specFeatureCount, writeModel, type ModelData } from './model-file.js';
import { averagePathLength, cTable, scoresFromPathSums } from './path-length.js';
import { toDenseRows, type Rows } from './rows.js';

export interface FitOptions {
  /** Number of trees (default 100). */
  trees?: number;
  /** Rows drawn, without replacement, to grow each tree: ψ = min(sampleSize, rows) (default 256). */
  sampleSize?: number;
  /** Seed of every random choice, a u32 (default 1): same seed and data ⇒ same model bytes. */
  seed?: number;
  /** 'wasm' (default) or 'ts', the pure-TypeScript twin; both give identical results. */
  engine?: EngineName;
  /**
   * Expected share of anomalies, in (0, 0.5]: the threshold becomes the (1 − contamination)
   * quantile of the training scores. 'auto' (default) uses the paper's 0.5, unless `threshold` is given.
   */
  contamination?: number | 'auto';
  /** An explicit score threshold in (0, 1); overrides contamination. */
  threshold?: number;
  /** Stored in the model as JSON, for the layer that made the features (see src/zeek/). */
  featureSpec?: unknown;
}

export interface LoadOptions {
  engine?: EngineName;
  /**
   * false: keep a view of the bytes' forest instead of a copy (the WASM engine still copies it
   * into its own memory). Only for bytes that are not changed while the forest is in use: the
   * worker pool loads one shared model this way in every worker. Default true.
   */
  copy?: boolean;
}

/** Rows searched for copies at a time (the reader's batch size, MAX_BATCH_RECORDS). */
const DISTINCT_BLOCK_ROWS = 8192;

/** The paper's rule of thumb: scores well above 0.5 are anomalies (Liu et al. 2008, §2). */
export const AUTO_THRESHOLD = 0.5;

/**
 * An Isolation Forest (Liu, Ting & Zhou, ICDM 2008). Create one with `IsolationForest.fit` or
 * `IsolationForest.fromBytes`; after that every call is synchronous.
 */
export class IsolationForest {
  /** Copies of a row within a batch are scored once (see distinct-rows.ts). */
  private readonly distinct = new DistinctRows();
  private distinctSums = new Float64Array(0);

  private constructor(private readonly model: ModelData, private readonly engine: Engine) {}

  /** Fits a forest to rows (number[][] or { data, nCols }; values must be finite). */
  static async fit(rows: Rows, options: FitOptions = {}): Promise<IsolationForest> {
    return IsolationForest.fitSync(rows, options);
  }

  /** The synchronous form of fit, for workers and scripts that have the kernel loaded. */
  static fitSync(rows: Rows, options: FitOptions = {}): IsolationForest {
    const o = validateFitOptions(options);
    const x = toDenseRows(rows);
    if (x.nRows < 2) throw new InputError(`fit needs at least 2 rows (got ${x.nRows})`);
    if (x.nCols > LIMITS.maxColumns) throw new InputError(`rows have ${x.nCols} columns; at most ${LIMITS.maxColumns} are supported`);
    // What readModel would refuse is refused here, before the work: a model must load again.
    const listed = specFeatureCount(o.featureSpec);
    if (listed !== null && listed !== x.nCols) throw new OptionError(`options.featureSpec lists ${listed} features, but the rows have ${x.nCols} columns`);
    const psi = Math.min(o.sampleSize, x.nRows);
    const height = heightLimit(psi);
    if (o.trees * treeBytes(height) > LIMITS.maxForestBytes) {
      throw new OptionError(`options.trees = ${o.trees} with a sample of ${psi} rows makes a forest of ${o.trees * treeBytes(height)} bytes, more than the ${LIMITS.maxForestBytes} a model may hold: use fewer trees or a smaller sampleSize`);
    }
    const engine = createEngine(o.engine);
    const forest = engine.fit(x.data, x.nRows, x.nCols, { trees: o.trees, psi, height, seed: o.seed, cTable: cTable(psi) });
    const model: ModelData = {
      trees: o.trees, sampleSize: psi, height, nCols: x.nCols, seed: o.seed, trainRows: x.nRows,
      threshold: null, contamination: null, featureSpec: o.featureSpec ?? null, forest,
    };
    const fitted = new IsolationForest(model, engine);
    if (o.threshold !== undefined) {
      model.threshold = o.threshold;
    } else if (o.contamination === 'auto') {
      model.threshold = AUTO_THRESHOLD;
    } else {
      model.contamination = o.contamination;
      model.threshold = quantile(fitted.scoreDense(x.data, x.nRows), 1 - o.contamination);
    }
    return fitted;
  }

  /** Loads a model written by toBytes(); throws ModelFormatError for anything else. */
  static async fromBytes(bytes: Uint8Array, options: LoadOptions = {}): Promise<IsolationForest> {
    return IsolationForest.fromBytesSync(bytes, options);
  }

  static fromBytesSync(bytes: Uint8Array, options: LoadOptions = {}): IsolationForest {
    const engine = validateEngine(options.engine);
    return new IsolationForest(readModel(bytes, options.copy === false), createEngine(engine));
  }

  /** The model file: a versioned, checksummed binary (docs/MODEL-FORMAT.md). */
  toBytes(): Uint8Array {
    return writeModel(this.model);
  }

  /** 1 where a row's score is above the threshold (an anomaly), else 0. */
  predict(rows: Rows): Uint8Array {
    const threshold = this.model.threshold ?? AUTO_THRESHOLD;
    const scores = this.score(rows);
    const flags = new Uint8Array(scores.length);
    for (let i = 0; i < scores.length; i++) flags[i] = scores[i] > threshold ? 1 : 0;
    return flags;
  }

  /** The anomaly score s(x) of each row, in (0, 1]: higher is more anomalous (paper, eq. 2). */
  score(rows: Rows): Float64Array {
    const x = toDenseRows(rows, this.model.nCols);
    return this.scoreDense(x.data, x.nRows);
  }

  /** The mean path length E[h(x)] of each row over the trees: shorter is more anomalous. */
  pathLengths(rows: Rows): Float64Array {
    const x = toDenseRows(rows, this.model.nCols);
    const sums = this.pathSumsDense(x.data, x.nRows);
    for (let i = 0; i < sums.length; i++) sums[i] /= this.model.trees;
    return sums;
  }

  /**
   * Scores rows that are already f32, row-major and validated as finite (the worker pool's path;
   * skips the checks of score()). Pass `out` (at least nRows long) to reuse its storage: the
   * result is then a view on it.
   */
  scoreDense(x: Float32Array, nRows: number, out?: Float64Array): Float64Array {
    return scoresFromPathSums(this.pathSumsDense(x, nRows, out), this.model.trees, this.model.sampleSize);
  }

  private pathSumsDense(x: Float32Array, nRows: number, out?: Float64Array): Float64Array {
    const nCols = this.model.nCols;
    // The one check the fast path keeps: x shorter than nRows × nCols would make every stride read
    // past its row and the last ones past the batch (wrong scores, or a RangeError in a worker).
    if (!(nRows >= 0 && x.length >= nRows * nCols)) throw new InputError(`x has ${x.length} values, fewer than ${nRows} rows × ${nCols} columns of the model`);
    const sums = out !== undefined && out.length >= nRows ? out.subarray(0, nRows).fill(0) : new Float64Array(nRows);
    // Copies are looked for within blocks of the reader's batch size: memory for the search stays
    // small (a 1M-row call once took 48 MB and 15 % longer), and the search adapts block by block.
    for (let from = 0; from < nRows; from += DISTINCT_BLOCK_ROWS) {
      const n = Math.min(DISTINCT_BLOCK_ROWS, nRows - from);
      this.addPathSums(x.subarray(from * nCols, (from + n) * nCols), n, sums.subarray(from, from + n));
    }
    return sums;
  }

  /** Adds the path lengths of n rows to sums, scoring each distinct row once. */
  private addPathSums(x: Float32Array, n: number, sums: Float64Array): void {
    const m = this.model;
    const distinct = this.distinct.collapse(x, n, m.nCols);
    if (distinct < 0) {
      this.engine.addPathLengths(m.forest, m.trees, m.height, x, n, m.nCols, sums);
      return;
    }
    if (this.distinctSums.length < distinct) this.distinctSums = new Float64Array(n);
    const part = this.distinctSums.subarray(0, distinct).fill(0);
    this.engine.addPathLengths(m.forest, m.trees, m.height, this.distinct.rows.subarray(0, distinct * m.nCols), distinct, m.nCols, part);
    const of = this.distinct.of;
    for (let i = 0; i < n; i++) sums[i] += part[of[i]];
  }


  get trees(): number { return this.model.trees; }
  /** ψ, the rows each tree was grown on. */
  get sampleSize(): number { return this.model.sampleSize; }
  get nCols(): number { return this.model.nCols; }
  get seed(): number { return this.model.seed; }
  get trainRows(): number { return this.model.trainRows; }
  /** Scores above it are anomalies. */
  get threshold(): number { return this.model.threshold ?? AUTO_THRESHOLD; }
  get contamination(): number | null { return this.model.contamination; }
  get featureSpec(): unknown { return this.model.featureSpec; }
  get engineName(): EngineName { return this.engine.name; }
  /** c(ψ), the normaliser of path lengths. */
  get averagePathLength(): number { return averagePathLength(this.model.sampleSize); }
  /** The raw forest bytes (layout in src/layout.ts), for explanations and workers. */
  get forestBytes(): Uint8Array { return this.model.forest; }
  get height(): number { return this.model.height; }
}

/**
 * numpy's default (linear) percentile, as scikit-learn takes the contamination quantile, so a
 * given contamination flags the same share of training rows in both.
 */
export function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

interface ValidFitOptions {
  trees: number;
  sampleSize: number;
  seed: number;
  engine: EngineName;
  contamination: number | 'auto';
  threshold: number | undefined;
  featureSpec: unknown;
}

const KNOWN_OPTIONS = new Set(['trees', 'sampleSize', 'seed', 'engine', 'contamination', 'threshold', 'featureSpec']);

function validateFitOptions(options: FitOptions): ValidFitOptions {
  if (options === null || typeof options !== 'object') throw new OptionError(`options must be an object (got ${show(options)})`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new OptionError(`options.${key} is not an option; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  const { trees = 100, sampleSize = 256, seed = 1, contamination = 'auto', threshold } = options;
  if (!Number.isInteger(trees) || trees < 1 || trees > LIMITS.maxTrees) {
    throw new OptionError(`options.trees must be an integer from 1 to ${LIMITS.maxTrees} (got ${show(trees)})`);
  }
  if (!Number.isInteger(sampleSize) || sampleSize < LIMITS.minSampleSize || sampleSize > LIMITS.maxSampleSize) {
    throw new OptionError(`options.sampleSize must be an integer from ${LIMITS.minSampleSize} to ${LIMITS.maxSampleSize} (got ${show(sampleSize)})`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new OptionError(`options.seed must be an integer from 0 to 4294967295 (got ${show(seed)})`);
  }
  if (contamination !== 'auto' && !(typeof contamination === 'number' && contamination > 0 && contamination <= 0.5)) {
    throw new OptionError(`options.contamination must be 'auto' or a number in (0, 0.5] (got ${show(contamination)})`);
  }
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold < 1)) {
    throw new OptionError(`options.threshold must be a number in (0, 1) (got ${show(threshold)})`);
  }
  return { trees, sampleSize, seed, engine: validateEngine(options.engine), contamination, threshold, featureSpec: options.featureSpec };
}

function validateEngine(engine: unknown): EngineName {
  if (engine === undefined) return 'wasm';
  if (engine !== 'wasm' && engine !== 'ts') throw new OptionError(`options.engine must be 'wasm' or 'ts' (got ${show(engine)})`);
  return engine;
}
