import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONN_FEATURES,
  ConnFeatureLearner,
  connFeatureColumns,
  featurize,
  isUnsetFeatureValue,
  LABEL_COLUMNS,
  UNKNOWN_BOOL_VALUE,
  UNSET_VALUE,
  type FeatureSpec,
} from '../src/zeek/features.js';
import { frequencyCode, unseenCode } from '../src/zeek/frequency.js';
import { batchOf, type Row } from './features-batch.js';

const f32 = Math.fround;
const ALL = connFeatureColumns();

/** Fits on `rows` with every feature selected and returns spec + a column getter for `score` rows. */
function fit(rows: Row[], features: string[] = [...CONN_FEATURES]): FeatureSpec {
  const learner = new ConnFeatureLearner({ features, sampleSize: 16 });
  learner.observe(batchOf(rows, learner.columns));
  return learner.finish();
}

function column(spec: FeatureSpec, rows: Row[], name: string): number[] {
  const x = featurize(batchOf(rows, connFeatureColumns(spec)), spec);
  const j = spec.features.indexOf(name as never);
  expect(j).toBeGreaterThanOrEqual(0);
  return rows.map((_, r) => x[r * spec.features.length + j]);
}

const base: Row = {
  duration: 1.5,
  orig_bytes: 100,
  resp_bytes: 1000,
  orig_pkts: 2,
  resp_pkts: 3,
  orig_ip_bytes: 180,
  resp_ip_bytes: 1120,
  missed_bytes: 0,
  proto: 'tcp',
  service: 'http',
  conn_state: 'SF',
  history: 'ShADadFf',
  'id.resp_p': 80,
  local_orig: true,
  local_resp: false,
};

describe('numeric features', () => {
  const spec = fit([base]);

  it('log1p-scales counts and gives unset (and impossible negatives) the value -1', () => {
    const rows: Row[] = [{ orig_bytes: 0 }, { orig_bytes: 1000 }, { orig_bytes: null }, { orig_bytes: -5 }, {}];
    expect(column(spec, rows, 'orig_bytes')).toEqual([0, f32(Math.log1p(1000)), -1, -1, -1]);
    expect(UNSET_VALUE).toBe(-1);
  });

  it('scales duration in microseconds before log1p', () => {
    const rows: Row[] = [{ duration: 0 }, { duration: 0.000001 }, { duration: 1.5 }, {}];
    expect(column(spec, rows, 'duration')).toEqual([0, f32(Math.log1p(1)), f32(Math.log1p(1.5e6)), -1]);
  });

  it('keeps huge and infinite values finite', () => {
    const rows: Row[] = [{ resp_bytes: Infinity }, { resp_bytes: Number.MAX_VALUE }, { resp_bytes: -Infinity }];
    expect(column(spec, rows, 'resp_bytes')).toEqual([
      f32(Math.log1p(Number.MAX_VALUE)),
      f32(Math.log1p(Number.MAX_VALUE)),
      -1,
    ]);
  });

  it('gives the response/request byte ratio as log((1 + resp) / (1 + orig)), 0 when either is unset', () => {
    const rows: Row[] = [
      { orig_bytes: 100, resp_bytes: 1000 },
      { orig_bytes: 0, resp_bytes: 1000 },
      { orig_bytes: 0, resp_bytes: 0 },
      { orig_bytes: 1000, resp_bytes: 0 },
      { resp_bytes: 1000 },
      { orig_bytes: 100 },
    ];
    expect(column(spec, rows, 'resp_orig_bytes_ratio')).toEqual([
      f32(Math.log1p(1000) - Math.log1p(100)),
      f32(Math.log1p(1000)),
      0,
      f32(-Math.log1p(1000)),
      0,
      0,
    ]);
  });

  it('gives bytes per packet as log1p(ip_bytes / pkts): 0 without packets, -1 when unset', () => {
    const rows: Row[] = [
      { orig_ip_bytes: 180, orig_pkts: 2 },
      { orig_ip_bytes: 0, orig_pkts: 0 },
      { orig_ip_bytes: 40 },
      { orig_pkts: 3 },
    ];
    expect(column(spec, rows, 'orig_bytes_per_pkt')).toEqual([f32(Math.log1p(90)), 0, -1, -1]);
  });

  it('encodes local_orig / local_resp as T 1, F 0, unset or absent 0.5', () => {
    const rows: Row[] = [{ local_orig: true }, { local_orig: false }, { local_orig: null }, {}];
    expect(column(spec, rows, 'local_orig')).toEqual([1, 0, UNKNOWN_BOOL_VALUE, UNKNOWN_BOOL_VALUE]);
  });
});

