// The work of one chunk of a log: parse, featurise with the model's spec, score, explain the
// strongest candidates, and format the output. Runs inside a piscina worker (worker.ts) or inline
// (threads: 0); both give the same bytes, because nothing here depends on where it runs.

import type { EngineName } from '../engine.js';
import { explainRow } from '../explain.js';
import { IsolationForest } from '../forest.js';
import { formatJsonRecordsBytes } from '../output/json-writer.js';
import { WasmZeekLines } from '../output/wasm-lines.js';
import { OutputFormatError, formatZeekRecords } from '../output/zeek-writer.js';
import { ZeekParseError } from '../zeek/errors.js';
import { NotConnLogError, assertConnLog, connFeatureColumns, featurize, isUnsetFeatureValue, validateFeatureSpec, type FeatureSpec } from '../zeek/features.js';
import { ColumnArrays, MAX_BATCH_RECORDS } from '../zeek/batch.js';
import { parseChunk } from '../zeek/parse.js';
import { WasmTsvParser } from '../zeek/wasm-tsv.js';
import type { ColumnRequest, RecordBatch, Rejection, ZeekHeader } from '../zeek/types.js';
import type { ChunkCounts } from './stats.js';

/** What a chunk's records are written as; scoreLogs decides it for the whole output. */
export type OutputFormat = 'zeek' | 'json' | 'none';

/** Settings fixed for a whole run, sent to each worker once. */
export interface ScoreSettings {
  model: Uint8Array;
  alertsOnly: boolean;
  strict: boolean;
  maxLineBytes: number;
  /** Candidates kept per chunk for the top-anomalies table (0: none). */
  topN: number;
  /** Scoring engine; both give identical scores. */
  engine: EngineName;
  /** Write an anomaly_reason field: the features that isolated each flagged record. */
  reasons: boolean;
}

export interface ChunkTask {
  bytes: Uint8Array;
  /** Line number of the chunk's first line; the pool passes 1 and renumbers in input order. */
  firstLine: number;
  header: ZeekHeader | null;
  file: string;
  /** The output's format: one for the whole output, whatever the chunk's own. */
  format: OutputFormat;
  /** A buffer to format the output into, if big enough (see BufferPool); handed back in `returned`. */
  scratch?: Uint8Array;
}

/** One of the highest-scoring records of a chunk, with what a person needs to read it. */
export interface Candidate {
  score: number;
  file: string;
  line: number;
  /** Raw record text, as in the log. */
  text: string;
  header: ZeekHeader;
  /** "orig_bytes high, service rare". */
  reason: string;
}

export interface Segment {
  header: ZeekHeader;
  end: number;
  close?: string;
}

export interface ScoredChunk extends ChunkCounts {
  /** Formatted output of all segments, back to back. */
  out: Uint8Array;
  /**
   * Each segment: the header its records are under, where its bytes end in `out`, and the input's
   * `#close` line when one followed those records.
   */
  segments: Segment[];
  anomalies: number;
  /** Strongest first, at most settings.topN. */
  candidates: Candidate[];
  /** Buffers the task brought that can be reused: the chunk's own, and the scratch unless `out` is on it. */
  returned: ArrayBuffer[];
  /**
   * Of a chunk with no record: the header in force at its end, and a #close line it held. A log
   * of header lines only is written as its header block (scoreLogs), a valid empty Zeek log.
   */
  recordless?: { header: ZeekHeader; close?: string };
}

/**
 * A worker's answer when a chunk fails for a reason that is the user's to fix: a bad line in strict
 * mode, or an input the output format cannot carry (see worker.ts).
 */
export type ChunkFailure =
  | { failure: 'parse'; rejection: Rejection }
  | { failure: 'output'; message: string }
  | { failure: 'not-conn'; message: string };

/**
 * Scores a chunk, turning the user's mistakes into a ChunkFailure: an error crossing the thread
 * boundary keeps its message but not its class, and the CLI needs the class to tell the user's
 * mistakes (a bad line in strict mode, a log scored twice) from bugs. The main thread throws them
 * again, in input order, once it knows the chunk's first line number.
 */
export function scoreOrFailure(scorer: ChunkScorer, task: ChunkTask): ScoredChunk | ChunkFailure {
  try {
    return scorer.score(task);
  } catch (error) {
    if (error instanceof ZeekParseError) return { failure: 'parse', rejection: { file: error.file, line: error.line, field: error.field, reason: error.reason } };
    // The writers do not know the file: a JSON log whose records take on a score field midway (its
    // header is made from the records) is refused here, and the user needs to know which input.
    if (error instanceof OutputFormatError) return { failure: 'output', message: `${task.file}: ${error.message}` };
    if (error instanceof NotConnLogError) return { failure: 'not-conn', message: error.message };
    throw error;
  }
}

