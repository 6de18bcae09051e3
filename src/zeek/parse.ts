// parseChunk: the synchronous, pure parser of a run of complete lines. Runs on the main thread
// (readZeekLog) or inside pool workers; it holds no state between calls beyond caches.

import { Buffer } from 'node:buffer';
import { BatchBuilder, splitColumns, type ColumnArrays } from './batch.js';
import { ChunkContext } from './context.js';
import { bytesToString } from './escape.js';
import { applyDirective, jsonHeader } from './header.js';
import { addJsonRecord, JsonBatchState, readJsonObject } from './json.js';
import { parseTsvRun, tsvPlan, type TsvAccelerator } from './tsv.js';
import type { ColumnRequest, RecordBatch, Rejection, ZeekHeader } from './types.js';

export interface ParseOptions {
  /** Name used in rejections and errors. */
  file: string;
  columns: ColumnRequest[];
  /** Throw a ZeekParseError at the first bad line instead of skipping it. */
  strict: boolean;
  /**
   * Lines longer than this (bytes, line end included) are rejected. Pass the value given to
   * readChunks, which cuts longer lines down to maxLineBytes + 1 bytes so they still arrive here.
   */
  maxLineBytes: number;
  /** How many rejections to keep with their reasons (all are counted). Default 10. */
  maxRejectionsKept?: number;
  /** Recycled storage for the first batch's typed columns (see ColumnArrays); default fresh arrays. */
  arrays?: ColumnArrays;
  /**
   * Another parser of the common TSV lines (src/zeek/wasm-tsv.ts, in WASM), giving the same
   * records; begin() is called once per chunk, before any run. Default: JavaScript only.
   */
  faster?: TsvAccelerator & { begin(): void };
}

export interface ChunkResult {
  /**
   * The records in input order: one batch per run of records under one header, split into
   * batches of at most MAX_BATCH_RECORDS.
   */
  batches: RecordBatch[];
  /** The first maxRejectionsKept rejections, in input order. */
  rejections: Rejection[];
  rejected: number;
  rejectedByReason: Record<string, number>;
  linesRead: number;
  /** Directive and blank lines. */
  headerLines: number;
  /** The header in force at the end of the chunk: pass it with the next chunk. */
  header: ZeekHeader | null;
  /**
   * The `#close` lines of the chunk, each after the records of the first `afterBatches` batches
   * (a close ends a batch), so a writer can end its blocks as the input did.
   */
  closes: { afterBatches: number; line: string }[];
}

const columnCache = new WeakMap<ColumnRequest[], { numNames: string[]; strNames: string[] }>();

function columnsOf(columns: ColumnRequest[]): { numNames: string[]; strNames: string[] } {
  let c = columnCache.get(columns);
  if (c === undefined) {
    c = splitColumns(columns);
    columnCache.set(columns, c);
  }
  return c;
}

/** Throws a TypeError naming the option if `o` is not valid ParseOptions. */
export function checkParseOptions(o: ParseOptions): void {
  if (o === null || typeof o !== 'object') throw new TypeError('options must be an object');
  if (typeof o.file !== 'string') throw new TypeError('options.file must be a string');
  if (!Number.isInteger(o.maxLineBytes) || o.maxLineBytes < 1) {
    throw new TypeError(`options.maxLineBytes must be a positive integer, got ${String(o.maxLineBytes)}`);
  }
  const k = o.maxRejectionsKept;
  if (k !== undefined && (!Number.isInteger(k) || k < 0)) {
    throw new TypeError(`options.maxRejectionsKept must be a non-negative integer, got ${String(k)}`);
  }
  if (typeof o.strict !== 'boolean') throw new TypeError(`options.strict must be a boolean, got ${String(o.strict)}`);
  columnsOf(o.columns);
}

/** Estimated records in a chunk, from the line length of its first 64 KiB. */
function estimateRecords(b: Buffer): number {
  const sample = Math.min(b.length, 65536);
  let lines = 0;
  for (let p = b.indexOf(0x0a, 0); p >= 0 && p < sample; p = b.indexOf(0x0a, p + 1)) lines++;
  if (lines === 0) return 16;
  return Math.ceil((b.length * lines) / sample) + 16;
}

/**
 * Parses `bytes`, which hold complete lines (it starts at a line start; it ends after a line end
 * or at the end of the input). `firstLine` is the 1-based number of its first line; `header` is
 * the header in force where it starts (null before any; a JSON log's is jsonHeader()).
 *
 * Every line becomes exactly one of: a record in a batch, a header line (a `#` directive or a
 * blank line), or a rejection. An empty `bytes` at line 1 means the input was empty, which is
 * reported as a rejection so it cannot pass unnoticed.
 */
