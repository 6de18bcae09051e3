// Bulk scoring: the main thread cuts each input into chunks of whole lines (readChunks), a piscina
// pool parses, featurises and scores them, and the main thread writes the results in input order.
// Memory is bounded by the chunks in flight (2 per thread), not by the input; the output does not
// depend on the number of threads, because chunk boundaries come from the input alone and every
// row's score is independent of its neighbours.

import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineName } from '../engine.js';
import { InputError, OptionError, show } from '../errors.js';
import { OutputFormatError, checkScoreFields, zeekHeaderWithScore } from '../output/zeek-writer.js';
import { BufferPool } from '../buffer-pool.js';
import { chunkBufferBytes, readChunks } from '../zeek/chunks.js';
import { NotConnLogError, assertConnLog } from '../zeek/features.js';
import { ZeekParseError, ZeekReadError } from '../zeek/errors.js';
import type { Source } from '../zeek/input.js';
import type { ReadStats, ZeekHeader } from '../zeek/types.js';
import { sharedBytes } from '../model-file.js';
import { AtomicFile } from './atomic-file.js';
import { MissingFieldsCheck } from './missing-fields.js';
import { Progress } from './progress.js';
import { workerCount } from './thread-count.js';
import { ChunkScorer, scoreOrFailure, type Candidate, type ChunkTask, type OutputFormat, type ScoreSettings, type ScoredChunk, type ChunkFailure } from './score-chunk.js';
import { addChunk, emptyInputs, emptyStats, isEmptyInput } from './stats.js';

export interface ScoreLogsOptions {
  /**
   * The model file's bytes (IsolationForest.toBytes() with a Zeek feature spec). Copied once into
   * shared memory that every worker reads; bytes already in a SharedArrayBuffer (readModelFile's)
   * are used as they are, and must not change during the run.
   */
  model: Uint8Array;
  /** Output: a path (written to a temporary file, then renamed), a stream, or null for none. */
  out?: string | NodeJS.WritableStream | null;
  /**
   * 'zeek' (TSV with Zeek's header directives), 'json' (one object per line), or 'auto' (default):
   * the first input's format, for the whole output (an empty input has none and does not count).
   * Zeek TSV input can be written as JSON; JSON input cannot be written as Zeek TSV and is refused
   * with an OutputFormatError naming it.
   */
  format?: 'auto' | 'zeek' | 'json';
  /**
   * Worker threads; 0 scores on the calling thread. Default: the machine's available parallelism,
   * or 0 for small inputs (files under INLINE_BELOW_BYTES), which workers would only slow down.
   * At most MAX_WORKERS are started, whatever is asked for, and fewer for big forests (see
   * thread-count.ts).
   */
  threads?: number;
  /** Write only the records above the model's threshold. */
  alertsOnly?: boolean;
  /** Stop at the first bad line instead of skipping and counting it. */
  strict?: boolean;
  /** Highest-scoring records to return, with reasons. Default 10. */
  top?: number;
  /** Target chunk size in bytes. Default 1 MiB. */
  chunkBytes?: number;
  /** Longer lines are rejected. Default 1 MiB. */
  maxLineBytes?: number;
  /** Show a progress line on stderr when it is a terminal. Default false. */
  progress?: boolean;
  /** 'wasm' (default) or 'ts', the pure-TypeScript twin: the same scores, for comparison. */
  engine?: EngineName;
  /** Add an anomaly_reason field naming the features that isolated each flagged record. */
  reasons?: boolean;
}

export interface ScoreLogsResult {
  files: ReadStats[];
  records: number;
  rejected: number;
  anomalies: number;
  seconds: number;
  /** Worker threads used (0: the calling thread). */
  threads: number;
  /** The strongest records across all inputs, strongest first. */
  top: Candidate[];
  /**
   * Things the user should know about the scores, one sentence each: an input whose header lacks
   * fields the model reads (at most one per input; see missing-fields.ts).
   */
  warnings: string[];
}

/**
 * No record was scored and some line was rejected: every line of the inputs was rejected (not a
 * Zeek log, a log of another layout) or they are empty. An output file is not written (an earlier
 * one is left as it was); `result` holds the counts and the first rejections to report.
 */
export class NothingScoredError extends InputError {
  override name = 'NothingScoredError';

  constructor(message: string, readonly result: ScoreLogsResult) {
    super(message);
  }
}