describe('isUnsetFeatureValue', () => {
  // Ten records, icmp once: its proto code is log10(1/10) = -1, the same number as UNSET_VALUE.
  const rows: Row[] = [...Array.from({ length: 9 }, () => base), { ...base, proto: 'icmp' }];
  const spec = fit(rows);
  const sentinel = ['duration', 'orig_bytes', 'resp_bytes', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'missed_bytes', 'orig_bytes_per_pkt', 'resp_bytes_per_pkt'];

  it('is true exactly where featurize marked an unset field with -1', () => {
    for (const name of CONN_FEATURES) {
      const [set, unset] = column(spec, [base, {}], name);
      expect(isUnsetFeatureValue(name, set), name).toBe(false);
      expect(isUnsetFeatureValue(name, unset), name).toBe(sentinel.includes(name));
      if (sentinel.includes(name)) expect(unset).toBe(UNSET_VALUE);
    }
    // Half a per-packet pair is enough to leave it unknown.
    expect(isUnsetFeatureValue('orig_bytes_per_pkt', column(spec, [{ ...base, orig_pkts: null }], 'orig_bytes_per_pkt')[0])).toBe(true);
  });

  it('is false for a real value that happens to be -1, and for names it does not know', () => {
    expect(column(spec, [{ ...base, proto: 'icmp' }], 'proto')).toEqual([-1]);
    expect(isUnsetFeatureValue('proto', -1)).toBe(false);
    // ln((1 + resp) / (1 + orig)) = -1 is an upload of e times what came back, not an unset field.
    expect(isUnsetFeatureValue('resp_orig_bytes_ratio', -1)).toBe(false);
    expect(isUnsetFeatureValue('label', -1)).toBe(false);
  });
});

describe('frequency coding', () => {
  // 10 records: tcp 6, udp 3, icmp 1; service unset (null) 5 times.
  const rows: Row[] = [
    ...Array.from({ length: 6 }, (_, i) => ({ ...base, proto: 'tcp', service: i < 2 ? null : 'http', 'id.resp_p': 80 })),
    ...Array.from({ length: 3 }, () => ({ ...base, proto: 'udp', service: null, 'id.resp_p': 53 })),
    { ...base, proto: 'icmp', service: null, 'id.resp_p': 3 },
  ];
  const spec = fit(rows);

  it('codes a value by log10 of its relative frequency over all training records', () => {
    expect(spec.records).toBe(10);
    expect(spec.tables.proto).toEqual({
      total: 10,
      values: ['tcp', 'udp'],
      counts: [6, 3],
      codes: [Math.log10(0.6), Math.log10(0.3)],
      unseenCode: -1,
    });
    expect(column(spec, [{ proto: 'udp' }], 'proto')).toEqual([f32(Math.log10(0.3))]);
    // icmp, seen once, is not stored: the unseen code is exactly its code.
    expect(column(spec, [{ proto: 'icmp' }], 'proto')).toEqual([f32(Math.log10(0.1))]);
  });

  it('treats unset as a value of its own (null), counted like any other', () => {
    expect(spec.tables.service!.values).toEqual([null, 'http']);
    expect(spec.tables.service!.counts).toEqual([6, 4]);
    expect(column(spec, [{ service: null }, { service: 'http' }], 'service')).toEqual([
      f32(Math.log10(0.6)),
      f32(Math.log10(0.4)),
    ]);
  });

  it('keys the responder port with its transport, as Zeek writes ports ("53/udp")', () => {
    expect(spec.tables.resp_port!.values).toEqual(['80/tcp', '53/udp']);
    const x = column(spec, [{ 'id.resp_p': 53, proto: 'udp' }, { 'id.resp_p': 53, proto: 'tcp' }], 'resp_port');
    expect(x).toEqual([f32(Math.log10(0.3)), f32(spec.tables.resp_port!.unseenCode)]);
  });

  it('gives a value never seen in training the rarest code: that of a value seen once', () => {
    // Here the rarest training value (icmp) was seen once: the unseen value gets exactly its code.
    expect(column(spec, [{ proto: 'sctp' }], 'proto')).toEqual([f32(Math.log10(0.1))]);
    // When every training value is common, the unseen code is still below all of them.
    const common = fit([...rows, ...rows].map((r) => ({ ...r })), ['proto']);
    const t = common.tables.proto!;
    expect(t.values).toEqual(['tcp', 'udp', 'icmp']);
    expect(t.counts).toEqual([12, 6, 2]);
    expect(t.unseenCode).toBe(Math.log10(1 / 20));
    expect(t.unseenCode).toBeLessThan(Math.min(...t.codes));
    expect(unseenCode(20)).toBe(frequencyCode(1, 20));
  });

  it('orders ties by value so the table does not depend on input order', () => {
    const h = (...xs: (string | null)[]) => xs.map((history) => ({ history }));
    const a = fit(h('b', 'a', 'c', null, 'a', 'c', 'b', null, 'x'), ['history']);
    const b = fit(h('x', 'c', 'a', 'b', null, 'a', 'b', null, 'c'), ['history']);
    expect(a).toEqual(b);
    expect(a.tables.history!.values).toEqual([null, 'a', 'b', 'c']);
  });

  it('keeps at most maxCategories values, the most frequent ones', () => {
    const learner = new ConnFeatureLearner({ features: ['proto'], maxCategories: 2, sampleSize: 0 });
    learner.observe(batchOf(rows, learner.columns));
    const t = learner.finish().tables.proto!;
    expect(t.values).toEqual(['tcp', 'udp']);
    expect(t.total).toBe(10);
  });
});

