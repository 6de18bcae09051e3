// The model file: a versioned, checksummed binary format (docs/MODEL-FORMAT.md). Reading treats
// every byte as hostile: sizes are checked against the file's own length before anything is
// allocated, every node is validated, and the complete-tree layout has no child pointers, so no
// file can describe a cycle or send the scoring loop out of bounds. A file on disk is read no
// further than the size its fixed header declares (readModelFile), so /dev/zero or a log given
// as the model costs 68 bytes, not the whole stream.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
/** The fixed header: preamble and parameter block; the sizes of everything after it are in it. */
const HEADER_BYTES = PREAMBLE_BYTES + PARAMS_BYTES;

export const LIMITS = {
  maxTrees: 10_000,
  minSampleSize: 2,
  maxSampleSize: 65_536,
  maxColumns: 65_536,
  /** The feature spec is JSON; a larger one is not a feature spec. */
  maxSpecBytes: 16 * 1024 * 1024,
  /**
   * The forest, trees × treeBytes(H). Every WASM instance (one per worker) holds a copy, so the
   * forest sets the memory a run needs (the pool starts fewer workers for big forests: see
   * FOREST_COPIES_BYTES in score-logs.ts). fit refuses to grow a larger one. 85 trees of
   * ψ = 65,536, 682 of ψ = 8,192, 1,365 of ψ = 4,096 or 10,000 of ψ ≤ 512 fit under it; the
   * default 100 of ψ = 256 take 306 KB. (It was 1 GiB: a hostile model of that size, valid in
   * every other way, made a 2-thread run peak at 7.4 GB.)
   */
  maxForestBytes: 64 * 1024 * 1024,
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

/** The header's parameters, each checked against its range; the sizes agree with each other. */
interface Params extends Pick<ModelData, 'trees' | 'sampleSize' | 'height' | 'nCols' | 'seed' | 'trainRows'> {
  /** NaN when the model has none (ModelData's null). */
  threshold: number;
  contamination: number;
  specLength: number;
  forestLength: number;
}

/** Magic, version and parameter block size: is this a model file of the version this build reads? */
function checkPreamble(view: DataView): void {
  for (let i = 0; i < MAGIC.length; i++) {
    if (view.getUint8(i) !== MAGIC.charCodeAt(i)) fail('it does not start with the ZIFOREST magic bytes (is this a model file written by `zeek-iforest fit`?)');
  }
  const version = view.getUint16(8, true);
  if (version !== FORMAT_VERSION) fail(`format version ${version}; this build reads version ${FORMAT_VERSION}: refit the model, or use the zeek-iforest version that wrote it`);
  const paramsBytes = view.getUint32(12, true);
  if (paramsBytes !== PARAMS_BYTES) fail(`parameter block of ${paramsBytes} bytes, expected ${PARAMS_BYTES}`);
}

/** The parameter block (bytes 16 … 67), every field within its range. */
function readParams(view: DataView): Params {
  const at = PREAMBLE_BYTES;
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

  if (trees < 1 || trees > LIMITS.maxTrees) fail(`trees = ${trees}, expected 1..${LIMITS.maxTrees}`);
  if (sampleSize < LIMITS.minSampleSize || sampleSize > LIMITS.maxSampleSize) fail(`sampleSize = ${sampleSize}, expected ${LIMITS.minSampleSize}..${LIMITS.maxSampleSize}`);
  if (height !== heightLimit(sampleSize)) fail(`height = ${height}, but sampleSize ${sampleSize} implies ${heightLimit(sampleSize)}`);
  if (nCols < 1 || nCols > LIMITS.maxColumns) fail(`nCols = ${nCols}, expected 1..${LIMITS.maxColumns}`);
  if (!Number.isInteger(trainRows) || trainRows < sampleSize) fail(`trainRows = ${trainRows}, expected an integer ≥ sampleSize`);
  if (!Number.isNaN(threshold) && !(threshold > 0 && threshold <= 1)) fail(`threshold = ${threshold}, expected a score in (0, 1]`);
  if (!Number.isNaN(contamination) && !(contamination > 0 && contamination <= 0.5)) fail(`contamination = ${contamination}, expected (0, 0.5]`);
  if (specLength > LIMITS.maxSpecBytes) fail(`feature spec of ${specLength} bytes, more than ${LIMITS.maxSpecBytes}`);
  const expectForest = trees * treeBytes(height);
  if (expectForest > LIMITS.maxForestBytes) fail(`${trees} trees of height ${height} take ${expectForest} bytes, more than the ${LIMITS.maxForestBytes} a model may hold`);
  if (forestLength !== expectForest) fail(`forest of ${forestLength} bytes, expected ${expectForest} for ${trees} trees of height ${height}`);
  return { trees, sampleSize, height, nCols, seed, trainRows, threshold, contamination, specLength, forestLength };
}

/**
 * The number of features a spec lists, when it is an object with a `features` array (the Zeek
 * layer's spec is); null for no spec or one of another shape, which the model file cannot check.
 */
export function specFeatureCount(spec: unknown): number | null {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec) || !Object.hasOwn(spec, 'features')) return null;
  const features = (spec as { features: unknown }).features;
  return Array.isArray(features) ? features.length : null;
}

