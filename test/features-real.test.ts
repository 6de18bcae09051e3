import { describe, expect, it } from 'vitest';
import { ConnFeatureLearner, connFeatureColumns, featurize, validateFeatureSpec } from '../src/zeek/features.js';
import { parseTsv } from './features-batch.js';
import { BTEST_CONN, ZAT_CONN } from './features-excerpts.js';

const f32 = Math.fround;

function learn(text: string) {
  const learner = new ConnFeatureLearner({ sampleSize: 1000, seed: 7 });
  const batch = parseTsv(text, learner.columns);
  learner.observe(batch);
  const spec = learner.finish();
  return { spec, batch, sample: learner.sample() };
}

/** The features of the record with Zeek uid `uid`, by feature name. */
function featuresOf(text: string, uid: string) {
  const { spec } = learn(text);
  const cols = [...connFeatureColumns(spec), { name: 'uid', kind: 'string' as const }];
  const batch = parseTsv(text, cols);
  const r = batch.strings.get('uid')!.indexOf(uid);
  expect(r).toBeGreaterThanOrEqual(0);
  const x = featurize(batch, spec);
  const d = spec.features.length;
  return { spec, get: (name: string) => x[r * d + spec.features.indexOf(name as never)] };
}

describe('zat conn.log (old Bro field set)', () => {
  it('drops local_orig / local_resp by default: never set in this log', () => {
    const { spec } = learn(ZAT_CONN);
    expect(spec.features).not.toContain('local_orig');
    expect(spec.features).not.toContain('local_resp');
    expect(spec.features.length).toBe(16);
  });

  it('gives the features of an HTTP connection as written in the log', () => {
    // CoyZrY2g74UvMMgp4a  80/tcp http 0.447460 s, 601 → 38393 bytes, RSTO ShADadR, 22 pkts / 1489 B, 31 / 39641
    const { get } = featuresOf(ZAT_CONN, 'CoyZrY2g74UvMMgp4a');
    expect(get('duration')).toBe(f32(Math.log1p(447460)));
    expect(get('orig_bytes')).toBe(f32(Math.log1p(601)));
    expect(get('resp_bytes')).toBe(f32(Math.log1p(38393)));
    expect(get('missed_bytes')).toBe(0);
    expect(get('resp_orig_bytes_ratio')).toBe(f32(Math.log1p(38393) - Math.log1p(601)));
    expect(get('orig_bytes_per_pkt')).toBe(f32(Math.log1p(1489 / 22)));
    expect(get('resp_bytes_per_pkt')).toBe(f32(Math.log1p(39641 / 31)));
    // Of the 24 rows, 9 are http, 18 tcp, 13 to 80/tcp (counted with cut | sort | uniq -c):
    // each code is log10 of the value's share.
    expect(get('service')).toBe(f32(Math.log10(9 / 24)));
    expect(get('proto')).toBe(f32(Math.log10(18 / 24)));
    expect(get('resp_port')).toBe(f32(Math.log10(13 / 24)));
  });

  it('gives a one-packet attempt (S0, unset duration and bytes) the unset values', () => {
    // CQVVE916jR386FIvPe  53/udp, service, duration and bytes unset; 1 pkt / 48 B out, nothing back.
    const { get } = featuresOf(ZAT_CONN, 'CQVVE916jR386FIvPe');
    expect(get('duration')).toBe(-1);
    expect(get('orig_bytes')).toBe(-1);
    expect(get('resp_bytes')).toBe(-1);
    expect(get('resp_orig_bytes_ratio')).toBe(0);
    expect(get('orig_pkts')).toBe(f32(Math.log1p(1)));
    expect(get('orig_bytes_per_pkt')).toBe(f32(Math.log1p(48)));
    expect(get('resp_bytes_per_pkt')).toBe(0);
  });

  it('keys ICMP "ports" (type/code) apart from TCP and UDP ports, and counts unset history', () => {
    const { spec, get } = featuresOf(ZAT_CONN, 'CgBGvA4GRXVSjAU8V3');
    // The one ICMP row: 3/icmp and its unset history are each seen once, so they get the unseen
    // code, which is log10(1/24); "3/tcp" would be a different value.
    expect(spec.tables.resp_port!.values).not.toContain('3/icmp');
    expect(spec.tables.resp_port!.unseenCode).toBe(Math.log10(1 / 24));
    expect(get('history')).toBe(f32(Math.log10(1 / 24)));
    expect(get('resp_port')).toBe(f32(Math.log10(1 / 24)));
  });

  it('learns tables that agree with counts taken straight from the log text', () => {
    const { spec } = learn(ZAT_CONN);
    const rows = ZAT_CONN.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const fields = ZAT_CONN.split('\n').find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
    const at = (name: string) => fields.indexOf(name);
    const counts = new Map<string | null, number>();
    for (const l of rows) {
      const v = l.split('\t')[at('conn_state')];
      counts.set(v === '-' ? null : v, (counts.get(v) ?? 0) + 1);
    }
    const t = spec.tables.conn_state!;
    expect(t.total).toBe(rows.length);
    const repeated = new Map([...counts].filter(([, c]) => c > 1));
    expect(new Map(t.values.map((v, i) => [v, t.counts[i]]))).toEqual(repeated);
    expect(repeated.size).toBeGreaterThan(3);
  });
});

describe('Zeek opt.basic conn.log (current field set)', () => {
  it('keeps local_orig / local_resp and reads them as written', () => {
    const { spec } = learn(BTEST_CONN);
    expect(spec.features.slice(-2)).toEqual(['local_orig', 'local_resp']);
    // CHhAvVGS1DHFjwGM9: 5353/udp dns S0, local_orig F, local_resp T, 1 pkt / 73 B.
    const { get } = featuresOf(BTEST_CONN, 'CHhAvVGS1DHFjwGM9');
    expect(get('local_orig')).toBe(0);
    expect(get('local_resp')).toBe(1);
    expect(get('duration')).toBe(-1);
    expect(get('orig_bytes_per_pkt')).toBe(f32(Math.log1p(73)));
  });

  it('scores a log with a model learnt on another: unseen values get the unseen code, all finite', () => {
    const zat = learn(ZAT_CONN).spec;
    const spec = validateFeatureSpec(JSON.parse(JSON.stringify(zat)));
    const batch = parseTsv(BTEST_CONN, connFeatureColumns(spec));
    const x = featurize(batch, spec);
    expect(x.length).toBe(batch.length * spec.features.length);
    expect(x.every(Number.isFinite)).toBe(true);
    // 5353/udp and 137/udp were never seen in the zat capture.
    const j = spec.features.indexOf('resp_port');
    expect(x[j]).toBe(f32(spec.tables.resp_port!.unseenCode));
  });

  it('encodes the whole sample finite, one row per record when the log fits the reservoir', () => {
    const { sample, batch } = learn(BTEST_CONN);
    expect(sample.nRows).toBe(batch.length);
    expect(sample.data.every(Number.isFinite)).toBe(true);
  });
});