export class ChunkScorer {
  private readonly forest: IsolationForest;
  private readonly spec: FeatureSpec;
  private readonly columns: ColumnRequest[];
  private readonly threshold: number;
  private features = new Float32Array(0);
  // Storage reused from chunk to chunk: fresh arrays cost page faults (see ColumnArrays).
  private readonly arrays = new ColumnArrays();
  private readonly scores = new Float64Array(MAX_BATCH_RECORDS);
  /** The TSV parser and writer in WASM, with the WASM engine; the TS engine keeps to JavaScript throughout. */
  private readonly lines: WasmZeekLines | null;
  private readonly tsv: WasmTsvParser | null;

  constructor(private readonly settings: ScoreSettings) {
    // A view, not a copy: the pool gives every worker the same shared bytes (see scoreLogs).
    this.forest = IsolationForest.fromBytesSync(settings.model, { engine: settings.engine, copy: false });
    this.spec = validateFeatureSpec(this.forest.featureSpec);
    this.columns = connFeatureColumns(this.spec);
    this.threshold = this.forest.threshold;
    this.lines = settings.engine === 'wasm' ? new WasmZeekLines() : null;
    this.tsv = settings.engine === 'wasm' ? new WasmTsvParser() : null;
  }

  /** The model's feature spec, validated. */
  get featureSpec(): FeatureSpec {
    return this.spec;
  }

  /** Bytes of the model's forest: what every scorer with the WASM engine holds a copy of. */
  get forestBytes(): number {
    return this.forest.forestBytes.length;
  }

  score(task: ChunkTask): ScoredChunk {
    const { settings } = this;
    const parsed = parseChunk(task.bytes, task.firstLine, task.header, {
      file: task.file, columns: this.columns, strict: settings.strict, maxLineBytes: settings.maxLineBytes, arrays: this.arrays,
      faster: this.tsv ?? undefined,
    });
    const pieces: Uint8Array[] = [];
    const segments: Segment[] = [];
    // A #close before the chunk's first record ends the block the previous chunk was writing.
    const closeFirst = closeAfter(parsed.closes, 0);
    if (closeFirst !== undefined && task.header !== null) segments.push({ header: task.header, end: 0, close: closeFirst });
    let batchesDone = 0;
    let outBytes = 0;
    let anomalies = 0;
    let records = 0;
    const top = new TopKeeper(settings.topN);
    for (const batch of parsed.batches) {
      assertConnLog(batch.header, task.file);
      records += batch.length;
      const width = this.spec.features.length;
      if (this.features.length < batch.length * width) this.features = new Float32Array(batch.length * width * 2);
      const x = featurize(batch, this.spec, this.features);
      const scores = this.forest.scoreDense(x, batch.length, this.scores);
      const flags = new Uint8Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        if (scores[i] > this.threshold) {
          flags[i] = 1;
          anomalies++;
        }
        top.offer(scores[i], batch, i, x);
      }
      const format = task.format;
      if (format !== 'none') {
        const selected = settings.alertsOnly ? selectRows(batch, scores, flags) : { batch, scores, flags };
        const reasons = settings.reasons ? this.reasons(batch, x, flags, settings.alertsOnly) : null;
        // The scratch buffer serves the first batch; a chunk rarely holds more than one.
        const into = pieces.length === 0 ? task.scratch : undefined;
        const bytes = format === 'zeek'
          ? this.lines !== null
            ? this.lines.format(selected.batch, selected.scores, selected.flags, into, reasons)
            : formatZeekRecords(selected.batch, selected.scores, selected.flags, into, reasons)
          : formatJsonRecordsBytes(selected.batch, selected.scores, selected.flags, batch.header, into, reasons);
        pieces.push(bytes);
        outBytes += bytes.length;
      }
      segments.push({ header: batch.header, end: outBytes, close: closeAfter(parsed.closes, ++batchesDone) });
    }
    // Nothing made above refers to the batches' typed columns any more (candidates copied their rows).
    this.arrays.recycle(parsed.batches);
    // Most chunks hold one batch: its bytes are the output as they are, with no second copy.
    const out = pieces.length === 1 ? pieces[0] : new Uint8Array(outBytes);
    if (pieces.length !== 1) {
      let at = 0;
      for (const p of pieces) {
        out.set(p, at);
        at += p.length;
      }
    }
    // The writers give views on the scratch buffer or on buffers of their own (never Node's
    // shared slab), so transferring out.buffer detaches nothing else; the view keeps its offset.
    const returned = [task.bytes.buffer as ArrayBuffer];
    if (task.scratch !== undefined && task.scratch.buffer !== out.buffer) returned.push(task.scratch.buffer as ArrayBuffer);
    return {
      bytes: task.bytes.length, linesRead: parsed.linesRead, records, headerLines: parsed.headerLines,
      rejected: parsed.rejected, rejectedByReason: parsed.rejectedByReason, rejections: parsed.rejections,
      out, segments, anomalies, candidates: top.finish(task.file, (row) => this.reason(row)), returned,
      ...(parsed.batches.length === 0 && parsed.header !== null ? { recordless: { header: parsed.header, close: closeFirst } } : {}),
    };
  }

  /** The reason of each written record: flagged ones get one, the others null (unset). */
  private reasons(batch: RecordBatch, x: Float32Array, flags: Uint8Array, onlyFlagged: boolean): (string | null)[] {
    const width = this.spec.features.length;
    const out: (string | null)[] = [];
    for (let i = 0; i < batch.length; i++) {
      if (flags[i]) out.push(this.reason(x.subarray(i * width, (i + 1) * width)));
      else if (!onlyFlagged) out.push(null);
    }
    return out;
  }

  /** The features that isolated a row, in words. */
  private reason(row: Float32Array): string {
    const f = this.forest;
    // A categorical value on the common side of a split is no reason a person can use: name rare
    // values, and high or low numbers. An unset count is below every real one, so it is always
    // "low"; say what it is instead (docs/FEATURES.md: unset is −1).
    return explainRow(f.forestBytes, f.trees, f.height, row, 6)
      .flatMap(({ feature, direction }) => {
        const name = this.spec.features[feature];
        if (isUnsetFeatureValue(name, row[feature])) return [`${name} unset`];
        if (!(name in this.spec.tables)) return [`${name} ${direction}`];
        return direction === 'low' ? [`${name} rare`] : [];
      })
      .slice(0, 2)
      .join(', ');
  }
}

