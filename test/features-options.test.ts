import { describe, expect, it } from 'vitest';
import { ConnFeatureLearner, CONN_FEATURES, connFeatureColumns } from '../src/zeek/features.js';
import { batchOf } from './features-batch.js';

const VALID =
  'valid names: duration, orig_bytes, resp_bytes, orig_pkts, resp_pkts, orig_ip_bytes, resp_ip_bytes, ' +
  'missed_bytes, resp_orig_bytes_ratio, orig_bytes_per_pkt, resp_bytes_per_pkt, proto, service, ' +
  'conn_state, history, resp_port, local_orig, local_resp';

function learn(options: unknown): ConnFeatureLearner {
  return new ConnFeatureLearner(options as never);
}

describe('feature selection', () => {
  it('lists every feature name in default order', () => {
    expect(`valid names: ${CONN_FEATURES.join(', ')}`).toBe(VALID);
  });

  it('keeps the order the user chose', () => {
    const learner = new ConnFeatureLearner({ features: ['service', 'duration'], sampleSize: 0 });
    learner.observe(batchOf([{ service: 'dns', duration: 1 }], learner.columns));
    expect(learner.finish().features).toEqual(['service', 'duration']);
    // local_orig and local_resp are read (and checked) with any features, as when fitting with the default set.
    expect(learner.columns).toEqual([
      { name: 'duration', kind: 'number' },
      { name: 'service', kind: 'string' },
      { name: 'local_orig', kind: 'number' },
      { name: 'local_resp', kind: 'number' },
    ]);
  });

  it('names the bad value and lists the valid names', () => {
    expect(() => learn({ features: ['durration'] })).toThrow(`options.features: unknown feature "durration"; ${VALID}`);
    expect(() => learn({ features: ['duration', 7] })).toThrow(`options.features: unknown feature 7; ${VALID}`);
    expect(() => learn({ features: 'duration' })).toThrow(
      `options.features must be an array of feature names, got "duration"; ${VALID}`,
    );
    expect(() => learn({ features: [] })).toThrow(`options.features must name at least one feature; ${VALID}`);
    expect(() => learn({ features: ['proto', 'proto'] })).toThrow('options.features: "proto" is listed twice');
    expect(() => connFeatureColumns({ features: ['nope'] })).toThrow(`options.features: unknown feature "nope"; ${VALID}`);
  });

  it('refuses label columns as features, by name', () => {
    for (const label of ['label', 'detailed-label', 'detailedlabel']) {
      expect(() => learn({ features: ['duration', label] })).toThrow(
        `options.features: "${label}" is a label column, never a feature; ${VALID}`,
      );
    }
  });

  it('validates the numeric options', () => {
    expect(() => learn({ sampleSize: -1 })).toThrow('options.sampleSize must be a non-negative integer, got -1');
    expect(() => learn({ sampleSize: 1.5 })).toThrow('options.sampleSize must be a non-negative integer, got 1.5');
    expect(() => learn({ seed: 2 ** 32 })).toThrow('options.seed must be an integer in [0, 2^32), got 4294967296');
    expect(() => learn({ seed: '1' })).toThrow('options.seed must be an integer in [0, 2^32), got "1"');
    expect(() => learn({ maxCategories: 0 })).toThrow('options.maxCategories must be an integer in [1, 65536], got 0');
  });

  it('cannot observe after finish', () => {
    const learner = new ConnFeatureLearner({ features: ['proto'], sampleSize: 0 });
    learner.finish();
    expect(() => learner.observe(batchOf([{ proto: 'tcp' }], learner.columns))).toThrow(
      'ConnFeatureLearner.observe() called after finish()',
    );
  });
});