/** Why nothing was scored, in words: the inputs are empty, or all their data lines were rejected. */
function nothingScored(files: readonly ReadStats[]): string {
  const rejected = files.filter((f) => !isEmptyInput(f)).reduce((n, f) => n + f.rejected, 0);
  if (rejected === 0) return `nothing to score: ${emptyInputs(files)}`;
  const where = files.length === 1 ? files[0].file : `the ${files.length} inputs`;
  return `no record could be read: ${rejected === 1 ? `the one data line of ${where} was` : `all ${rejected.toLocaleString('en-US')} data lines of ${where} were`} rejected`;
}

const DEFAULT_TOP = 10;
/**
 * Chunk size for scoring. Smaller than the reader's default because every worker holds a chunk,
 * its parsed columns and its output at once: with 4 MiB chunks, 8 threads peaked at 830 MB RSS on
 * a 1 GiB log, with 1 MiB at 440 MB, at the same speed (measured on this 2-core machine).
 */
const DEFAULT_CHUNK_BYTES = 1 << 20;
/**
 * A smaller young generation per worker: each chunk's garbage is short-lived, and V8's default
 * semi-spaces let every worker hold tens of MB of it (8 threads: 643 MB peak RSS instead of 830).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };
/** Most chunks in flight at once, whatever the thread count. */
const MAX_IN_FLIGHT = 8;
/**
 * Most worker threads started: no more chunks than MAX_IN_FLIGHT are ever out, so more workers
 * would sit idle, and each is a V8 isolate of its own (--threads 32 peaked at 698 MB RSS, 16 at
 * 442 MB, 8 at 304 MB on a 1 GiB log, measured on this 2-core machine).
 */
export const MAX_WORKERS = MAX_IN_FLIGHT;

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  // Under vitest this module runs from src/*.ts; workers need the compiled JavaScript (npm test builds it first).
  // The entry is CommonJS on purpose: see worker-entry.cts.
  return here.endsWith('.ts') ? fileURLToPath(new URL('../../dist/pipeline/worker-entry.cjs', import.meta.url)) : fileURLToPath(new URL('./worker-entry.cjs', import.meta.url));
}

function intOption(name: string, value: unknown, min: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new OptionError(`options.${name} must be an integer ≥ ${min} (got ${show(value)})`);
  }
  return value;
}

/**
 * Scores every record of the logs with the model and writes them, with their scores, to `out`.
 * @throws NothingScoredError when no record was scored and some line was rejected (nothing written to a file)
 */
