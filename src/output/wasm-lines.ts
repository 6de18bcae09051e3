// formatZeekRecords in WebAssembly (assembly/format.ts), for the worker's hot path. In JavaScript,
// copying each ~130-byte line took a subarray view and a set() call, ~140 ns per record; in WASM
// the copy is a few 8-byte moves. Gives the same bytes as formatZeekRecords, which it falls back to
// for what it does not handle (a separator of several bytes, reasons).
//
// Its own instance of the kernel module, apart from the forest's: this memory holds one batch's
// lines and output at a time, and the plan below is all of it.

import { align, growTo, kernelInstance, kernelModule } from '../kernel.js';
import type { RecordBatch } from '../zeek/types.js';
import { formatZeekRecords, zeekRecordsByteLength } from './zeek-writer.js';

interface LineExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  formatScoredLines(src: number, starts: number, ends: number, scores: number, flags: number, n: number, sep: number, unset: number, unsetLen: number, out: number): number;
  formattedEnd(): number;
}

const encoder = new TextEncoder();

export class WasmZeekLines {
  private readonly k: LineExports;
  private readonly base: number;

  constructor(module: WebAssembly.Module = kernelModule()) {
    ({ exports: this.k, base: this.base } = kernelInstance<LineExports>(module));
  }

  /** formatZeekRecords(batch, scores, flags, out, reasons), byte for byte. */
  format(batch: RecordBatch, scores: Float64Array, flags: Uint8Array | null, out?: Uint8Array, reasons: readonly (string | null)[] | null = null): Uint8Array {
    const sep = encoder.encode(batch.header.separator);
    const n = batch.length;
    if (reasons !== null || sep.length !== 1 || n === 0 || scores.length < n || (flags !== null && flags.length < n)) {
      return formatZeekRecords(batch, scores, flags, out, reasons);
    }
    const unset = encoder.encode(batch.header.unsetField);
    const { starts, ends, source } = batch;
    // Only the span of the batch's lines is copied in (a chunk is usually one batch anyway).
    let lo = starts[0];
    let hi = ends[0];
    for (let i = 1; i < n; i++) {
      if (starts[i] < lo) lo = starts[i];
      if (ends[i] > hi) hi = ends[i];
    }
    const need = zeekRecordsByteLength(batch, flags !== null);
    const srcAt = this.base;
    const startsAt = align(srcAt + (hi - lo));
    const endsAt = align(startsAt + n * 4);
    const scoresAt = align(endsAt + n * 4);
    const flagsAt = align(scoresAt + n * 8);
    const unsetAt = align(flagsAt + n);
    const outAt = align(unsetAt + unset.length);
    this.reserve(outAt + need);

    const buffer = this.k.memory.buffer;
    new Uint8Array(buffer, srcAt, hi - lo).set(source.subarray(lo, hi));
    new Uint32Array(buffer, startsAt, n).set(starts.subarray(0, n));
    new Uint32Array(buffer, endsAt, n).set(ends.subarray(0, n));
    new Float64Array(buffer, scoresAt, n).set(scores.subarray(0, n));
    if (flags !== null) new Uint8Array(buffer, flagsAt, n).set(flags.subarray(0, n));
    new Uint8Array(buffer, unsetAt, unset.length).set(unset);

    // The kernel adds each start to `src`: srcAt - lo maps offset lo to srcAt. It may be "negative";
    // as a wasm32 address it wraps, and so does the kernel's sum, back into the copied span.
    const src = (srcAt - lo) | 0;
    let p = outAt;
    let i = 0;
    while (i < n) {
      i += this.k.formatScoredLines(src, startsAt + i * 4, endsAt + i * 4, scoresAt + i * 8, flags === null ? 0 : flagsAt + i, n - i, sep[0], unsetAt, unset.length, p);
      p = this.k.formattedEnd();
      if (i < n) {
        // A score the kernel leaves to us (beyond 2^31: the exponent form): this record in JS.
        p = this.formatOne(batch, i, scores[i], flags === null ? null : flags[i], p);
        i++;
      }
    }
    const length = p - outAt;
    const dst = out !== undefined && out.length >= length ? out.subarray(0, length) : new Uint8Array(length);
    dst.set(new Uint8Array(this.k.memory.buffer, outAt, length));
    return dst;
  }

  /** Record i, written by formatZeekRecords at address `at` of linear memory; returns the new end. */
  private formatOne(batch: RecordBatch, i: number, score: number, flag: number | null, at: number): number {
    const one = formatZeekRecords(
      { ...batch, length: 1, starts: batch.starts.subarray(i, i + 1), ends: batch.ends.subarray(i, i + 1) },
      Float64Array.of(score),
      flag === null ? null : Uint8Array.of(flag),
    );
    new Uint8Array(this.k.memory.buffer, at, one.length).set(one);
    return at + one.length;
  }

  private reserve(end: number): void {
    growTo(this.k.memory, end);
  }
}
