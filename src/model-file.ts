// The model file: a versioned, checksummed binary format (docs/MODEL-FORMAT.md). Reading treats
// every byte as hostile: sizes are checked against the file's own length before anything is
// allocated, every node is validated, and the complete-tree layout has no child pointers, so no
// file can describe a cycle or send the scoring loop out of bounds.

import { crc32 } from './crc32.js';
import { ModelFormatError } from './errors.js';
import { SPLIT_BYTES, heightLimit, splitCount, treeBytes } from './layout.js';
import { averagePathLength } from './path-length.js';

export const MAGIC = 'ZIFOREST';
export const FORMAT_VERSION = 1;
/** Bytes of the fixed parameter block that follows the 16-byte preamble in version 1. */
const PARAMS_BYTES = 52;
const PREAMBLE_BYTES = 16;
const CHECKSUM_BYTES = 4;

export const LIMITS = {
  maxTrees: 10_000,
  minSampleSize: 2,
  maxSampleSize: 65_536,
  maxColumns: 65_536,
  /** The feature spec is JSON; a larger one is not a feature spec. */
  maxSpecBytes: 16 * 1024 * 1024,
} as const;

/** Everything a model file holds. */
export interface ModelData {
  trees: number;
  sampleSize: number;
  height: number;
  nCols: number;
  seed: number;
  trainRows: number;
  /** Scores above it are anomalies; null when the model has none. */
  threshold: number | null;
  /** The contamination the threshold was learnt for; null when it was given or 'auto'. */
  contamination: number | null;
  /** The Zeek feature spec (JSON), validated by the layer that uses it; null for plain matrices. */
  featureSpec: unknown;
  /** trees × treeBytes(height) bytes, layout in src/layout.ts. */
  forest: Uint8Array;
}

export function writeModel(model: ModelData): Uint8Array {
  const spec = model.featureSpec === null || model.featureSpec === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(model.featureSpec));
  const total = PREAMBLE_BYTES + PARAMS_BYTES + spec.length + model.forest.length + CHECKSUM_BYTES;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint16(8, FORMAT_VERSION, true);
  view.setUint16(10, 0, true); // flags, reserved
  view.setUint32(12, PARAMS_BYTES, true);
  let at = PREAMBLE_BYTES;
  for (const v of [model.trees, model.sampleSize, model.height, model.nCols, model.seed >>> 0]) {
    view.setUint32(at, v, true);
    at += 4;
  }
  view.setFloat64(at, model.trainRows, true);
  view.setFloat64(at + 8, model.threshold ?? NaN, true);
  view.setFloat64(at + 16, model.contamination ?? NaN, true);
  view.setUint32(at + 24, spec.length, true);
  view.setUint32(at + 28, model.forest.length, true);
  at = PREAMBLE_BYTES + PARAMS_BYTES;
  bytes.set(spec, at);
  bytes.set(model.forest, at + spec.length);
  view.setUint32(total - CHECKSUM_BYTES, crc32(bytes.subarray(0, total - CHECKSUM_BYTES)), true);
  return bytes;
}

function fail(what: string): never {
  throw new ModelFormatError(`not a usable zeek-iforest model: ${what}`);
}

