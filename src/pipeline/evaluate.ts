// Evaluation against labelled logs (IoT-23, Stratosphere): ROC-AUC and PR-AUC of the scores,
// with rows whose label is neither positive nor negative (e.g. Background) left out and counted.
// Single-threaded: labelled captures are small, and the scores must be paired with labels.
// Memory grows with the input: both AUCs rank every evaluated record, so its score is kept, about 9
// bytes a record (8 for the f64, and runs not yet filled: LabelledScores), on top of the bounded
// memory of reading and scoring (measured on a 1 GiB log: 9.1 bytes a record, README).

import { IsolationForest } from '../forest.js';
import { LabelledScores, averagePrecisionOf, rocAucOf } from '../metrics.js';
import { assertConnLog, connFeatureColumns, featurize, validateFeatureSpec } from '../zeek/features.js';
import type { Source } from '../zeek/input.js';
import { readZeekLog } from '../zeek/reader.js';
import type { ReadStats } from '../zeek/types.js';
import { OptionError } from '../errors.js';
import { fitLogs } from './fit-logs.js';

export interface EvaluateOptions {
  /** Field holding the label (default "label"). */
  labelField?: string;
  /** Label values of anomalies, compared case-insensitively (IoT-23 writes both Benign and benign). */
  positive: readonly string[];
  /** Label values of normal records; default every value that is not positive. */
  negative?: readonly string[];
  /** A model fitted elsewhere (the one-class workflow); default: fit on the input itself. */
  model?: Uint8Array;
  trees?: number;
  seed?: number;
  strict?: boolean;
}

export interface EvaluateResult {
  files: ReadStats[];
  records: number;
  rejected: number;
  rocAuc: number;
  prAuc: number;
  positives: number;
  negatives: number;
  /** Records left out, by label (unset labels as "-"). */
  leftOut: Record<string, number>;
  /** True when the model was fitted on the input. */
  fitted: boolean;
  seconds: number;
}

export async function evaluateLogs(sources: readonly Source[], options: EvaluateOptions): Promise<EvaluateResult> {
  const started = performance.now();
  const labelField = options.labelField ?? 'label';
  if (!Array.isArray(options.positive) || options.positive.length === 0) throw new OptionError('options.positive must list at least one label value');
  if (sources.some((s) => s === '-') && options.model === undefined) {
    throw new OptionError("options.model is needed to evaluate standard input ('-'): without one, evaluateLogs fits on the input first and so reads it twice");
  }
  const positive = new Set(options.positive.map((v) => v.toLowerCase()));
  const negative = options.negative ? new Set(options.negative.map((v) => v.toLowerCase())) : null;
  const fitted = options.model === undefined;
  const forest = fitted
    ? (await fitLogs(sources, { trees: options.trees, seed: options.seed, strict: options.strict })).forest
    : IsolationForest.fromBytesSync(options.model!);
  const spec = validateFeatureSpec(forest.featureSpec);
  const columns = [...connFeatureColumns(spec), { name: labelField, kind: 'string' as const }];

  const ranked = new LabelledScores();
  const leftOut: Record<string, number> = {};
  const files: ReadStats[] = [];
  let records = 0;
  for (const source of sources) {
    const reader = readZeekLog(source, { columns, strict: options.strict ?? false });
    const file = reader.stats().file;
    for await (const batch of reader.batches) {
      assertConnLog(batch.header, file);
      records += batch.length;
      const s = forest.scoreDense(featurize(batch, spec), batch.length);
      const values = batch.strings.get(labelField)!;
      for (let i = 0; i < batch.length; i++) {
        const label = values[i];
        const key = label?.toLowerCase() ?? null;
        const isPositive = key !== null && positive.has(key);
        const isNegative = !isPositive && (negative === null ? key !== null : key !== null && negative.has(key));
        if (isPositive || isNegative) {
          ranked.add(s[i], isPositive);
        } else {
          const name = label ?? '-';
          leftOut[name] = (leftOut[name] ?? 0) + 1;
        }
      }
    }
    files.push(reader.stats());
  }
  const positives = ranked.positives.length;
  const negatives = ranked.negatives.length;
  if (ranked.length === 0 && Object.keys(leftOut).length === 1 && leftOut['-'] === records) {
    throw new OptionError(`no record has a value in the field ${labelField}: is it the log's label field? (--label-field)`);
  }
  if (positives === 0 || negatives === 0) {
    const seen = Object.keys(leftOut).slice(0, 8).join(', ');
    throw new OptionError(`field ${labelField} gave ${positives.toLocaleString('en-US')} positive and ${negatives.toLocaleString('en-US')} negative records, so there is nothing to rank` +
      (seen ? `; labels left out: ${seen}` : '') + ': check --label-field, --positive and --negative');
  }
  return {
    files, records, rejected: files.reduce((n, f) => n + f.rejected, 0),
    rocAuc: rocAucOf(ranked), prAuc: averagePrecisionOf(ranked),
    positives, negatives, leftOut, fitted, seconds: (performance.now() - started) / 1000,
  };
}
