import { describe, expect, it } from 'vitest';
import { treeBytes } from '../src/layout.js';
import { IsolationForest, InputError, OptionError } from '../src/index.js';

const rows = [[1, 2], [3, 4], [5, 6], [7, 9]];

describe('options are validated at the edge, with messages that name the option and the value', () => {
  const cases: [object, string][] = [
    [{ trees: 0 }, 'options.trees must be an integer from 1 to 10000 (got 0)'],
    [{ trees: 2.5 }, 'options.trees must be an integer from 1 to 10000 (got 2.5)'],
    [{ sampleSize: 1 }, 'options.sampleSize must be an integer from 2 to 65536 (got 1)'],
    [{ seed: -1 }, 'options.seed must be an integer from 0 to 4294967295 (got -1)'],
    [{ seed: '7' }, 'options.seed must be an integer from 0 to 4294967295 (got "7")'],
    [{ engine: 'gpu' }, `options.engine must be 'wasm' or 'ts' (got "gpu")`],
    [{ contamination: 0.7 }, `options.contamination must be 'auto' or a number in (0, 0.5] (got 0.7)`],
    [{ threshold: 1 }, 'options.threshold must be a number in (0, 1) (got 1)'],
    [{ tress: 10 }, 'options.tress is not an option; the options are trees, sampleSize, seed, engine, contamination, threshold, featureSpec'],
  ];
  for (const [options, message] of cases) {
    it(`rejects ${JSON.stringify(options)}`, async () => {
      const error = await IsolationForest.fit(rows, options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as Error).message).toBe(message);
    });
  }
});

describe('bad rows get an error that gives the row and column', () => {
  it('rejects NaN in number[][] input', async () => {
    await expect(IsolationForest.fit([[1, 2], [3, NaN], [4, 5]])).rejects.toThrow(
      new InputError('row 1, column 1: NaN is not a finite number; remove or impute it before fitting or scoring'),
    );
  });

  it('rejects Infinity in a Float64Array, and a value beyond f32', async () => {
    const data = Float64Array.of(1, 2, 3, 4, -Infinity, 6);
    await expect(IsolationForest.fit({ data, nCols: 2 })).rejects.toThrow('row 2, column 0: -Infinity is not a finite number');
    const big = Float64Array.of(1, 2, 3, 1e300);
    await expect(IsolationForest.fit({ data: big, nCols: 2 })).rejects.toThrow('row 1, column 1: 1e+300 is outside the f32 range');
  });

  it('rejects NaN when scoring too', async () => {
    const forest = await IsolationForest.fit(rows, { trees: 3 });
    expect(() => forest.score([[1, 2], [Number.NaN, 0]])).toThrow('row 1, column 0: NaN is not a finite number');
  });

  it('rejects ragged rows, wrong widths and too few rows', async () => {
    await expect(IsolationForest.fit([[1, 2], [3]])).rejects.toThrow('row 1 has 1 values, expected 2 like row 0');
    await expect(IsolationForest.fit([[1, 2]])).rejects.toThrow('fit needs at least 2 rows (got 1)');
    await expect(IsolationForest.fit({ data: new Float32Array(5), nCols: 2 })).rejects.toThrow(
      'rows.data has 5 values, which is not a whole number of rows of 2 columns',
    );
    const forest = await IsolationForest.fit(rows, { trees: 3 });
    expect(() => forest.score([[1, 2, 3]])).toThrow('rows have 3 columns but the model was fitted on 2');
  });
});

describe('fit refuses a model it could not load again', () => {
  it('a feature spec that lists another number of features than the rows have', async () => {
    const error = await IsolationForest.fit(rows, { trees: 3, featureSpec: { features: ['a', 'b', 'c'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toBe('options.featureSpec lists 3 features, but the rows have 2 columns');
    const forest = await IsolationForest.fit(rows, { trees: 3, featureSpec: { features: ['a', 'b'] } });
    expect(IsolationForest.fromBytesSync(forest.toBytes()).nCols).toBe(2);
  });

  it('a forest larger than a model may hold, before growing any of it', async () => {
    // ψ = 65,536 needs as many rows; 86 trees of height 16 are just over 64 MiB, 85 just under.
    const many = { data: new Float64Array(65_536).map((_, i) => i), nCols: 1 };
    const error = await IsolationForest.fit(many, { trees: 86, sampleSize: 65_536 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toBe(
      `options.trees = 86 with a sample of 65536 rows makes a forest of ${86 * treeBytes(16)} bytes, more than the 67108864 a model may hold: use fewer trees or a smaller sampleSize`,
    );
    expect(85 * treeBytes(16)).toBeLessThan(64 * 2 ** 20);
  });
});