export function readModel(input: Uint8Array): ModelData {
  if (!(input instanceof Uint8Array)) fail('expected the file contents as bytes (a Uint8Array or Buffer)');
  const bytes = input;
  if (bytes.length < PREAMBLE_BYTES + CHECKSUM_BYTES) fail(`the file is ${bytes.length} bytes, too short to be a model`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) fail('it does not start with the ZIFOREST magic bytes (is this a model file written by `zeek-iforest fit`?)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  if (version !== FORMAT_VERSION) fail(`format version ${version}; this build reads version ${FORMAT_VERSION}: refit the model, or use the zeek-iforest version that wrote it`);
  const paramsBytes = view.getUint32(12, true);
  if (paramsBytes !== PARAMS_BYTES) fail(`parameter block of ${paramsBytes} bytes, expected ${PARAMS_BYTES}`);
  if (bytes.length < PREAMBLE_BYTES + PARAMS_BYTES + CHECKSUM_BYTES) fail(`the file is truncated (${bytes.length} bytes)`);
  const stored = view.getUint32(bytes.length - CHECKSUM_BYTES, true);
  const actual = crc32(bytes.subarray(0, bytes.length - CHECKSUM_BYTES));
  if (stored !== actual) fail(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is truncated or corrupted`);

  let at = PREAMBLE_BYTES;
  const trees = view.getUint32(at, true);
  const sampleSize = view.getUint32(at + 4, true);
  const height = view.getUint32(at + 8, true);
  const nCols = view.getUint32(at + 12, true);
  const seed = view.getUint32(at + 16, true);
  const trainRows = view.getFloat64(at + 20, true);
  const threshold = view.getFloat64(at + 28, true);
  const contamination = view.getFloat64(at + 36, true);
  const specLength = view.getUint32(at + 44, true);
  const forestLength = view.getUint32(at + 48, true);
  at = PREAMBLE_BYTES + PARAMS_BYTES;

  if (trees < 1 || trees > LIMITS.maxTrees) fail(`trees = ${trees}, expected 1..${LIMITS.maxTrees}`);
  if (sampleSize < LIMITS.minSampleSize || sampleSize > LIMITS.maxSampleSize) fail(`sampleSize = ${sampleSize}, expected ${LIMITS.minSampleSize}..${LIMITS.maxSampleSize}`);
  if (height !== heightLimit(sampleSize)) fail(`height = ${height}, but sampleSize ${sampleSize} implies ${heightLimit(sampleSize)}`);
  if (nCols < 1 || nCols > LIMITS.maxColumns) fail(`nCols = ${nCols}, expected 1..${LIMITS.maxColumns}`);
  if (!Number.isInteger(trainRows) || trainRows < sampleSize) fail(`trainRows = ${trainRows}, expected an integer ≥ sampleSize`);
  if (!Number.isNaN(threshold) && !(threshold > 0 && threshold <= 1)) fail(`threshold = ${threshold}, expected a score in (0, 1]`);
  if (!Number.isNaN(contamination) && !(contamination > 0 && contamination <= 0.5)) fail(`contamination = ${contamination}, expected (0, 0.5]`);
  if (specLength > LIMITS.maxSpecBytes) fail(`feature spec of ${specLength} bytes, more than ${LIMITS.maxSpecBytes}`);
  const expectForest = trees * treeBytes(height);
  if (forestLength !== expectForest) fail(`forest of ${forestLength} bytes, expected ${expectForest} for ${trees} trees of height ${height}`);
  if (at + specLength + forestLength + CHECKSUM_BYTES !== bytes.length) {
    fail(`the sizes it declares add up to ${at + specLength + forestLength + CHECKSUM_BYTES} bytes, but the file is ${bytes.length}`);
  }

  let featureSpec: unknown = null;
  if (specLength > 0) {
    try {
      featureSpec = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + specLength)));
    } catch (cause) {
      fail(`the feature spec is not valid UTF-8 JSON (${(cause as Error).message})`);
    }
  }
  at += specLength;
  const forest = bytes.slice(at, at + forestLength);
  validateForest(forest, trees, height, nCols, sampleSize);
  return {
    trees, sampleSize, height, nCols, seed, trainRows, forest, featureSpec,
    threshold: Number.isNaN(threshold) ? null : threshold,
    contamination: Number.isNaN(contamination) ? null : contamination,
  };
}

/**
 * Every split names a real feature and has a threshold that is a number (finite, or +Infinity for
 * padding); every leaf value is a possible path length: 0 ≤ v ≤ height + c(sampleSize).
 */
function validateForest(forest: Uint8Array, trees: number, height: number, nCols: number, sampleSize: number): void {
  const view = new DataView(forest.buffer, forest.byteOffset, forest.byteLength);
  const nSplits = splitCount(height);
  const stride = treeBytes(height);
  const maxLeaf = height + averagePathLength(sampleSize) + 1;
  for (let t = 0; t < trees; t++) {
    const base = t * stride;
    for (let i = 0; i < nSplits; i++) {
      const feature = view.getUint32(base + i * SPLIT_BYTES, true);
      const threshold = view.getFloat32(base + i * SPLIT_BYTES + 4, true);
      if (feature >= nCols) fail(`tree ${t}, node ${i}: feature ${feature} out of range (the model has ${nCols} columns)`);
      if (Number.isNaN(threshold) || threshold === -Infinity) fail(`tree ${t}, node ${i}: threshold ${threshold} is not a split value`);
    }
    for (let k = 0; k <= nSplits; k++) {
      const v = view.getFloat32(base + nSplits * SPLIT_BYTES + k * 4, true);
      if (!(v >= 0 && v <= maxLeaf)) fail(`tree ${t}, leaf ${k}: path length ${v} is impossible for height ${height}`);
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
