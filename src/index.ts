// The public API, at a glance. Everything else in src/ is internal.

// The engine: Isolation Forest over numeric rows (WASM kernel, or its pure-TypeScript twin).
export { IsolationForest, AUTO_THRESHOLD, type FitOptions, type LoadOptions } from './forest.js';
export { averagePathLength } from './path-length.js';
export { explainRow, type Contribution } from './explain.js';
export { rocAuc, averagePrecision } from './metrics.js';
export type { Rows, Matrix } from './rows.js';
export type { EngineName } from './engine.js';
export { OptionError, InputError, ModelFormatError, KernelMissingError, WriteError } from './errors.js';

// Zeek logs: fit, score and evaluate whole logs (TSV, JSON, gzip, streams).
export { fitLogs, type FitLogsOptions, type FitLogsResult } from './pipeline/fit-logs.js';
export { scoreLogs, NothingScoredError, type ScoreLogsOptions, type ScoreLogsResult } from './pipeline/score-logs.js';
export { evaluateLogs, type EvaluateOptions, type EvaluateResult } from './pipeline/evaluate.js';
export type { Candidate } from './pipeline/score-chunk.js';

// Zeek logs, lower level: the streaming reader and the conn.log feature set.
export { readZeekLog, type ReadOptions, type ZeekLogReader } from './zeek/reader.js';
export { ZeekParseError, ZeekReadError } from './zeek/errors.js';
export {
  ConnFeatureLearner, featurize, connFeatureColumns, validateFeatureSpec, FeatureSpecError, CONN_FEATURES,
  type FeatureSpec, type ConnFeatureOptions, type ConnFeatureName,
} from './zeek/features.js';
export type { ZeekHeader, RecordBatch, ReadStats, Rejection, ColumnRequest } from './zeek/types.js';
