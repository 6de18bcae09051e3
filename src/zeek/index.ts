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