describe('columns and labels', () => {
  it('asks the reader for each source field once, with its kind, and never for labels', () => {
    expect(ALL).toEqual([
      { name: 'duration', kind: 'number' },
      { name: 'orig_bytes', kind: 'number' },
      { name: 'resp_bytes', kind: 'number' },
      { name: 'orig_pkts', kind: 'number' },
      { name: 'resp_pkts', kind: 'number' },
      { name: 'orig_ip_bytes', kind: 'number' },
      { name: 'resp_ip_bytes', kind: 'number' },
      { name: 'missed_bytes', kind: 'number' },
      { name: 'proto', kind: 'string' },
      { name: 'service', kind: 'string' },
      { name: 'conn_state', kind: 'string' },
      { name: 'history', kind: 'string' },
      { name: 'id.resp_p', kind: 'number' },
      { name: 'local_orig', kind: 'number' },
      { name: 'local_resp', kind: 'number' },
    ]);
    expect(connFeatureColumns({ features: ['resp_port'] })).toEqual([
      { name: 'proto', kind: 'string' },
      { name: 'id.resp_p', kind: 'number' },
      { name: 'local_orig', kind: 'number' },
      { name: 'local_resp', kind: 'number' },
    ]);
    for (const label of LABEL_COLUMNS) expect(ALL.map((c) => c.name)).not.toContain(label);
  });

  it('ignores label columns present in the batch', () => {
    const spec = fit([base]);
    const cols = [...connFeatureColumns(spec), { name: 'label', kind: 'string' as const }, { name: 'detailed-label', kind: 'string' as const }];
    const plain = featurize(batchOf([base], connFeatureColumns(spec)), spec);
    const labelled = featurize(batchOf([{ ...base, label: 'Malicious', 'detailed-label': 'C&C' }], cols), spec);
    expect(labelled).toEqual(plain);
  });

  it('leaves local_orig / local_resp out of the default set when no training record has them set', () => {
    const old = { ...base, local_orig: null };
    delete old.local_resp;
    const other = { ...base, local_orig: false };
    delete other.local_resp;
    const learner = new ConnFeatureLearner({ sampleSize: 0 });
    learner.observe(batchOf([old], learner.columns));
    learner.observe(batchOf([other], learner.columns));
    const spec = learner.finish();
    expect(spec.features).toContain('local_orig');
    expect(spec.features).not.toContain('local_resp');
    // Chosen explicitly, it stays, with the documented constant.
    const explicit = fit([old], ['local_resp']);
    expect(column(explicit, [old], 'local_resp')).toEqual([UNKNOWN_BOOL_VALUE]);
  });
});

describe('featurize', () => {
  const spec = fit([base]);

  it('writes row-major rows into a caller buffer and returns a view of the right size', () => {
    const buf = new Float32Array(100).fill(7);
    const x = featurize(batchOf([base, base], connFeatureColumns(spec)), spec, buf);
    expect(x.length).toBe(2 * spec.features.length);
    expect(x.buffer).toBe(buf.buffer);
    expect(buf[x.length]).toBe(7);
    expect(Array.from(x.subarray(0, spec.features.length))).toEqual(Array.from(x.subarray(spec.features.length)));
  });

  it('refuses a buffer that is too small, and a batch without a requested column', () => {
    expect(() => featurize(batchOf([base], connFeatureColumns(spec)), spec, new Float32Array(3))).toThrow(
      'featurize: out holds 3 values, needs 18 (rows × features = 1 × 18)',
    );
    expect(() => featurize(batchOf([base], [{ name: 'duration', kind: 'number' }]), spec)).toThrow(
      'featurize: the batch has no number column "orig_bytes"; ask the reader for connFeatureColumns(spec)',
    );
  });

  it('gives finite values for any numbers and strings the reader can produce', () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, Number.MAX_VALUE));
    const str = fc.option(fc.oneof(fc.string(), fc.constantFrom('tcp', 'udp', 'http', 'SF', '-', '')), { nil: null });
    const row = fc.record({
      duration: num,
      orig_bytes: num,
      resp_bytes: num,
      orig_pkts: num,
      resp_pkts: num,
      orig_ip_bytes: num,
      resp_ip_bytes: num,
      missed_bytes: num,
      'id.resp_p': num,
      local_orig: num,
      local_resp: num,
      proto: str,
      service: str,
      conn_state: str,
      history: str,
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), fc.array(row, { maxLength: 20 }), (train, score) => {
        const s = fit(train);
        const x = featurize(batchOf(score, connFeatureColumns(s)), s);
        expect(x.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
