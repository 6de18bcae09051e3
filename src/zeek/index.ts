// Public surface of the Zeek log layer. Each module below appends its exports here.

// Reader (issue 3, parts 1–2): streaming TSV/JSON/gzip → RecordBatches, with rejections counted.
export type {
  ColumnKind,
  ColumnRequest,
  LogFormat,
  ReadStats,
  RecordBatch,
  Rejection,
  ZeekHeader,
} from './types.js';
export { ZeekParseError, ZeekReadError, formatRejection } from './errors.js';
export { applyDirective, defaultTsvHeader, jsonHeader } from './header.js';
export { parseChunk, checkParseOptions, type ChunkResult, type ParseOptions } from './parse.js';
export { MAX_BATCH_RECORDS } from './batch.js';
export {
  readChunks,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  type Chunk,
  type ChunkOptions,
} from './chunks.js';
export type { Source } from './input.js';
export {
  readZeekLog,
  addChunkResult,
  emptyStats,
  type ReadOptions,
  type ZeekLogReader,
} from './reader.js';

// conn.log features (issue 3, part 3): a versioned, JSON-serialisable spec learnt in one streaming
// pass (frequency tables over all records + a seeded reservoir sample), and featurize for scoring.
export {
  ConnFeatureLearner,
  connFeatureColumns,
  featurize,
  validateFeatureSpec,
  portKey,
  FeatureSpecError,
  FEATURE_SPEC_VERSION,
  CONN_FEATURES,
  LABEL_COLUMNS,
  UNSET_VALUE,
  UNKNOWN_BOOL_VALUE,
  type ConnFeatureName,
  type ConnFeatureOptions,
  type FeatureColumns,
  type FeatureSpec,
  type TrainingSample,
} from './features.js';
export { frequencyCode, unseenCode, type CategoryKey, type FrequencyTable } from './frequency.js';
