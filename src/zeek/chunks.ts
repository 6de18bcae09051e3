// readChunks: cuts an input into chunks of whole lines for parseChunk, on the main thread while
// workers parse. Per chunk it only finds line ends (native memchr through Buffer#indexOf) and looks
// at the first byte of each line, to count lines and follow the `#` header blocks.
//
// Memory stays bounded whatever the input: at most one chunk, one read buffer and one line of up to
// maxLineBytes are held. A longer line is cut to maxLineBytes + 1 bytes and the rest of it is
// skipped as it streams past, so parseChunk still sees it (and rejects it as too long) on the right
// line number.

import { Buffer } from 'node:buffer';
import { bytesToString } from './escape.js';
import type { BufferPool } from '../buffer-pool.js';
import { filePieces, openPlainFile } from './file-pieces.js';
import { applyDirective, jsonHeader } from './header.js';
import { inputBytes, describeReadError, sourceName, type Source } from './input.js';
import type { LogFormat, ZeekHeader } from './types.js';

export const DEFAULT_CHUNK_BYTES = 4 << 20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export interface Chunk {
  /** Whole lines; owns its ArrayBuffer, so it can be transferred to a worker. */
  bytes: Uint8Array;
  /** 1-based number of the first line in `bytes`. */
  firstLine: number;
  /** The header in force at the chunk's start (pass to parseChunk). */
  header: ZeekHeader | null;
  /** The input's format, from its first non-blank line. */
  format: LogFormat;
  file: string;
  /** Decompressed input bytes consumed up to the end of this chunk. */
  bytesRead: number;
}

export interface ChunkOptions {
  /** Name for messages; default the path, "stdin" or the stream's path. */
  file?: string;
  /** Target chunk size in bytes (chunks end on a line end at or after it). Default 4 MiB. */
  chunkBytes?: number;
  /** Longer lines are cut and rejected by parseChunk. Default 1 MiB. */
  maxLineBytes?: number;
  /**
   * Count lines so each chunk knows its firstLine (default true). The worker pool passes false:
   * counting visits every line on the main thread, while parseChunk counts them anyway in the
   * workers; such chunks have firstLine 0 and the caller numbers lines from the parse results.
   */
  countLines?: boolean;
  /**
   * Where chunk buffers come from. A caller that gives each chunk's buffer back once done with it
   * (the worker pool does) saves the kernel faulting in fresh pages for every chunk, and a plain
   * file is then read straight into pooled buffers. Best sized with chunkBufferBytes. Default:
   * none; chunks are fresh copies.
   */
  pool?: BufferPool;
}

/** A plain file is read this much at a time at least, whatever the chunk size (tests use tiny ones). */
const MIN_READ_BYTES = 1 << 16;

/**
 * Capacity of a chunk buffer: a read, plus an unfinished line carried over of up to maxLineBytes.
 * Smaller buffers work, but lines that outgrow them take the copying path.
 */
export function chunkBufferBytes(chunkBytes: number, maxLineBytes: number): number {
  return Math.max(chunkBytes, MIN_READ_BYTES) + maxLineBytes + 1;
}

