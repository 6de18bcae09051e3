// Growable column storage for one RecordBatch. Parsers write record n into every column and
// only then call commit(): a line rejected half-way leaves nothing behind, because the next record
// overwrites the same slot.

import type { ColumnRequest, RecordBatch, StringIds, ZeekHeader } from './types.js';

/**
 * Most records in one batch. A longer run under one header is split into several batches: V8
 * puts arrays over 128 KiB in its large-object space, where every store into a string column costs
 * ~10× more (measured: 3 ns vs 38 ns per element), and 8192 pointers is 64 KiB.
 */
export const MAX_BATCH_RECORDS = 8192;

/**
 * Typed column arrays of MAX_BATCH_RECORDS slots, recycled between the batches of one thread.
 * Fresh typed arrays are zeroed by the allocator and, as the heap is trimmed and grown again
 * between chunks, faulted in page by page by the kernel: the worker pool spent most of its page
 * faults there. A caller done with a batch's numbers hands them back with recycle().
 */
export class ColumnArrays {
  private readonly f64: ArrayBuffer[] = [];
  private readonly u32: ArrayBuffer[] = [];
  /** Buffers handed out and not yet given back: only these are taken back, once each. */
  private readonly lent = new Set<ArrayBufferLike>();

  float64(): Float64Array {
    return new Float64Array(this.lend(this.f64.pop() ?? new ArrayBuffer(MAX_BATCH_RECORDS * 8)));
  }

  uint32(): Uint32Array {
    return new Uint32Array(this.lend(this.u32.pop() ?? new ArrayBuffer(MAX_BATCH_RECORDS * 4)));
  }

  int32(): Int32Array {
    return new Int32Array(this.lend(this.u32.pop() ?? new ArrayBuffer(MAX_BATCH_RECORDS * 4)));
  }

  /**
   * Takes back the typed arrays of batches parsed with this store. The batches must not be used
   * afterwards: their numbers, lines, starts and ends will be overwritten by later parses.
   */
  recycle(batches: readonly RecordBatch[]): void {
    for (const b of batches) {
      this.keep(this.f64, b.lines.buffer);
      this.keep(this.u32, b.starts.buffer);
      this.keep(this.u32, b.ends.buffer);
      for (const a of b.numbers.values()) this.keep(this.f64, a.buffer);
      if (b.stringIds !== undefined) for (const a of b.stringIds.columns.values()) this.keep(this.u32, a.buffer);
    }
  }

  /** Arrays held for reuse (for tests). */
  get idle(): number {
    return this.f64.length + this.u32.length;
  }

  private lend(buffer: ArrayBuffer): ArrayBuffer {
    this.lent.add(buffer);
    return buffer;
  }

  // Arrays this store did not lend (a batch's later batches grow their own) are left alone: taking
  // them made the store grow by a batch's worth on every chunk that held two batches.
  private keep(list: ArrayBuffer[], buffer: ArrayBufferLike): void {
    if (this.lent.delete(buffer)) list.push(buffer as ArrayBuffer);
  }
}

export class BatchBuilder {
  length = 0;
  private capacity: number;
  lines: Float64Array;
  starts: Uint32Array;
  ends: Uint32Array;
  /** One array per requested 'number' column, in request order. */
  num: Float64Array[];
  /** One array per requested 'string' column, in request order. */
  str: (string | null)[][];
  /** Dictionary ids of the string columns' values (see StringIds), once a parser turns them on with useIds. */
  ids: Int32Array[] | null = null;
  private idEpoch = 0;
  private idLimit = 0;

  constructor(
    readonly header: ZeekHeader,
    readonly source: Uint8Array,
    readonly numNames: readonly string[],
    readonly strNames: readonly string[],
    capacity: number,
    /** Where typed columns come from; finish() then gives views on them instead of copies. */
    private readonly arrays: ColumnArrays | null = null,
  ) {
    if (arrays !== null) {
      this.capacity = MAX_BATCH_RECORDS;
      this.lines = arrays.float64();
      this.starts = arrays.uint32();
      this.ends = arrays.uint32();
      this.num = numNames.map(() => arrays.float64());
    } else {
      this.capacity = Math.min(MAX_BATCH_RECORDS, Math.max(16, capacity | 0));
      this.lines = new Float64Array(this.capacity);
      this.starts = new Uint32Array(this.capacity);
      this.ends = new Uint32Array(this.capacity);
      this.num = numNames.map(() => new Float64Array(this.capacity));
    }
    this.str = strNames.map(() => new Array<string | null>(this.capacity));
  }

