import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsolationForest, InputError, ModelFormatError } from '../src/index.js';
import { crc32 } from '../src/crc32.js';
import { treeBytes } from '../src/layout.js';

function dataset(): { data: Float64Array; nCols: number } {
  let s = 5;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
  return { data: Float64Array.from({ length: 400 * 4 }, () => Math.exp(6 * u())), nCols: 4 };
}

const rows = dataset();
const forest = IsolationForest.fitSync(rows, { trees: 8, sampleSize: 64, seed: 9, contamination: 0.1, featureSpec: { name: 'test', version: 1 } });
const good = forest.toBytes();

/** The rows cut or padded with zeros to `nCols` columns. */
function widened(x: { data: Float64Array; nCols: number }, nCols: number): { data: Float64Array; nCols: number } {
  if (nCols === x.nCols) return x;
  const n = x.data.length / x.nCols;
  const data = new Float64Array(n * nCols);
  for (let r = 0; r < n; r++) for (let c = 0; c < Math.min(nCols, x.nCols); c++) data[r * nCols + c] = x.data[r * x.nCols + c];
  return { data, nCols };
}

/** Re-seals a modified file with a correct checksum, as an attacker would. */
function reseal(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

function loadError(bytes: Uint8Array): unknown {
  try {
    IsolationForest.fromBytesSync(bytes);
    return null;
  } catch (error) {
    return error;
  }
}

describe('model files round-trip', () => {
  it('gives identical scores, parameters and bytes after toBytes → fromBytes', async () => {
    for (const engine of ['wasm', 'ts'] as const) {
      const loaded = await IsolationForest.fromBytes(good, { engine });
      expect(Array.from(loaded.score(rows))).toEqual(Array.from(forest.score(rows)));
      expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(good))).toBe(true);
      expect(loaded.threshold).toBe(forest.threshold);
      expect(loaded.contamination).toBe(0.1);
      expect(loaded.featureSpec).toEqual({ name: 'test', version: 1 });
      expect([loaded.trees, loaded.sampleSize, loaded.nCols, loaded.seed]).toEqual([8, 64, 4, 9]);
    }
  });
});