function positiveInt(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new TypeError(`options.${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/**
 * The chunks of a Zeek log: a path, '-' (standard input) or a readable stream; gzip or not; TSV
 * or JSON. An unreadable input or corrupt gzip data throws a ZeekReadError, after the lines read
 * before the failure have been delivered.
 */
export function readChunks(source: Source, options: ChunkOptions = {}): AsyncGenerator<Chunk> {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  if (typeof source !== 'string' && (source === null || typeof source !== 'object')) {
    throw new TypeError('source must be a path, "-" or a readable stream');
  }
  const file = options.file ?? sourceName(source);
  const chunkBytes = positiveInt('chunkBytes', options.chunkBytes, DEFAULT_CHUNK_BYTES);
  const maxLineBytes = positiveInt('maxLineBytes', options.maxLineBytes, DEFAULT_MAX_LINE_BYTES);
  return generate(source, file, chunkBytes, maxLineBytes, options.countLines ?? true, options.pool ?? null);
}

async function* generate(source: Source, file: string, chunkBytes: number, maxLineBytes: number, countLines: boolean, pool: BufferPool | null): AsyncGenerator<Chunk> {
  const cutter = new LineCutter(file, chunkBytes, maxLineBytes, countLines, pool === null ? undefined : (n) => pool.take(n));
  let failure: unknown = null;
  try {
    // Pieces read straight into buffers pay off only when the buffers come back: without a pool,
    // a fresh buffer per chunk cost more than the stream path's copy (readChunks alone on a 100 MB
    // file: 470–770 MB/s against 860–1,280, measured side by side).
    const plain = pool !== null && typeof source === 'string' && source !== '-' ? await openPlainFile(source) : null;
    if (plain !== null) {
      for await (const piece of filePieces(plain, file, pool!, Math.max(chunkBytes, MIN_READ_BYTES))) {
        for (const c of cutter.pushOwned(piece)) yield c;
      }
    } else {
      for await (const b of inputBytes(source, file)) {
        for (const c of cutter.push(b)) yield c;
      }
    }
  } catch (err) {
    failure = err;
  }
  for (const c of cutter.end()) yield c;
  if (failure !== null) throw describeReadError(file, failure);
}

/** The synchronous core of readChunks: feed it bytes, get chunks. */
export class LineCutter {
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Length of the unfinished line at the end of parts. */
  private tailLen = 0;
  /** Discarding the rest of an over-long line until its line end. */
  private skipping = false;
  private started = false;
  /** The first bytes, while they could still be the start of a byte order mark. */
  private head: Buffer | null = null;
  private inputLen = 0;
  private emittedTo = 0;
  private line = 1;
  private header: ZeekHeader | null = null;
  private format: LogFormat | null = null;

  constructor(
    readonly file: string,
    readonly chunkBytes: number,
    readonly maxLineBytes: number,
    /** false: chunks get firstLine 0 and the lines are not visited one by one (see ChunkOptions). */
    readonly countLines = true,
    /** Storage for a chunk of n bytes; it must own its ArrayBuffer (never Node's shared slab). */
    private readonly alloc: (n: number) => Uint8Array = (n) => Buffer.allocUnsafeSlow(n),
  ) {}

  /**
   * push() for a piece the caller gives away, whose buffer nobody else uses: when it holds whole
   * lines, is not much over chunkBytes, and nothing is pending, it becomes a chunk as it is, with
   * no copy (see file-pieces.ts).
   */
  pushOwned(piece: Uint8Array): Chunk[] {
    const whole = piece.length > 0 && piece[piece.length - 1] === 0x0a;
    // A first piece too short to tell a byte order mark from data takes push(), which holds it.
    const tiny = !this.started && piece.length < BOM.length;
    if (!whole || tiny || this.head !== null || this.partsLen > 0 || this.skipping || piece.length >= 2 * this.chunkBytes) {
      const out = this.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      // Pending lines that end with this piece go out now, so the next piece can take the fast path.
      if (whole && this.partsLen > 0 && this.tailLen === 0) out.push(this.cutAll());
      return out;
    }
    this.inputLen += piece.length;
    let b = piece;
    if (!this.started) {
      this.started = true;
      if (b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2]) b = b.subarray(BOM.length);
    }
    if (b.length === 0) return [];
    return [this.chunk(b)];
  }

  push(input: Buffer): Chunk[] {
    this.inputLen += input.length;
    let b = input;
    if (!this.started) {
      if (b.length === 0) return [];
      // A byte order mark may come split over the first pieces: hold them until it is told.
      const head = this.head === null ? b : Buffer.concat([this.head, b]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) {
        this.head = head;
        return [];
      }
      this.head = null;
      this.started = true;
      b = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
    }
    if (this.skipping) {
      const nl = b.indexOf(0x0a);
      if (nl < 0) return [];
      this.skipping = false;
      b = b.subarray(nl + 1);
    }
    if (b.length === 0) return [];
    this.parts.push(b);
    this.partsLen += b.length;
    const li = b.lastIndexOf(0x0a);
    this.tailLen = li < 0 ? this.tailLen + b.length : b.length - li - 1;
    const out: Chunk[] = [];
    // A cut needs a line end at or after chunkBytes; testing that first keeps a long line that
    // arrives in many small pieces from being searched again at every piece.
    while (this.partsLen - this.tailLen >= this.chunkBytes) {
      const n = this.cutPoint();
      if (n < 0) break;
      out.push(this.chunk(this.take(n, 0)));
    }
    if (this.tailLen > this.maxLineBytes) out.push(this.cutLongLine());
    return out;
  }

  /** Offset just after the first line end at or beyond chunkBytes, or -1. */
  private cutPoint(): number {
    const from = this.chunkBytes - 1;
    let off = 0;
    for (const p of this.parts) {
      if (off + p.length > from) {
        const q = p.indexOf(0x0a, Math.max(0, from - off));
        if (q >= 0) return off + q + 1;
      }
      off += p.length;
    }
    return -1;
  }

  end(): Chunk[] {
    if (this.head !== null) {
      // The input ended inside what could have been a byte order mark: it was data after all.
      const head = this.head;
      this.head = null;
      this.started = true;
      this.parts.push(head);
      this.partsLen += head.length;
    }
    if (this.partsLen > 0) return [this.cutAll()];
    if (this.line === 1) return [this.chunk(new Uint8Array(0))]; // empty input: parseChunk reports it
    if (this.inputLen > this.emittedTo) return [this.chunk(new Uint8Array(0))]; // skipped bytes
    return [];
  }

  /** Copies the first n bytes of parts into a fresh array and keeps the rest. */
  private take(n: number, extra: number): Uint8Array {
    // Not zero-filled: every byte is written below (cutLongLine writes the extra one), and the
    // zeroing pass was a third of the main thread's copying time. "Slow" means never pooled, so
    // the chunk owns its ArrayBuffer and can be transferred to a worker.
    const out = this.alloc(n + extra).subarray(0, n + extra);
    let w = 0;
    let i = 0;
    while (w < n) {
      const p = this.parts[i];
      const k = Math.min(p.length, n - w);
      out.set(k === p.length ? p : p.subarray(0, k), w);
      w += k;
      if (k < p.length) {
        this.parts[i] = p.subarray(k);
        break;
      }
      i++;
    }
    this.parts.splice(0, i);
    this.partsLen -= n;
    return out;
  }

  private cutAll(): Chunk {
    const bytes = this.take(this.partsLen, 0);
    this.parts = [];
    this.tailLen = 0;
    return this.chunk(bytes);
  }

  private cutLongLine(): Chunk {
    const lineStart = this.partsLen - this.tailLen;
    const keep = lineStart + this.maxLineBytes + 1;
    const bytes = this.take(keep, 1);
    bytes[keep] = 0x0a;
    this.parts = [];
    this.partsLen = 0;
    this.tailLen = 0;
    this.skipping = true;
    return this.chunk(bytes);
  }

  /** Scans the lines of `bytes` (cutting over-long ones) and wraps it as a Chunk. */
  private chunk(bytes: Uint8Array): Chunk {
    if (!this.countLines && this.format !== null) {
      const fast = this.chunkWithoutCounting(bytes);
      if (fast !== null) return fast;
    }
    const header = this.startHeader(bytes);
    const firstLine = this.line;
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.length;
    const max = this.maxLineBytes;
    let p = 0;
    let w = -1; // write position once a line has been cut
    while (p < n) {
      let nl = view.indexOf(0x0a, p);
      if (nl < 0) nl = n;
      const next = nl < n ? nl + 1 : n;
      this.line++;
      if (nl - p > max) {
        if (w < 0) w = p;
        view.copyWithin(w, p, p + max + 1);
        w += max + 1;
        view[w++] = 0x0a;
        p = next;
        continue;
      }
      const first = view[p];
      if (first === 0x23) {
        let e = nl;
        if (e > p && view[e - 1] === 0x0d) e--;
        this.header = applyDirective(this.header, bytesToString(view, p, e));
        this.format ??= 'tsv';
      } else if (this.format === null && nl > p && !(nl === p + 1 && first === 0x0d)) {
        this.format = first === 0x7b ? 'json' : 'tsv';
      }
      if (this.header === null && first === 0x7b) this.header = jsonHeader();
      if (w >= 0) {
        view.copyWithin(w, p, next);
        w += next - p;
      }
      p = next;
    }
    this.emittedTo = this.inputLen - this.partsLen;
    return {
      bytes: w >= 0 ? bytes.subarray(0, w) : bytes,
      firstLine: this.countLines ? firstLine : 0,
      header,
      format: this.format ?? 'tsv',
      file: this.file,
      bytesRead: this.emittedTo,
    };
  }

  /**
   * chunk() for callers that number lines themselves: native searches visit only the directive
   * lines ("\n#"), and a check that jumps maxLineBytes at a time proves no line is too long (or
   * returns null, and chunk() takes the line-by-line path to cut it).
   */
  private chunkWithoutCounting(bytes: Uint8Array): Chunk | null {
    // With no header yet, a '{' line would make one (JSON): the line-by-line path decides that.
    if (this.header === null) return null;
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.length;
    const max = this.maxLineBytes;
    for (let p = 0; n - p > max; ) {
      const nl = view.lastIndexOf(0x0a, p + max);
      if (nl < p) return null; // no line end within max bytes of p: a line to cut
      p = nl + 1;
    }
    const header = this.header;
    let at = directiveAt(view, 0);
    while (at >= 0) {
      let nl = view.indexOf(0x0a, at);
      if (nl < 0) nl = n;
      let e = nl;
      if (e > at && view[e - 1] === 0x0d) e--;
      this.header = applyDirective(this.header, bytesToString(view, at, e));
      at = directiveAt(view, nl);
    }
    this.emittedTo = this.inputLen - this.partsLen;
    return { bytes, firstLine: 0, header, format: this.format ?? 'tsv', file: this.file, bytesRead: this.emittedTo };
  }

  /**
   * The header at the start of `bytes`. A JSON log starts with the synthetic JSON header rather
   * than null when its first line (after blank ones) is an object; parseChunk treats both alike.
   * An over-long first line does not count: parseChunk rejects it unread, so it cannot make the
   * log JSON (found by test/zeek-properties: a long '{' line, then a junk line, read differently
   * whole and in chunks).
   */
  private startHeader(bytes: Uint8Array): ZeekHeader | null {
    if (this.header !== null || this.format !== null) return this.header;
    // Skip blank lines as chunk() and parseChunk see them: "\n", "\r\n", or a last lone "\r".
    // ("\r\r" is a line with content: skipping it made the log JSON in some chunkings only.)
    let p = 0;
    for (;;) {
      if (bytes[p] === 0x0a) p++;
      else if (bytes[p] === 0x0d && (p + 1 === bytes.length || bytes[p + 1] === 0x0a)) p += 2;
      else break;
    }
    if (p >= bytes.length || bytes[p] !== 0x7b) return null;
    let nl = bytes.indexOf(0x0a, p);
    if (nl < 0) nl = bytes.length;
    return nl - p > this.maxLineBytes ? null : jsonHeader();
  }
}

/**
 * Start of the first line at or after `from` that begins with '#', or -1. Looks for the '#' itself,
 * which is rare, and checks that a line end comes before it: searching for "\n#" stopped at every
 * line end (memchr for the first byte), a tenth of the main thread's time.
 */
function directiveAt(view: Buffer, from: number): number {
  for (let q = view.indexOf(0x23, from); q >= 0; q = view.indexOf(0x23, q + 1)) {
    if (q === 0 || view[q - 1] === 0x0a) return q;
  }
  return -1;
}
