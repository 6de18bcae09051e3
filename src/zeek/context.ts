// The per-chunk bookkeeping shared by the TSV and JSON line parsers: counts, the first few
// rejections, and strict mode. Every line ends in exactly one of: a record (committed to a batch),
// a header line (directive or blank), or reject().

import type { Buffer } from 'node:buffer';
import { ZeekParseError } from './errors.js';
import type { Rejection } from './types.js';

export class ChunkContext {
  headerLines = 0;
  rejected = 0;
  readonly rejectedByReason: Record<string, number> = {};
  readonly rejections: Rejection[] = [];
  /** Number of the next line to parse. */
  line: number;

  constructor(
    readonly buf: Buffer,
    readonly file: string,
    readonly strict: boolean,
    readonly maxLineBytes: number,
    readonly maxRejectionsKept: number,
    firstLine: number,
  ) {
    this.line = firstLine;
  }

  /**
   * Records that input line `line` is not used. `kind` is the counting class ("field count",
   * "bad number" …); `reason` says what is wrong for a person. Throws in strict mode.
   */
  reject(line: number, field: string | null, kind: string, reason: string): void {
    const r: Rejection = { file: this.file, line, field, reason };
    if (this.strict) throw new ZeekParseError(r);
    this.rejected++;
    this.rejectedByReason[kind] = (this.rejectedByReason[kind] ?? 0) + 1;
    if (this.rejections.length < this.maxRejectionsKept) this.rejections.push(r);
  }

  /** Reason text for a line with no line end: the writer may have stopped mid-line. */
  static truncatedHint(hasLineEnd: boolean): string {
    return hasLineEnd ? '' : ' (last line has no line end: cut off mid-write?)';
  }
}

/** A value quoted for a message: printable, and short enough to read. */
export function quote(buf: Buffer, s: number, e: number): string {
  const cut = e - s > 40;
  const text = buf.toString('latin1', s, cut ? s + 40 : e);
  return JSON.stringify(text) + (cut ? '…' : '');
}