export function parseChunk(
  bytes: Uint8Array,
  firstLine: number,
  header: ZeekHeader | null,
  options: ParseOptions,
): ChunkResult {
  checkParseOptions(options);
  const { numNames, strNames } = columnsOf(options.columns);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ctx = new ChunkContext(buf, options.file, options.strict, options.maxLineBytes, options.maxRejectionsKept ?? 10, firstLine);
  const batches: RecordBatch[] = [];
  const closes: ChunkResult['closes'] = [];
  const end = buf.length;

  if (end === 0 && firstLine === 1) {
    ctx.reject(1, null, 'empty input', 'the input is empty: no header and no records');
    return result(ctx, batches, 1, header, closes);
  }

  const faster = options.faster ?? null;
  faster?.begin();
  const capacity = estimateRecords(buf);
  // Recycled columns always have room for a full batch: only the first batch of a chunk takes
  // them, so a chunk that changes header every other line (thousands of tiny batches) cannot make
  // each batch hold megabytes. Most chunks are one batch.
  let arrays = options.arrays ?? null;
  const builder = (h: ZeekHeader): BatchBuilder => {
    const b = new BatchBuilder(h, bytes, numNames, strNames, capacity, arrays);
    arrays = null;
    return b;
  };
  let out: BatchBuilder | null = null;
  let json: JsonBatchState | null = null;
  const flush = (): void => {
    if (out !== null && out.length > 0) batches.push(out.finish(json === null ? out.header : json.header()));
    out = null;
    json = null;
  };

  let pos = 0;
  while (pos < end) {
    const first = buf[pos];
    if (first !== 0x23 && header !== null && header.format === 'tsv' && header.fields.length > 0) {
      if (out !== null && out.full) flush();
      if (out === null) out = builder(header);
      pos = parseTsvRun(ctx, tsvPlan(header, numNames, strNames), out, pos, end, faster);
      continue;
    }

    // Any other line: one at a time.
    let eol = buf.indexOf(0x0a, pos);
    const hasEol = eol >= 0;
    if (!hasEol) eol = end;
    let contentEnd = eol;
    if (contentEnd > pos && buf[contentEnd - 1] === 0x0d) contentEnd--;
    const start = pos;
    const lineNo = ctx.line++;
    pos = hasEol ? eol + 1 : end;

    if (eol - start > ctx.maxLineBytes) {
      ctx.reject(lineNo, null, 'line too long', `line longer than the limit of ${ctx.maxLineBytes} bytes`);
      continue;
    }
    if (contentEnd === start) {
      ctx.headerLines++;
      continue;
    }
    if (first === 0x23) {
      ctx.headerLines++;
      const line = bytesToString(buf, start, contentEnd);
      const next = applyDirective(header, line);
      if (next !== header) {
        flush();
        header = next;
      } else if (/^#close(?![A-Za-z_])/.test(line)) {
        flush();
        closes.push({ afterBatches: batches.length, line });
      }
      continue;
    }
    if (header === null && first === 0x7b) header = jsonHeader();
    if (header !== null && header.format === 'json') {
      const parsed = readJsonObject(ctx, start, contentEnd, lineNo, hasEol);
      if (parsed.kind === 'done') continue;
      // A stream that interleaves logs (Zeek's streaming JSON) is batched per log path.
      if (json !== null && parsed.path !== null && json.path !== null && parsed.path !== json.path) flush();
      if (out !== null && out.full) flush();
      if (out === null || json === null) {
        out = builder(header);
        json = new JsonBatchState();
      }
      if (json.path === null && parsed.path !== null) json.path = parsed.path;
      addJsonRecord(ctx, json, out, parsed.value, lineNo, start, contentEnd);
      continue;
    }
    ctx.reject(
      lineNo,
      null,
      'no header',
      header === null
        ? 'record before any #fields header (not a Zeek TSV or JSON log?)'
        : 'record in a header block that has no #fields line',
    );
  }
  flush();
  return result(ctx, batches, ctx.line - firstLine, header, closes);
}

function result(ctx: ChunkContext, batches: RecordBatch[], linesRead: number, header: ZeekHeader | null, closes: ChunkResult['closes']): ChunkResult {
  return {
    closes,
    batches,
    rejections: ctx.rejections,
    rejected: ctx.rejected,
    rejectedByReason: ctx.rejectedByReason,
    linesRead,
    headerLines: ctx.headerLines,
    header,
  };
}
