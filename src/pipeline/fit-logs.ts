// Fitting on Zeek logs in one pass: every record is counted for the frequency tables, a uniform
// reservoir sample of them is kept, and the forest is grown on the sample. Ten gigabytes train in
// the memory of the sample.

import type { EngineName } from '../engine.js';
import { IsolationForest } from '../forest.js';
import { ConnFeatureLearner, FieldPresence, assertConnLog, type ConnFeatureOptions } from '../zeek/features.js';
import type { Source } from '../zeek/input.js';
import { readZeekLog } from '../zeek/reader.js';
import type { ReadStats } from '../zeek/types.js';
import { Progress } from './progress.js';
import { InputError } from '../errors.js';
import { emptyInputs, isEmptyInput } from './stats.js';

export interface FitLogsOptions {
  trees?: number;
  /** Rows per tree (ψ). Default 256. */
  sampleSize?: number;
  seed?: number;
  contamination?: number | 'auto';
  /** Feature names to use (docs/FEATURES.md); default all that the logs carry. */
  features?: readonly string[];
  /** Records kept by the reservoir to fit on. Default 65,536. */
  reservoir?: number;
  engine?: EngineName;
  strict?: boolean;
  maxLineBytes?: number;
  progress?: boolean;
}

export interface FitLogsResult {
  forest: IsolationForest;
  files: ReadStats[];
  records: number;
  rejected: number;
  /** Rows the forest was fitted on (the reservoir sample). */
  sampled: number;
  seconds: number;
  /** Things the user should know about the model, one sentence each (features that learnt nothing). */
  warnings: string[];
}

export async function fitLogs(sources: readonly Source[], options: FitLogsOptions = {}): Promise<FitLogsResult> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const learnerOptions: ConnFeatureOptions = { seed, sampleSize: options.reservoir ?? 65_536 };
  if (options.features !== undefined) learnerOptions.features = options.features;
  const learner = new ConnFeatureLearner(learnerOptions);
  const presence = new FieldPresence(learner.columns);
  const maxLineBytes = options.maxLineBytes ?? 1 << 20;
  const files: ReadStats[] = [];
  const progress = new Progress(null, options.progress ?? false);
  let records = 0;
  try {
    for (const source of sources) {
      const reader = readZeekLog(source, {
        columns: learner.columns, strict: options.strict ?? false, maxLineBytes, wasmParser: (options.engine ?? 'wasm') === 'wasm',
      });
      const file = reader.stats().file;
      for await (const batch of reader.batches) {
        assertConnLog(batch.header, file);
        learner.observe(batch);
        presence.observe(batch);
        records += batch.length;
        if (options.progress) progress.update(reader.stats().bytesRead, records);
      }
      files.push(reader.stats());
    }
  } finally {
    progress.done();
  }
  const rejected = files.reduce((n, f) => n + f.rejected, 0);
  if (records < 2) {
    // An empty input is one "rejected line" to the reader; a person is told it is empty.
    const why = rejected > 0 && files.every((f) => f.rejected === 0 || isEmptyInput(f)) ? emptyInputs(files) : `${rejected} line${rejected === 1 ? '' : 's'} rejected`;
    throw new InputError(`fitting needs at least 2 records, but the input${sources.length > 1 ? 's' : ''} gave ${records} (${why})`);
  }
  const spec = learner.finish();
  const sample = learner.sample();
  const forest = IsolationForest.fitSync({ data: sample.data, nCols: sample.nCols }, {
    trees: options.trees, sampleSize: options.sampleSize, seed, engine: options.engine,
    contamination: options.contamination ?? 'auto', featureSpec: spec,
  });
  const warnings = presence.unsetFeatures(spec).map(({ feature, fields }) =>
    `feature ${feature}: no record has ${fields.join(' or ')} set, so it is the same for every record and isolates nothing`
    + (fields.some((f) => f.startsWith('id.')) ? ' (does this log name its id fields otherwise?)' : ''));
  return { forest, files, records, rejected, sampled: sample.nRows, seconds: (performance.now() - started) / 1000, warnings };
}
