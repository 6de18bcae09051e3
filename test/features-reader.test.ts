// The feature layer fed by the project's reader, on the real logs in test/fixtures/zeek/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnFeatureLearner, connFeatureColumns, featurize, type FeatureSpec } from '../src/zeek/features.js';
import { readZeekLog } from '../src/zeek/reader.js';
import type { ColumnRequest, RecordBatch } from '../src/zeek/types.js';
import { parseTsv } from './features-batch.js';

const dir = fileURLToPath(new URL('./fixtures/zeek/', import.meta.url));
const ZAT = `${dir}zat/conn.log`;
const ZAT_JSON = `${dir}zat/json_conn.log`;
const haveZat = existsSync(ZAT) && existsSync(ZAT_JSON);

async function batches(file: string, columns: ColumnRequest[], chunkBytes?: number): Promise<RecordBatch[]> {
  const reader = readZeekLog(file, { columns, chunkBytes });
  const out: RecordBatch[] = [];
  for await (const b of reader.batches) out.push(b);
  expect(reader.stats().rejected).toBe(0);
  return out;
}

async function learn(file: string, chunkBytes?: number) {
  const learner = new ConnFeatureLearner({ sampleSize: 100, seed: 3 });
  for (const b of await batches(file, learner.columns, chunkBytes)) learner.observe(b);
  return { spec: learner.finish(), sample: learner.sample() };
}

async function rows(file: string, spec: FeatureSpec): Promise<Float32Array> {
  const parts = (await batches(file, connFeatureColumns(spec))).map((b) => featurize(b, spec));
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return all;
}

describe.skipIf(!haveZat)('through readZeekLog', () => {
  it('counts every record of zat conn.log into the tables (awk: udp 225, tcp 115, icmp 20)', async () => {
    const { spec, sample } = await learn(ZAT);
    expect(spec.records).toBe(360);
    expect(spec.tables.proto).toMatchObject({ values: ['udp', 'tcp', 'icmp'], counts: [225, 115, 20] });
    expect(sample.nRows).toBe(100);
    expect(sample.data.every(Number.isFinite)).toBe(true);
  });

  it('gives the same features as an independent parse of the same text', async () => {
    const { spec } = await learn(ZAT);
    const viaReader = await rows(ZAT, spec);
    const viaTest = featurize(parseTsv(readFileSync(ZAT, 'utf8'), connFeatureColumns(spec)), spec);
    expect(viaReader).toEqual(viaTest);
  });

  it('gives the same spec and sample whatever the reader chunk size', async () => {
    const ref = await learn(ZAT);
    expect(await learn(ZAT, 4096)).toEqual(ref);
  });

  it('reads the JSON flavour into finite rows', async () => {
    const { spec, sample } = await learn(ZAT_JSON);
    expect(spec.records).toBe(50);
    expect(sample.data.every(Number.isFinite)).toBe(true);
    expect((await rows(ZAT_JSON, spec)).every(Number.isFinite)).toBe(true);
  });
});

const btestDir = `${dir}btest/`;
const btest = existsSync(btestDir) ? readdirSync(btestDir).filter((f) => f.endsWith('conn.log') || f.includes('_conn')) : [];

describe.skipIf(btest.length === 0)('Zeek btest conn logs (every field-set variant)', () => {
  it.each(btest)('%s: a model learnt on zat scores every record finite', async (name) => {
    if (!haveZat) return;
    const { spec } = await learn(ZAT);
    const x = await rows(`${btestDir}${name}`, spec);
    expect(x.length % spec.features.length).toBe(0);
    expect(x.every(Number.isFinite)).toBe(true);
  });
});
