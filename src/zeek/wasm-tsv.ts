// parseTsvFast in WebAssembly (assembly/tsv.ts): the TsvAccelerator the worker's parser uses with
// the WASM engine. The chunk is copied into linear memory once; the kernel fills number columns,
// string field offsets and line bounds for a run of records; this file moves them into the batch
// and makes the strings. A line the kernel does not take goes to parseTsvLine, as in
// parseTsvFast, so the records and rejections are the same (test/zeek-wasm-tsv.test.ts).
//
// The kernel also gives each short string value a dictionary id (assembly/dictionary.ts). This
// file makes each id's text once, and hands the ids on with the batch (RecordBatch.stringIds), so
// featurize codes a categorical value once per id instead of hashing a string per record.
//
// Its own instance of the kernel module (as src/output/wasm-lines.ts): this memory holds the
// dictionary, one chunk and one batch's columns.

import type { Buffer } from 'node:buffer';
import { align, growTo, kernelInstance, kernelModule } from '../kernel.js';
import { MAX_BATCH_RECORDS, type BatchBuilder } from './batch.js';
import type { ChunkContext } from './context.js';
import { TSV_MODES, parseTsvLine, tsvString, type TsvAccelerator, type TsvPlan } from './tsv.js';

interface TsvExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  scanTsv(
    buf: number, pos: number, end: number, nFields: number, act: number, modes: number, sep: number, unset0: number,
    maxLine: number, maxRows: number, colRows: number, nums: number, strs: number, starts: number, ends: number,
    ids: number, dict: number,
  ): number;
  scanStop(): number;
  dictBytes(): number;
  dictReset(dict: number, maxIds: number): void;
  dictCount(): number;
}

/** Most dictionary ids between resets (assembly/dictionary.ts's MAX_IDS). */
export const MAX_STRING_IDS = 16384;

/** Epochs of string ids, unique across every parser of this thread (see StringIds). */
let epochs = 0;


/**
 * After this many lines of a chunk handed back to JavaScript, with fewer than 16 records taken per
 * line handed back, the rest of the chunk goes to parseTsvFast: a log whose every line is unusual
 * (negative numbers, ISO times) would otherwise pay a kernel call for each line.
 */
const HANDBACK_GRACE = 64;

/**
 * Chunks above this size stay in JavaScript: linear memory only grows (a 32-bit WASM memory tops
 * out at 4 GiB), and the pipeline's chunks are 1–4 MiB; only an API caller's huge chunk size gets here.
 */
export const MAX_WASM_CHUNK_BYTES = 256 << 20;

export class WasmTsvParser implements TsvAccelerator {
  private readonly k: TsvExports;
  /** The dictionary's place in linear memory; the chunk is copied above it, at `base`. */
  private readonly dictAt: number;
  private readonly base: number;
  /** The ids' epoch: a new one whenever the dictionary is emptied or the texts of its ids change. */
  private epoch = 0;
  /** Text of each id of this epoch, once made (undefined until then). */
  private texts: (string | null | undefined)[] = [];
  /** What the texts were made under: the plan's unset and empty strings decide them (tsvString). */
  private textsUnset: Buffer | null = null;
  private textsEmpty: Buffer | null = null;
  /** The chunk in linear memory, or null until a run needs it (see begin). */
  private loaded: Buffer | null = null;
  private taken = 0;
  private handedBack = 0;
  private tooBig = false;

  /**
   * @param maxIds most dictionary ids before it is emptied again (≤ MAX_STRING_IDS; small in tests,
   *   to exercise a full dictionary).
   */
  constructor(
    module: WebAssembly.Module = kernelModule(),
    private readonly maxChunkBytes = MAX_WASM_CHUNK_BYTES,
    private readonly maxIds = MAX_STRING_IDS,
  ) {
    let heap: number;
    ({ exports: this.k, base: heap } = kernelInstance<TsvExports>(module));
    this.dictAt = heap;
    this.base = align(heap + this.k.dictBytes());
    this.reserve(this.base);
    this.resetIds();
  }

  /** A new chunk: parseChunk calls this first, so no earlier chunk's bytes are ever read. */
  begin(): void {
    this.loaded = null;
    this.taken = 0;
    this.handedBack = 0;
    this.tooBig = false;
  }

  takes(plan: TsvPlan): boolean {
    if (this.tooBig) return false;
    // What the kernel mirrors: a one-byte unset field (Zeek's "-"), an empty field that cannot be
    // read as a bool ("(empty)"), no lenient number columns. A chunk that hands back most lines
    // is finished by parseTsvFast.
    if (plan.unset.length !== 1 || plan.empty.length === 1) return false;
    if (plan.numMode.includes(TSV_MODES.LENIENT)) return false;
    return this.handedBack < HANDBACK_GRACE || this.taken >= this.handedBack * 16;
  }

