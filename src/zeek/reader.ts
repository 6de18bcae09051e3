// readZeekLog: the single-thread way to read a log — readChunks feeding parseChunk — with the
// statistics an API user or a CLI report needs. The worker pool runs the same two steps on
// several threads and merges results with addChunkResult.

import { readChunks, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINE_BYTES } from './chunks.js';
import type { Source } from './input.js';
import { sourceName } from './input.js';
import { checkParseOptions, parseChunk, type ChunkResult, type ParseOptions } from './parse.js';
import type { ColumnRequest, ReadStats, RecordBatch } from './types.js';
import { WasmTsvParser } from './wasm-tsv.js';

export interface ReadOptions {
  /** The fields wanted as typed columns, by Zeek name ("id.resp_p"). */
  columns: ColumnRequest[];
  /** Name for messages; default the path, "stdin" or the stream's path. */
  file?: string;
  /** Stop with a ZeekParseError at the first bad line. Default false: skip, count, go on. */
  strict?: boolean;
  /** Default 1 MiB. */
  maxLineBytes?: number;
  /** Default 4 MiB. */
  chunkBytes?: number;
  /** Rejections kept with their reason for the report (all are counted). Default 10. */
  maxRejectionsKept?: number;
  /**
   * Parse the common TSV lines in WebAssembly (src/zeek/wasm-tsv.ts): the same records and
   * rejections, faster. Needs the built kernel. Default false.
   */
  wasmParser?: boolean;
}

export interface ZeekLogReader {
  /** The records, one batch per run of records under one header (and at most one chunk). */
  batches: AsyncIterable<RecordBatch>;
  /** Counts so far; final once `batches` is exhausted. */
  stats(): ReadStats;
}

export function emptyStats(file: string): ReadStats {
  return {
    file,
    bytesRead: 0,
    linesRead: 0,
    records: 0,
    headerLines: 0,
    rejected: 0,
    rejectedByReason: {},
    firstRejections: [],
  };
}

/** Adds one chunk's result to `stats` (chunks must be added in input order). */
export function addChunkResult(stats: ReadStats, r: ChunkResult, bytesRead: number, maxKept = 10): void {
  stats.bytesRead = Math.max(stats.bytesRead, bytesRead);
  stats.linesRead += r.linesRead;
  stats.headerLines += r.headerLines;
  stats.rejected += r.rejected;
  for (const b of r.batches) stats.records += b.length;
  for (const [k, v] of Object.entries(r.rejectedByReason)) {
    stats.rejectedByReason[k] = (stats.rejectedByReason[k] ?? 0) + v;
  }
  for (const x of r.rejections) {
    if (stats.firstRejections.length >= maxKept) break;
    stats.firstRejections.push(x);
  }
}

/**
 * Reads a Zeek log (TSV or JSON, plain or gzip; a path, '-' for stdin, or a stream) into
 * RecordBatches of the requested columns. Bad lines are skipped and counted (see stats()), or,
 * with `strict`, the first one throws a ZeekParseError naming file, line and field.
 */
export function readZeekLog(source: Source, options: ReadOptions): ZeekLogReader {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const file = options.file ?? sourceName(source);
  const maxKept = options.maxRejectionsKept ?? 10;
  const parse: ParseOptions = {
    file,
    columns: options.columns,
    strict: options.strict ?? false,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxRejectionsKept: maxKept,
  };
  if (options.wasmParser === true) parse.faster = new WasmTsvParser();
  checkParseOptions(parse);
  const chunks = readChunks(source, {
    file,
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    maxLineBytes: parse.maxLineBytes,
  });
  const stats = emptyStats(file);
  async function* batches(): AsyncGenerator<RecordBatch> {
    for await (const c of chunks) {
      const r = parseChunk(c.bytes, c.firstLine, c.header, parse);
      addChunkResult(stats, r, c.bytesRead, maxKept);
      yield* r.batches;
    }
  }
  return { batches: batches(), stats: () => structuredClone(stats) };
}