export async function scoreLogs(sources: readonly Source[], options: ScoreLogsOptions): Promise<ScoreLogsResult> {
  const started = performance.now();
  const asked = options.threads === undefined ? undefined : intOption('threads', options.threads, 0, 0);
  const topN = intOption('top', options.top, 0, DEFAULT_TOP);
  const maxLineBytes = intOption('maxLineBytes', options.maxLineBytes, 64, 1 << 20);
  const chunkBytes = intOption('chunkBytes', options.chunkBytes, 1, DEFAULT_CHUNK_BYTES);
  const format = options.format ?? 'auto';
  if (format !== 'auto' && format !== 'zeek' && format !== 'json') throw new OptionError(`options.format must be 'auto', 'zeek' or 'json' (got ${show(format)})`);
  const settings: ScoreSettings = { model: sharedCopy(options.model), alertsOnly: options.alertsOnly ?? false, strict: options.strict ?? false, maxLineBytes, topN, engine: options.engine ?? 'wasm', reasons: options.reasons ?? false };

  // Fails here, on the main thread, with a clear message if the model is unusable.
  const inline = new ChunkScorer(settings);
  const threads = workerCount(asked, sources, inline.forestBytes, MAX_WORKERS);
  // Before the pool, so that an output that cannot be created leaves no threads behind.
  const sink = openSink(options.out ?? null);
  const missing = new MissingFieldsCheck(inline.featureSpec);
  // Started with the first chunk, once its header has passed checkHeader: a run that fails at once
  // (a JSON log with --format zeek, a dns.log, a log scored before) then never starts a worker.
  // Node 20 can abort the whole process when a worker is terminated while it is still starting up
  // (an assertion in its module loader or platform; seen in CI), so workers are not started for
  // nothing and are given a moment to settle before they are stopped (see STOP_SETTLE_MS).
  let pool: Piscina | null = null;
  const startPool = (): Piscina =>
    (pool ??= new Piscina({
      filename: workerFile(), minThreads: threads, maxThreads: threads, workerData: settings, idleTimeout: 1000,
      // atomics 'disabled': with piscina's default ('sync'), a worker blocks in Atomics.wait between
      // tasks, and on this 2-core machine scoring 200 MB took 12.4 s instead of 5.1 s with one thread
      // (measured side by side); tasks here are large, so message-port wake-ups cost nothing.
      atomics: 'disabled', resourceLimits: WORKER_LIMITS,
    }));
  // One output, one format: bro-cut cannot read Zeek TSV followed by JSON lines. 'auto' becomes the
  // format of the first input with any bytes, decided on the main thread in input order; every task
  // carries the decision to its worker. null: not decided yet.
  let outFormat: OutputFormat | null = options.out === undefined || options.out === null ? 'none' : format === 'auto' ? null : format;
  let autoFrom: string | null = null;
  const formatOf = (chunk: { bytes: Uint8Array; format: 'tsv' | 'json'; file: string }): OutputFormat => {
    if (outFormat === null && chunk.bytes.length > 0) {
      outFormat = chunk.format === 'json' ? 'json' : 'zeek';
      autoFrom = chunk.file;
    }
    return outFormat ?? 'none';
  };
  /** The Zeek TSV header block for records under `header`; a JSON log refused, named. */
  const zeekHeader = (header: ZeekHeader, file: string): string => {
    try {
      return zeekHeaderWithScore(header, true, settings.reasons);
    } catch (error) {
      const why = autoFrom === null || header.format === 'tsv' ? '' : ` (--format auto writes one format per output: the first input's, here Zeek TSV from ${autoFrom})`;
      throw inFile(error, file, why);
    }
  };
  // What every worker would refuse for a header, refused here first (the workers check it too,
  // for header blocks that start inside a chunk).
  let checked: ZeekHeader | null = null;
  const checkHeader = (header: ZeekHeader | null, file: string): void => {
    if (header === null || header === checked) return;
    assertConnLog(header, file);
    if (outFormat === 'zeek') zeekHeader(header, file);
    else if (outFormat === 'json') {
      try {
        checkScoreFields(header, true, settings.reasons);
      } catch (error) {
        throw inFile(error, file);
      }
    }
    checked = header;
  };
  const totalBytes = sources.every((s) => typeof s === 'string' && s !== '-') ? sumSizes(sources as string[]) : null;
  const progress = new Progress(totalBytes, options.progress ?? false);

  const files: ReadStats[] = [];
  const top: Candidate[] = [];
  let anomalies = 0;
  let records = 0;
  let bytesDone = 0;
  // null, not '': a JSON log's header has no directives, and must still meet zeekHeaderWithScore,
  // which refuses it (Zeek TSV output needs TSV input) instead of writing JSON lines with tabs.
  let lastHeader: string | null = null;
  const pending: Promise<ScoredChunk | ChunkFailure>[] = [];
  // Two chunks per thread keep every worker busy while the main thread writes; the cap keeps
  // memory bounded however many threads are asked for.
  const maxInFlight = Math.min(MAX_IN_FLIGHT, Math.max(4, 2 * threads));
  // Chunks and output buffers go round: the reader fills a buffer, a worker formats into another,
  // and both come back once the output is written. Each task in flight holds two.
  const buffers = new BufferPool(chunkBufferBytes(chunkBytes, maxLineBytes), 2 * maxInFlight + 2);
  // JSON repeats every field name: a conn.log chunk comes out 3.3 times its size (generated log,
  // 48 MB → 159 MB). A scratch that holds it, kept in the pool, saves the writer a fresh buffer per
  // chunk: with 8 threads those had peaked at 492 MB RSS on a 1 GiB log.
  const jsonScratchBytes = 4 * chunkBytes + (64 << 10);

  const resultSoFar = (): ScoreLogsResult => ({
    files, records, rejected: files.reduce((n, f) => n + f.rejected, 0), anomalies, seconds: (performance.now() - started) / 1000, threads, top,
    warnings: missing.warnings,
  });

  // What a file wrote so far, and the header of its last chunk without records: a file of header
  // lines only gets that header block at its end (see ScoredChunk.recordless).
  const thisFile: { wrote: boolean; recordless: { header: ZeekHeader; close?: string } | null } = { wrote: false, recordless: null };
  const writeResult = async (answer: ScoredChunk | ChunkFailure, stats: ReadStats): Promise<void> => {
    // Workers number each chunk's lines from 1 (counting them here, line by line, cost the main
    // thread a third of its time); in input order, the lines read so far give the offset.
    const offset = stats.linesRead;
    if ('failure' in answer) throw failureError(answer, offset);
    const result = answer;
    for (const r of result.rejections) r.line += offset;
    for (const c of result.candidates) c.line += offset;
    addChunk(stats, result);
    anomalies += result.anomalies;
    records += result.records;
    bytesDone += result.bytes;
    mergeTop(top, result.candidates, topN);
    if (result.segments.length > 0) thisFile.wrote = true;
    else if (result.recordless !== undefined) {
      const { header, close } = result.recordless;
      const before = thisFile.recordless;
      // With tiny chunks a block's #close can come a chunk after its header.
      const sameBlock = before !== null && before.header.directives.join('\n') === header.directives.join('\n');
      thisFile.recordless = { header, close: close ?? (sameBlock ? before.close : undefined) };
    }
    let from = 0;
    for (const segment of result.segments) {
      missing.check(segment.header, stats);
      const zeek = outFormat === 'zeek';
      if (zeek) {
        const key = segment.header.directives.join('\n');
        if (key !== lastHeader) {
          await sink.write(zeekHeader(segment.header, stats.file));
          lastHeader = key;
        }
      }
      if (segment.end > from) await sink.write(result.out.subarray(from, segment.end));
      from = segment.end;
      if (zeek && segment.close !== undefined) {
        // The input's own #close line, as the header's directives are: never the clock, so the
        // same input gives the same bytes.
        await sink.write(`${segment.close}\n`);
        // A block that follows starts with its header again, even an identical one.
        lastHeader = null;
      }
    }
    for (const b of result.returned) buffers.give(b);
    if (sink.releasesWritten) buffers.give(result.out.buffer);
    progress.update(bytesDone, records);
  };

  try {
    for (const source of sources) {
      const stats = emptyStats(typeof source === 'string' ? (source === '-' ? 'stdin' : source) : 'stream');
      files.push(stats);
      let chunks = 0;
      // How far into the input the reader got: chunk bytes leave out the skipped tails of over-long lines.
      let inputRead = 0;
      const input = readChunks(source, { chunkBytes, maxLineBytes, countLines: false, pool: buffers });
      for await (const chunk of drainOnReadError(input, async () => {
        // A read failure (a truncated gzip, an I/O error) ends the input where it happened. The
        // chunks before it are whole: they are written first, as a decompressor writes what it
        // could inflate, so that a stream output loses none of the records that could be read.
        while (pending.length > 0) await writeResult(await pending.shift()!, stats);
      })) {
        stats.file = chunk.file;
        inputRead = chunk.bytesRead;
        // An empty chunk after others only says how far the input went (the skipped tail of an
        // over-long last line): a worker, numbering from line 1, would report it an empty input.
        if (chunk.bytes.length === 0 && chunks > 0) {
          buffers.give(chunk.bytes.buffer as ArrayBuffer);
          continue;
        }
        chunks++;
        const taskFormat = formatOf(chunk);
        checkHeader(chunk.header, chunk.file);
        const scratch = taskFormat === 'none' ? undefined : buffers.take(taskFormat === 'json' ? jsonScratchBytes : undefined);
        const task: ChunkTask = { bytes: chunk.bytes, firstLine: 1, header: chunk.header, file: chunk.file, format: taskFormat, scratch };
        const transferList = [chunk.bytes.buffer as ArrayBuffer];
        if (scratch !== undefined) transferList.push(scratch.buffer as ArrayBuffer);
        const result = threads > 0
          ? (startPool().run(task, { transferList }) as Promise<ScoredChunk | ChunkFailure>)
          : Promise.resolve().then(() => scoreOrFailure(inline, task));
        // Keep rejections of a failed task from surfacing before we await it in order.
        result.catch(() => undefined);
        pending.push(result);
        while (pending.length >= maxInFlight) await writeResult(await pending.shift()!, stats);
      }
      while (pending.length > 0) await writeResult(await pending.shift()!, stats);
      stats.bytesRead = Math.max(stats.bytesRead, inputRead);
      const { recordless } = thisFile;
      if (!thisFile.wrote && recordless !== null && outFormat === 'zeek' && recordless.header.format === 'tsv' && recordless.header.fields.length > 0) {
        assertConnLog(recordless.header, stats.file);
        await sink.write(zeekHeader(recordless.header, stats.file));
        if (recordless.close !== undefined) await sink.write(`${recordless.close}\n`);
        lastHeader = recordless.close === undefined ? recordless.header.directives.join('\n') : null;
      }
      thisFile.wrote = false;
      thisFile.recordless = null;
    }
    // Before the commit: an output of nothing but rejections must not replace an earlier one.
    if (records === 0 && files.some((f) => f.rejected > 0)) {
      throw new NothingScoredError(nothingScored(files), resultSoFar());
    }
    await sink.commit();
  } catch (error) {
    await Promise.allSettled(pending);
    sink.discard();
    await stopPool(pool);
    pool = null;
    throw error;
  } finally {
    progress.done();
    await stopPool(pool);
  }
  return resultSoFar();
}

