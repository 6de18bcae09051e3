import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConnFeatureLearner,
  connFeatureColumns,
  featurize,
  FEATURE_SPEC_VERSION,
  FeatureSpecError,
  validateFeatureSpec,
  type FeatureSpec,
} from '../src/zeek/features.js';
import { batchOf, type Row } from './features-batch.js';

// Each record twice, so every value is seen more than once and lands in a table.
const rows: Row[] = [
  { proto: 'tcp', service: 'http', conn_state: 'SF', history: 'ShADadFf', 'id.resp_p': 80, duration: 0.4, orig_bytes: 600 },
  { proto: 'tcp', service: 'ssl', conn_state: 'SF', history: 'ShADadFf', 'id.resp_p': 443, duration: 0.5 },
  { proto: 'udp', service: null, conn_state: 'S0', history: 'D', 'id.resp_p': 137 },
  { proto: 'udp', service: 'dns', conn_state: 'SF', history: 'Dd', 'id.resp_p': 53, orig_bytes: 38, resp_bytes: 89 },
  { proto: 'icmp', conn_state: 'OTH', 'id.resp_p': 0 },
].flatMap((r) => [r, { ...r }]);

function learnt(): FeatureSpec {
  const learner = new ConnFeatureLearner({ sampleSize: 8 });
  learner.observe(batchOf(rows, learner.columns));
  return learner.finish();
}

/** What a model file would hold: the spec as UTF-8 JSON. */
function throughFile(spec: unknown): unknown {
  return JSON.parse(new TextDecoder().decode(new TextEncoder().encode(JSON.stringify(spec))));
}

describe('spec JSON round trip', () => {
  it('survives the model file unchanged and scores identically', () => {
    const spec = learnt();
    expect(spec.version).toBe(FEATURE_SPEC_VERSION);
    const back = validateFeatureSpec(throughFile(spec));
    expect(back).toEqual(spec);
    const batch = batchOf([...rows, { proto: 'sctp', 'id.resp_p': 9 }], connFeatureColumns(spec));
    expect(featurize(batch, back)).toEqual(featurize(batch, spec));
  });

  it('returns a fresh copy, dropping unknown top-level keys', () => {
    const spec = learnt();
    const raw = { ...(throughFile(spec) as object), extra: 1 };
    const back = validateFeatureSpec(raw);
    expect(back).toEqual(spec);
    expect(back).not.toBe(raw);
  });
});

describe('validateFeatureSpec on bad input', () => {
  const good = throughFile(learnt()) as Record<string, unknown>;
  const withTable = (patch: Record<string, unknown>): unknown => {
    const tables = good.tables as Record<string, Record<string, unknown>>;
    return { ...good, tables: { ...tables, proto: { ...tables.proto, ...patch } } };
  };
  const cases: [string, unknown, string][] = [
    ['not an object', [], 'invalid feature spec: expected a JSON object, got an array'],
    ['wrong name', { ...good, name: 'dns' }, 'invalid feature spec: name must be "conn", got "dns"'],
    [
      'newer version',
      { ...good, version: 2 },
      'feature spec version 2 is not supported: this build reads version 1; refit the model with this version',
    ],
    [
      'unknown feature',
      { ...good, features: ['duration', 'bogus'] },
      'invalid feature spec: features: unknown feature "bogus"; valid names: duration,',
    ],
    ['label as feature', { ...good, features: ['label'] }, 'invalid feature spec: features: "label" is a label column, never a feature'],
    ['negative records', { ...good, records: -1 }, 'invalid feature spec: records must be an integer ≥ 0, got -1'],
    ['missing table', { ...good, tables: {} }, 'invalid feature spec: tables.proto is missing'],
    [
      'foreign table',
      { ...good, tables: JSON.parse('{"__proto__": {}}') },
      'invalid feature spec: tables.__proto__ is not a selected categorical feature',
    ],
    [
      'infinite code',
      withTable({ codes: [0, 0, 1e39] }),
      'invalid feature spec: tables.proto.codes[2] must be a finite number within float32 range, got 1e+39',
    ],
    ['null code', withTable({ codes: [0, 0, null] }), 'invalid feature spec: tables.proto.codes[2] must be a finite number within float32 range, got null'],
    ['short codes', withTable({ codes: [0] }), 'invalid feature spec: tables.proto.codes has 1 entries, expected 3 (one per value)'],
    ['repeated value', withTable({ values: ['tcp', 'tcp', 'udp'] }), 'invalid feature spec: tables.proto.values[1] repeats "tcp"'],
    ['counts over total', withTable({ counts: [5, 5, 5] }), 'invalid feature spec: tables.proto.counts add up to more than total (10)'],
    ['total mismatch', withTable({ total: 6 }), 'invalid feature spec: tables.proto.total is 6, but the spec counts 10 records'],
    ['bad unseen code', withTable({ unseenCode: 'x' }), 'invalid feature spec: tables.proto.unseenCode must be a finite number within float32 range, got "x"'],
    [
      'bad port key',
      {
        ...good,
        tables: {
          ...(good.tables as object),
          resp_port: { ...(good.tables as Record<string, Record<string, unknown>>).resp_port, values: ['080/tcp', '443/tcp', '137/udp', '53/udp', '0/icmp'] },
        },
      },
      'invalid feature spec: tables.resp_port.values[0] must be a port like "80/tcp", got "080/tcp"',
    ],
  ];
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => validateFeatureSpec(input)).toThrow(FeatureSpecError);
      expect(() => validateFeatureSpec(input)).toThrow(message);
    });
  }

  it('never crashes on arbitrary JSON: a spec or a FeatureSpecError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          validateFeatureSpec(v);
        } catch (e) {
          expect(e).toBeInstanceOf(FeatureSpecError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on mutated real specs, and what it accepts featurizes to finite rows', () => {
    const spec = learnt();
    const batch = batchOf(rows, connFeatureColumns(spec));
    // Replace one value somewhere in the spec's JSON tree with arbitrary JSON.
    const mutate = (node: unknown, path: number[], value: unknown): unknown => {
      if (path.length === 0 || node === null || typeof node !== 'object') return value;
      const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node);
      if (entries.length === 0) return value;
      const [key, child] = entries[path[0] % entries.length];
      const copy: Record<string | number, unknown> = Array.isArray(node) ? [...node] : { ...node };
      copy[key] = mutate(child, path.slice(1), value);
      return copy;
    };
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        let ok: FeatureSpec;
        try {
          ok = validateFeatureSpec(mutate(throughFile(spec), path, value));
        } catch (e) {
          expect(e).toBeInstanceOf(FeatureSpecError);
          return;
        }
        const cols = connFeatureColumns(ok);
        const x = featurize(batchOf(rows, cols), ok);
        expect(x.every(Number.isFinite)).toBe(true);
        expect(batch.length).toBe(rows.length);
      }),
      { numRuns: 500 },
    );
  });
});