  run(ctx: ChunkContext, plan: TsvPlan, act: Int32Array, out: BatchBuilder, pos: number, end: number): number {
    const b = ctx.buf;
    if (b.length > this.maxChunkBytes) {
      this.tooBig = true;
      return pos; // parseTsvRun is called again and, with takes() false, goes on in parseTsvFast
    }
    if (this.loaded !== b) this.load(b);
    const nNum = plan.numField.length;
    const nStr = plan.strField.length;
    const actAt = align(this.base + b.length);
    const modesAt = align(actAt + act.length * 4);
    const numsAt = align(modesAt + nNum);
    const strsAt = numsAt + nNum * MAX_BATCH_RECORDS * 8;
    const startsAt = strsAt + nStr * MAX_BATCH_RECORDS * 8;
    const endsAt = startsAt + MAX_BATCH_RECORDS * 4;
    this.reserve(endsAt + MAX_BATCH_RECORDS * 4);
    const idsAt = endsAt + MAX_BATCH_RECORDS * 4;
    this.reserve(idsAt + nStr * MAX_BATCH_RECORDS * 4);
    new Int32Array(this.k.memory.buffer, actAt, act.length).set(act);
    new Uint8Array(this.k.memory.buffer, modesAt, nNum).set(plan.numMode);

    while (pos < end && !out.full && b[pos] !== 0x23) {
      const withIds = this.idsFor(plan, out);
      const rows = this.k.scanTsv(
        this.base, pos, end, plan.nFields, actAt, modesAt, plan.sep, plan.unset[0], ctx.maxLineBytes,
        MAX_BATCH_RECORDS - out.length, MAX_BATCH_RECORDS, numsAt, strsAt, startsAt, endsAt, idsAt, withIds ? this.dictAt : 0,
      );
      if (rows > 0) this.append(ctx, plan, out, rows, numsAt, strsAt, startsAt, endsAt, withIds ? idsAt : -1);
      pos = this.k.scanStop();
      if (pos < end && !out.full && b[pos] !== 0x23) {
        // A line the kernel left: parseTsvLine takes it, or rejects it, or counts it as blank.
        this.handedBack++;
        pos = parseTsvLine(ctx, plan, out, pos, end, ctx.line++);
        if (!this.takes(plan)) return pos; // parseTsvRun goes on with parseTsvFast
      }
    }
    return pos;
  }

  /**
   * Gets the dictionary and `out` ready for a kernel call, and says whether the call gives ids:
   * not when `out` already holds ids of an earlier epoch (its records then get -1).
   */
  private idsFor(plan: TsvPlan, out: BatchBuilder): boolean {
    if (this.textsUnset === null || !plan.unset.equals(this.textsUnset) || !plan.empty.equals(this.textsEmpty!)) {
      // Another header's unset or empty string: the same bytes may now read as another text.
      this.newEpoch();
      this.textsUnset = plan.unset;
      this.textsEmpty = plan.empty;
    }
    // A full dictionary gives no new ids (-1): it is emptied when a batch starts, so that no batch
    // holds ids of two epochs.
    if (out.length === 0 && this.k.dictCount() >= this.maxIds) this.resetIds();
    const held = out.idsEpoch;
    if (held === this.epoch) return true;
    if (held !== null && out.length > 0) return false;
    out.useIds(this.epoch, this.maxIds);
    return true;
  }

  private resetIds(): void {
    this.k.dictReset(this.dictAt, this.maxIds);
    this.newEpoch();
  }

  private newEpoch(): void {
    this.epoch = ++epochs;
    this.texts = [];
  }

  private append(
    ctx: ChunkContext, plan: TsvPlan, out: BatchBuilder, rows: number, numsAt: number, strsAt: number, startsAt: number, endsAt: number,
    idsAt: number,
  ): void {
    const memory = this.k.memory.buffer;
    const n0 = out.length;
    out.room(rows);
    const { numField, strField } = plan;
    for (let j = 0; j < numField.length; j++) {
      if (numField[j] < 0) out.num[j].fill(NaN, n0, n0 + rows);
      else out.num[j].set(new Float64Array(memory, numsAt + j * MAX_BATCH_RECORDS * 8, rows), n0);
    }
    const b = ctx.buf;
    const texts = this.texts;
    for (let j = 0; j < strField.length; j++) {
      const col = out.str[j];
      const outIds = out.ids === null ? null : out.ids[j];
      if (strField[j] < 0) {
        col.fill(null, n0, n0 + rows);
        outIds?.fill(-1, n0, n0 + rows);
        continue;
      }
      const at = new Uint32Array(memory, strsAt + j * MAX_BATCH_RECORDS * 8, rows * 2);
      if (idsAt < 0 || outIds === null) {
        for (let r = 0; r < rows; r++) col[n0 + r] = tsvString(plan, b, at[2 * r], at[2 * r + 1]);
        outIds?.fill(-1, n0, n0 + rows);
        continue;
      }
      const ids = new Int32Array(memory, idsAt + j * MAX_BATCH_RECORDS * 4, rows);
      outIds.set(ids, n0);
      for (let r = 0; r < rows; r++) {
        const id = ids[r];
        let text = id >= 0 ? texts[id] : undefined;
        if (text === undefined) {
          text = tsvString(plan, b, at[2 * r], at[2 * r + 1]);
          if (id >= 0) texts[id] = text;
        }
        col[n0 + r] = text;
      }
    }
    out.starts.set(new Uint32Array(memory, startsAt, rows), n0);
    out.ends.set(new Uint32Array(memory, endsAt, rows), n0);
    const first = ctx.line;
    for (let r = 0; r < rows; r++) out.lines[n0 + r] = first + r;
    ctx.line = first + rows;
    out.length = n0 + rows;
    this.taken += rows;
  }

  private load(b: Buffer): void {
    this.reserve(this.base + b.length);
    new Uint8Array(this.k.memory.buffer, this.base, b.length).set(b);
    this.loaded = b;
  }

  private reserve(end: number): void {
    growTo(this.k.memory, end);
  }
}