/**
 * Quiet time before workers are terminated, after the last task or an early failure. Node 20 can
 * abort the whole process when a worker's isolate is torn down while a background job still works
 * for it (an optimizing compile, a WASM tier-up): "Assertion failed: (data.first) != nullptr" in
 * NodePlatform::ForIsolate. Seen in CI on early failures (first session) and once in the test
 * process itself after successful in-process runs (second session); such jobs follow a worker's
 * hot code by milliseconds, so a moment of quiet lets them finish first.
 */
const STOP_SETTLE_MS = 150;

/** Terminates the pool once its workers have been quiet for STOP_SETTLE_MS (see there). */
async function stopPool(pool: Piscina | null): Promise<void> {
  if (pool === null || pool.threads.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, STOP_SETTLE_MS));
  await pool.destroy();
}

/** A writer's OutputFormatError with the input it is about in front (the writers do not know it); other errors as they are. */
function inFile(error: unknown, file: string, why = ''): unknown {
  return error instanceof OutputFormatError ? new OutputFormatError(`${file}: ${error.message}${why}`, { cause: error }) : error;
}

/** The chunks of `chunks`; on a ZeekReadError, runs `before` and then throws it. */
async function* drainOnReadError<T>(chunks: AsyncGenerator<T>, before: () => Promise<void>): AsyncGenerator<T> {
  try {
    yield* chunks;
  } catch (error) {
    if (error instanceof ZeekReadError) await before();
    throw error;
  }
}

