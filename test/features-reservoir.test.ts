import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReservoirSampler } from '../src/reservoir.js';
import { Xoshiro128 } from '../src/rng.js';
import { ConnFeatureLearner } from '../src/zeek/features.js';
import { batchOf, sliceBatch, type Row } from './features-batch.js';

/** Runs a sampler over `n` records cut at `cuts`; returns the record index held by each slot. */
function sampleIndices(k: number, seed: number, n: number, cuts: number[]): number[] {
  const s = new ReservoirSampler(k, seed);
  const slots: number[] = [];
  const bounds = [...new Set([0, ...cuts.filter((c) => c > 0 && c < n), n])].sort((a, b) => a - b);
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b];
    s.offer(bounds[b + 1] - from, (i, slot) => {
      slots[slot] = from + i;
    });
  }
  expect(s.seen).toBe(n);
  expect(s.size).toBe(Math.min(n, k));
  return slots;
}

describe('Xoshiro128', () => {
  it('matches the reference xoshiro128** for state {1, 2, 3, 4}', () => {
    // First outputs worked by hand from Blackman & Vigna's C code: rotl(2 * 5, 7) * 9 = 11520,
    // then s[1] becomes 0, so the second output is 0.
    const g = Xoshiro128.fromState([1, 2, 3, 4]);
    expect(g.nextU32()).toBe(11520);
    expect(g.nextU32()).toBe(0);
  });

  it('is deterministic from its seed and stays inside (0, 1)', () => {
    const a = new Xoshiro128(42, 0);
    const b = new Xoshiro128(42, 0);
    const c = new Xoshiro128(43, 0);
    const xs = Array.from({ length: 1000 }, () => a.nextOpen01());
    expect(Array.from({ length: 1000 }, () => b.nextOpen01())).toEqual(xs);
    expect(c.nextOpen01()).not.toBe(xs[0]);
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
  });
});

describe('ReservoirSampler', () => {
  it('keeps everything while the stream fits, in stream order', () => {
    expect(sampleIndices(10, 1, 7, [3])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sampleIndices(0, 1, 7, [])).toEqual([]);
  });

  it('keeps at most k distinct records', () => {
    const got = sampleIndices(50, 9, 10_000, [1234, 5000]);
    expect(got.length).toBe(50);
    expect(new Set(got).size).toBe(50);
    expect(got.every((i) => i >= 0 && i < 10_000)).toBe(true);
  });

  it('gives the same sample whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 30 }),
        (k, seed, n, cuts) => {
          expect(sampleIndices(k, seed, n, cuts)).toEqual(sampleIndices(k, seed, n, []));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps every record with probability k / n', () => {
    // 2000 seeds × k = 10 of n = 100: each record is expected 200 times. A binomial sd is ~13.4;
    // the bounds are ±6 sd, so a correct sampler fails this about never, a biased one quickly.
    const n = 100;
    const hits = new Array<number>(n).fill(0);
    for (let seed = 0; seed < 2000; seed++) for (const i of sampleIndices(10, seed, n, [])) hits[i]++;
    for (const h of hits) {
      expect(h).toBeGreaterThan(200 - 80);
      expect(h).toBeLessThan(200 + 80);
    }
    // The first k records are where Algorithm L's hand-over from filling to skipping could go wrong.
    const early = hits.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
    const late = hits.slice(90).reduce((a, b) => a + b, 0) / 10;
    expect(Math.abs(early - late)).toBeLessThan(40);
  });
});

describe('ConnFeatureLearner sample', () => {
  const rows: Row[] = Array.from({ length: 500 }, (_, i) => ({
    proto: i % 7 === 0 ? 'udp' : 'tcp',
    service: i % 3 === 0 ? null : 'http',
    conn_state: 'SF',
    history: i % 11 === 0 ? 'S' : 'ShADadFf',
    'id.resp_p': i % 5 === 0 ? 53 : 80,
    duration: i / 100,
    orig_bytes: i,
    resp_bytes: 2 * i,
    orig_pkts: 1 + (i % 4),
    resp_pkts: i % 4,
    orig_ip_bytes: 40 * (1 + (i % 4)) + i,
    resp_ip_bytes: 40 * (i % 4) + 2 * i,
    missed_bytes: 0,
    local_orig: i % 2 === 0,
    local_resp: i % 3 === 0,
  }));

  function run(cuts: number[], seed = 5) {
    const learner = new ConnFeatureLearner({ sampleSize: 64, seed });
    const whole = batchOf(rows, learner.columns);
    const bounds = [0, ...cuts, rows.length];
    for (let b = 0; b + 1 < bounds.length; b++) learner.observe(sliceBatch(whole, bounds[b], bounds[b + 1]));
    return { spec: learner.finish(), sample: learner.sample() };
  }

  it('counts every record, samples k, and encodes them with the finished spec', () => {
    const { spec, sample } = run([]);
    expect(spec.records).toBe(500);
    expect(spec.tables.proto!.counts).toEqual([428, 72]);
    expect(sample.nRows).toBe(64);
    expect(sample.seen).toBe(500);
    expect(sample.nCols).toBe(spec.features.length);
    expect(sample.data.length).toBe(64 * spec.features.length);
    expect(sample.data.every(Number.isFinite)).toBe(true);
    // Each sampled row is the featurised record of its line: orig_bytes = line - 1 by construction.
    const j = spec.features.indexOf('orig_bytes');
    for (let r = 0; r < sample.nRows; r++) {
      expect(sample.data[r * sample.nCols + j]).toBe(Math.fround(Math.log1p(sample.lines[r] - 1)));
    }
  });

  it('gives the same spec and sample whatever the batching', () => {
    const ref = run([]);
    for (const cuts of [[1], [63, 64, 65], [100, 200, 300, 499], [250]]) expect(run(cuts)).toEqual(ref);
    expect(run([], 6).sample.lines).not.toEqual(ref.sample.lines);
  });
});
