import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsolationForest, ModelFormatError } from '../src/index.js';
import { crc32 } from '../src/crc32.js';

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
  // 4-column ones with an InputError, as any model refuses rows of the wrong width.
  it('a resealed file with a larger column count is a valid model of that width', () => {
    const bytes = good.slice();
    bytes[28] = 5;
    const loaded = IsolationForest.fromBytesSync(reseal(bytes));
    expect(loaded.nCols).toBe(5);
    expect(loaded.score(widened(rows, 5)).every((s) => s > 0 && s <= 1)).toBe(true);
    expect(() => loaded.score(rows)).toThrow('rows have 4 columns but the model was fitted on 5');
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