  /** No room for another record: the caller starts a new batch. */
  get full(): boolean {
    return this.length >= MAX_BATCH_RECORDS;
  }

  /** Makes sure slot `length` exists (callers check `full` first). */
  reserve(): void {
    if (this.length >= this.capacity) this.grow();
  }

  /** Makes sure slots length … length + k - 1 exist (k ≤ MAX_BATCH_RECORDS - length). */
  room(k: number): void {
    if (this.length + k > MAX_BATCH_RECORDS) {
      throw new RangeError(`BatchBuilder.room: ${k} more records do not fit in a batch of ${this.length}`);
    }
    while (this.length + k > this.capacity) this.grow();
  }

  private grow(): void {
    const cap = Math.min(MAX_BATCH_RECORDS, this.capacity * 2);
    this.lines = grow(this.lines, new Float64Array(cap));
    this.starts = grow(this.starts, new Uint32Array(cap));
    this.ends = grow(this.ends, new Uint32Array(cap));
    this.num = this.num.map((a) => grow(a, new Float64Array(cap)));
    if (this.ids !== null) this.ids = this.ids.map((a) => grow(a, new Int32Array(cap)));
    for (const a of this.str) a.length = cap;
    this.capacity = cap;
  }

  /**
   * Gives this batch's string columns ids of epoch `epoch` (all below `limit`): the parser that
   * turns them on writes them; every record committed here (by a JavaScript parser) gets -1, and
   * so do the records already in the batch.
   */
  useIds(epoch: number, limit: number): void {
    if (this.ids === null) {
      const arrays = this.arrays;
      this.ids = this.strNames.map(() => (arrays !== null ? arrays.int32() : new Int32Array(this.capacity)));
      for (const a of this.ids) a.fill(-1, 0, this.length);
    }
    this.idEpoch = epoch;
    this.idLimit = limit;
  }

  /** The epoch of this batch's ids, or null when it has none. */
  get idsEpoch(): number | null {
    return this.ids === null ? null : this.idEpoch;
  }

  commit(line: number, start: number, end: number): void {
    const n = this.length;
    if (this.ids !== null) for (const a of this.ids) a[n] = -1;
    this.lines[n] = line;
    this.starts[n] = start;
    this.ends[n] = end;
    this.length = n + 1;
  }

  finish(header: ZeekHeader = this.header): RecordBatch {
    const n = this.length;
    const fit = <T extends Float64Array | Uint32Array | Int32Array>(a: T): T =>
      (a.length === n ? a : this.arrays !== null ? a.subarray(0, n) : a.slice(0, n)) as T;
    const numbers = new Map<string, Float64Array>();
    this.numNames.forEach((name, j) => numbers.set(name, fit(this.num[j])));
    const strings = new Map<string, (string | null)[]>();
    this.strNames.forEach((name, j) => {
      const a = this.str[j];
      a.length = n;
      strings.set(name, a);
    });
    let stringIds: StringIds | undefined;
    if (this.ids !== null) {
      const ids = this.ids;
      stringIds = { epoch: this.idEpoch, limit: this.idLimit, columns: new Map(this.strNames.map((name, j) => [name, fit(ids[j])])) };
    }
    return {
      header,
      length: n,
      lines: fit(this.lines),
      source: this.source,
      starts: fit(this.starts),
      ends: fit(this.ends),
      numbers,
      strings,
      ...(stringIds === undefined ? {} : { stringIds }),
    };
  }
}

function grow<T extends Float64Array | Uint32Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The requested columns split by kind, names in request order; rejects duplicates and typos. */
export function splitColumns(columns: readonly ColumnRequest[]): { numNames: string[]; strNames: string[] } {
  if (!Array.isArray(columns)) {
    throw new TypeError('options.columns must be an array of { name, kind }');
  }
  const numNames: string[] = [];
  const strNames: string[] = [];
  for (const [i, c] of columns.entries()) {
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string' || c.name === '') {
      throw new TypeError(`options.columns[${i}].name must be a non-empty string`);
    }
    const list = c.kind === 'number' ? numNames : c.kind === 'string' ? strNames : null;
    if (list === null) {
      throw new TypeError(
        `options.columns[${i}].kind must be 'number' or 'string', got ${JSON.stringify(c.kind)}`,
      );
    }
    if (list.includes(c.name)) {
      throw new TypeError(`options.columns requests ${c.name} as a ${c.kind} twice`);
    }
    list.push(c.name);
  }
  return { numNames, strNames };
}
