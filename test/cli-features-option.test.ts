// fit --features: chosen features end up in the model, in order; bad names are usage errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolationForest } from '../src/index.js';
import { validateFeatureSpec } from '../src/zeek/features.js';
import { assertBuilt, removeDir, runCli, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => removeDir(dir));

describe('fit --features', () => {
  it('fits on exactly the chosen features, in the order given', async () => {
    const model = join(dir, 'm.iforest');
    const run = await runCli(['fit', CONN, '--features', 'service,duration, orig_bytes', '-o', model]);
    expect(run.code, run.stderr).toBe(0);
    const forest = IsolationForest.fromBytesSync(readFileSync(model));
    expect(validateFeatureSpec(forest.featureSpec).features).toEqual(['service', 'duration', 'orig_bytes']);
    expect(forest.nCols).toBe(3);
  });

  it('refuses unknown names and label columns with one line and exit 2, before reading the logs', async () => {
    const unknown = await runCli(['fit', CONN, '--features', 'duration,bytes', '-o', join(dir, 'x.iforest')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^zeek-iforest: --features: unknown feature "bytes"; valid names: duration, orig_bytes, .*local_resp\n$/);
    const label = await runCli(['fit', CONN, '--features', 'label', '-o', join(dir, 'x.iforest')]);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain('zeek-iforest: --features: "label" is a label column, never a feature;');
  });
});