/** The #close line that follows the first n batches of a chunk, if any. */
function closeAfter(closes: readonly { afterBatches: number; line: string }[], n: number): string | undefined {
  return closes.find((c) => c.afterBatches === n)?.line;
}

/** A batch holding only the flagged rows (for --alerts-only). */
function selectRows(batch: RecordBatch, scores: Float64Array, flags: Uint8Array): { batch: RecordBatch; scores: Float64Array; flags: Uint8Array } {
  const keep: number[] = [];
  for (let i = 0; i < batch.length; i++) if (flags[i]) keep.push(i);
  const pick = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const b = make(keep.length);
    keep.forEach((i, k) => (b[k] = a[i]));
    return b;
  };
  const numbers = new Map<string, Float64Array>();
  for (const [k, v] of batch.numbers) numbers.set(k, pick(v, (n) => new Float64Array(n)));
  const strings = new Map<string, (string | null)[]>();
  for (const [k, v] of batch.strings) strings.set(k, keep.map((i) => v[i]));
  return {
    batch: {
      header: batch.header, length: keep.length, source: batch.source, numbers, strings,
      lines: pick(batch.lines, (n) => new Float64Array(n)),
      starts: pick(batch.starts, (n) => new Uint32Array(n)),
      ends: pick(batch.ends, (n) => new Uint32Array(n)),
    },
    scores: pick(scores, (n) => new Float64Array(n)),
    flags: pick(flags, (n) => new Uint8Array(n)),
  };
}

interface Held {
  score: number;
  line: number;
  text: string;
  header: ZeekHeader;
  row: Float32Array;
}

/**
 * The k highest scores of a chunk. Ties go to the earlier line, so the table does not depend on
 * how the input was cut into chunks. A sorted array: k is small (tens) and most offers are
 * rejected by one comparison with the weakest held.
 */
class TopKeeper {
  private readonly held: Held[] = [];

  constructor(private readonly k: number) {}

  offer(score: number, batch: RecordBatch, i: number, x: Float32Array): void {
    const { held, k } = this;
    if (k === 0) return;
    if (held.length === k && !(score > held[k - 1].score)) return;
    const width = x.length / batch.length;
    const entry: Held = {
      score, line: batch.lines[i], header: batch.header,
      text: new TextDecoder().decode(batch.source.subarray(batch.starts[i], batch.ends[i])),
      row: x.slice(i * width, (i + 1) * width),
    };
    let at = held.length;
    while (at > 0 && held[at - 1].score < score) at--;
    held.splice(at, 0, entry);
    if (held.length > k) held.pop();
  }

  finish(file: string, reason: (row: Float32Array) => string): Candidate[] {
    return this.held.map((h) => ({ score: h.score, file, line: h.line, text: h.text, header: h.header, reason: reason(h.row) }));
  }
}