/**
 * Validates a model file's bytes and returns what it holds. `shareForest`: the forest is a view of
 * `input` instead of a copy, for bytes that nobody changes afterwards (the pipeline's shared model).
 */
export function readModel(input: Uint8Array, shareForest = false): ModelData {
  if (!(input instanceof Uint8Array)) fail('expected the file contents as bytes (a Uint8Array or Buffer)');
  const bytes = input;
  if (bytes.length < PREAMBLE_BYTES + CHECKSUM_BYTES) fail(`the file is ${bytes.length} bytes, too short to be a model`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkPreamble(view);
  if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) fail(`the file is truncated (${bytes.length} bytes)`);
  const stored = view.getUint32(bytes.length - CHECKSUM_BYTES, true);
  const actual = crc32(bytes.subarray(0, bytes.length - CHECKSUM_BYTES));
  if (stored !== actual) fail(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is truncated or corrupted`);

  const { trees, sampleSize, height, nCols, seed, trainRows, threshold, contamination, specLength, forestLength } = readParams(view);
  let at = HEADER_BYTES;
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
  // Rows are made from the spec and scored with nCols as their stride: the two must agree, or
  // scoring reads past each row (and past the batch's end).
  const listed = specFeatureCount(featureSpec);
  if (listed !== null && listed !== nCols) fail(`nCols = ${nCols}, but the feature spec lists ${listed} features`);
  at += specLength;
  const forest = shareForest ? bytes.subarray(at, at + forestLength) : bytes.slice(at, at + forestLength);
  validateForest(forest, trees, height, nCols, sampleSize);
  return {
    trees, sampleSize, height, nCols, seed, trainRows, forest, featureSpec,
    threshold: Number.isNaN(threshold) ? null : threshold,
    contamination: Number.isNaN(contamination) ? null : contamination,
  };
}

/**
 * Reads and validates a model file (a path: a regular file, a FIFO, a device), reading no more
 * than its fixed header declares: the first 68 bytes say how long the rest is, so /dev/zero or a
 * log given as the model is refused after those, a file longer than its header says is refused
 * before it is read, and a stream that goes on past it is refused at the first byte too many.
 * Returns the bytes of a valid model; a ModelFormatError's message starts with the path. Errors
 * of the file system (ENOENT, EISDIR, …) are thrown as they are.
 */
export function readModelFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = readDeclared(fd);
    readModel(bytes, true);
    return bytes;
  } catch (error) {
    if (error instanceof ModelFormatError) throw new ModelFormatError(`${path}: ${error.message}`);
    throw error;
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes, if it is no longer than its header declares (readModel checks the rest). */
function readDeclared(fd: number): Uint8Array {
  const stat = fstatSync(fd);
  const known = stat.isFile() ? stat.size : null;
  const header = readUpTo(fd, new Uint8Array(HEADER_BYTES), 0, HEADER_BYTES);
  // Shorter than any model: readModel names what is wrong with it (empty, foreign, truncated).
  if (header.length < HEADER_BYTES) return header;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  checkPreamble(view);
  const params = readParams(view);
  const size = HEADER_BYTES + params.specLength + params.forestLength + CHECKSUM_BYTES;
  if (known !== null && known > size) fail(`the file is ${known} bytes, more than the ${size} its header declares`);
  // Up to one byte more than the model should have, to see a stream that does not end where it
  // should. A regular file gets one buffer of its size and a byte to see its end in; a stream's
  // starts small and doubles, so one that ends early costs what it sent, not what was declared.
  // Shared memory, so that the worker pool gives every worker this very copy (see scoreLogs).
  const buffer = sharedBytes(Math.max(HEADER_BYTES, Math.min(size + 1, known === null ? 64 * 1024 : known + 1)));
  buffer.set(header);
  const bytes = readUpTo(fd, buffer, HEADER_BYTES, size + 1);
  if (bytes.length > size) fail(`it goes on past the ${size} bytes its header declares`);
  return bytes;
}

/**
 * Reads on into `buffer` after its first `length` bytes until `limit` bytes in all or the end of
 * the file, whichever comes first, doubling the buffer when it is full.
 */
function readUpTo(fd: number, buffer: Uint8Array, length: number, limit: number): Uint8Array {
  while (length < limit) {
    if (length === buffer.length) {
      const grown = sharedBytes(Math.min(limit, buffer.length * 2));
      grown.set(buffer);
      buffer = grown;
    }
    // No position: FIFOs and devices cannot seek, and a regular file is read from its start anyway.
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
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

/** Zeroed bytes in a SharedArrayBuffer: what the worker pool gives every worker without a copy each. */
export function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}