/** A chunk's failure as the error it was, with the line numbered in the whole input. */
function failureError(result: ChunkFailure, lineOffset: number): Error {
  if (result.failure === 'output') return new OutputFormatError(result.message);
  if (result.failure === 'not-conn') return new NotConnLogError(result.message);
  return new ZeekParseError({ ...result.rejection, line: result.rejection.line + lineOffset });
}

/** Keeps the strongest `k` across chunks; ties keep input order (earlier chunks came first). */
function mergeTop(top: Candidate[], more: Candidate[], k: number): void {
  for (const c of more) {
    let at = top.length;
    while (at > 0 && top[at - 1].score < c.score) at--;
    if (at >= k) continue;
    top.splice(at, 0, c);
    if (top.length > k) top.pop();
  }
}

/**
 * The model's bytes in a SharedArrayBuffer: every worker gets a view of the same memory instead
 * of a copy each (workerData is cloned per worker, but a shared buffer is shared).
 */
function sharedCopy(model: Uint8Array): Uint8Array {
  if (!(model instanceof Uint8Array)) throw new OptionError(`options.model must be the model file's bytes, a Uint8Array (got ${show(model)})`);
  if (model.buffer instanceof SharedArrayBuffer) return model;
  const shared = sharedBytes(model.length);
  shared.set(model);
  return shared;
}

function sumSizes(paths: string[]): number | null {
  try {
    return paths.reduce((n, p) => n + statSync(p).size, 0);
  } catch {
    return null;
  }
}

interface Sink {
  write(bytes: Uint8Array | string): Promise<void>;
  /** Written bytes are no longer referenced once write() resolves, so their buffer can be reused. */
  releasesWritten: boolean;
  commit(): Promise<void>;
  discard(): void;
}

function openSink(out: string | NodeJS.WritableStream | null): Sink {
  if (out === null) return { write: async () => {}, releasesWritten: true, commit: async () => {}, discard: () => {} };
  if (typeof out === 'string') {
    const file = new AtomicFile(out);
    // The bytes are in the kernel when write() resolves.
    return { write: async (b) => file.writeInBackground(typeof b === 'string' ? Buffer.from(b) : b), releasesWritten: true, commit: async () => file.commit(), discard: () => file.discard() };
  }
  return {
    // A stream may queue the buffer itself until it is flushed.
    releasesWritten: false,
    write: (b) => new Promise<void>((resolve, reject) => {
      // Respect backpressure: wait for 'drain' when the stream's buffer is full.
      const ok = out.write(b, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else out.once('drain', resolve);
    }),
    commit: async () => {},
    discard: () => {},
  };
}

export type { Candidate, ZeekHeader };