describe('model files are untrusted input', () => {
  it('names what is wrong with a truncated, foreign or corrupted file', () => {
    expect((loadError(good.subarray(0, 10)) as Error).message).toBe('not a usable zeek-iforest model: the file is 10 bytes, too short to be a model');
    expect((loadError(new TextEncoder().encode('#separator \\x09\n#fields\tts\n')) as Error).message).toContain('ZIFOREST magic bytes');
    expect((loadError(good.subarray(0, good.length - 100)) as Error).message).toContain('checksum mismatch');
    const flipped = good.slice();
    flipped[200] ^= 0x10;
    expect((loadError(flipped) as Error).message).toContain('the file is truncated or corrupted');
    const future = reseal(Uint8Array.from(good, (b, i) => (i === 8 ? 2 : b)));
    expect((loadError(future) as Error).message).toContain('format version 2; this build reads version 1');
  });

  it('refuses resealed files whose nodes are hostile', () => {
    const at = good.length - 4 - 8 * (63 * 8 + 64 * 4); // first tree's first split node
    const badFeature = good.slice();
    new DataView(badFeature.buffer).setUint32(at, 4, true);
    expect((loadError(reseal(badFeature)) as Error).message).toBe(
      'not a usable zeek-iforest model: tree 0, node 0: feature 4 out of range (the model has 4 columns)',
    );
    const nanThreshold = good.slice();
    new DataView(nanThreshold.buffer).setFloat32(at + 4, NaN, true);
    expect((loadError(reseal(nanThreshold)) as Error).message).toContain('threshold NaN is not a split value');
    const badLeaf = good.slice();
    new DataView(badLeaf.buffer).setFloat32(at + 63 * 8, 1e9, true);
    expect((loadError(reseal(badLeaf)) as Error).message).toContain('tree 0, leaf 0: path length 1000000000 is impossible');
  });

  it('refuses absurd sizes without allocating them', () => {
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(16, 10_000, true); // trees
    expect((loadError(reseal(huge)) as Error).message).toContain('forest of');
    const hugeSpec = good.slice();
    new DataView(hugeSpec.buffer).setUint32(16 + 44, 0xffffffff, true);
    expect((loadError(reseal(hugeSpec)) as Error).message).toContain('feature spec of 4294967295 bytes');
    const tooManyTrees = good.slice();
    new DataView(tooManyTrees.buffer).setUint32(16, 0xffffffff, true);
    expect((loadError(reseal(tooManyTrees)) as Error).message).toContain('trees = 4294967295, expected 1..10000');
  });

  // QA found a resealed conn model with nCols 17 (its spec lists 16 features) accepted and scoring
  // rows read with the wrong stride, and nCols 1000 or 65536 failing in a worker with "Invalid
  // typed array length" (rows of 16 values read as rows of 1000).
  it('refuses a resealed file whose column count is not the number of features its spec lists', () => {
    const listed = IsolationForest.fitSync(rows, { trees: 4, sampleSize: 64, seed: 9, featureSpec: { name: 'test', features: ['a', 'b', 'c', 'd'] } }).toBytes();
    expect(IsolationForest.fromBytesSync(listed).nCols).toBe(4);
    for (const nCols of [5, 3, 1000, 65_536]) {
      const bytes = listed.slice();
      new DataView(bytes.buffer).setUint32(28, nCols, true);
      const error = loadError(reseal(bytes));
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message, `nCols ${nCols}`).toBe(`not a usable zeek-iforest model: nCols = ${nCols}, but the feature spec lists 4 features`);
    }
    const beyond = listed.slice();
    new DataView(beyond.buffer).setUint32(28, 65_537, true);
    expect((loadError(reseal(beyond)) as Error).message).toBe('not a usable zeek-iforest model: nCols = 65537, expected 1..65536');
  });

  it('refuses a forest larger than a model may hold, from its header alone', () => {
    // 2,000 trees of height 16 (ψ = 65,536): 1.57 GB, with the forest length to match (the limit is 64 MiB).
    const huge = good.slice();
    const view = new DataView(huge.buffer);
    view.setUint32(16, 2000, true);
    view.setUint32(20, 65_536, true);
    view.setUint32(24, 16, true);
    view.setFloat64(36, 65_536, true);
    view.setUint32(64, 2000 * treeBytes(16), true);
    expect((loadError(reseal(huge)) as Error).message).toBe(
      `not a usable zeek-iforest model: 2000 trees of height 16 take ${2000 * treeBytes(16)} bytes, more than the 67108864 a model may hold`,
    );
  });

  it('gives a ModelFormatError, never a crash or another error, for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        expect(loadError(bytes)).toBeInstanceOf(ModelFormatError);
      }),
      { numRuns: 500 },
    );
  });

  // Found by the property below with a random seed: a resealed file whose column count was raised
  // from 4 to 5 is still a valid model (no tree uses column 5); it scores 5-column rows and refuses
  // 4-column ones with an InputError, as any model refuses rows of the wrong width. (Its spec lists
  // no features; one that does must list nCols of them, above.)
  it('a resealed file with a larger column count is a valid model of that width', () => {
    const bytes = good.slice();
    bytes[28] = 5;
    const loaded = IsolationForest.fromBytesSync(reseal(bytes));
    expect(loaded.nCols).toBe(5);
    expect(loaded.score(widened(rows, 5)).every((s) => s > 0 && s <= 1)).toBe(true);
    expect(() => loaded.score(rows)).toThrow('rows have 4 columns but the model was fitted on 5');
    // The fast path, which skips score()'s checks, still refuses rows too short for the model.
    const x = Float32Array.from(rows.data.subarray(0, 64 * 4));
    expect(() => loaded.scoreDense(x, 64)).toThrow(new InputError('x has 256 values, fewer than 64 rows × 5 columns of the model'));
    expect(forest.scoreDense(x, 64)).toHaveLength(64);
  });

  it('gives a ModelFormatError for valid files with random bytes changed, resealed or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: good.length - 5 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (edits, resealed) => {
          const bytes = good.slice();
          for (const { at, value } of edits) bytes[at] = value;
          const candidate = resealed ? reseal(bytes) : bytes;
          const error = loadError(candidate);
          if (error === null) {
            // Some edits keep the file valid (a threshold nudged, a byte set to itself, the column
            // count raised past every feature the trees use): it must then score rows of its width.
            const loaded = IsolationForest.fromBytesSync(candidate);
            const scores = loaded.score(widened(rows, loaded.nCols));
            expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
          } else {
            expect(error).toBeInstanceOf(ModelFormatError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
