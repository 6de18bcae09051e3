// Uniform reservoir sampling over a record stream, deterministic from a seed.
//
// The sampler only decides *which* records to keep and in which slot; the caller stores whatever
// it likes per slot (raw column values, featurised rows). Its decisions depend on the record index
// alone, never on how the stream was cut into batches: the same seed and the same records give the
// same sample whatever the chunking, so a fit does not change with the reader's buffer size.

import { RESERVOIR_STREAM, Xoshiro128 } from './rng.js';

/**
 * Which records of a stream to keep so that every record is equally likely to be in the sample:
 * Li's Algorithm L ("Reservoir-sampling algorithms of time complexity O(n(1 + log(N/n)))", ACM
 * TOMS 1994). Unlike Algorithm R it draws random numbers only for the records it keeps, so after
 * the first few thousand records it jumps over whole batches without touching them.
 */
export class ReservoirSampler {
  readonly capacity: number;
  private readonly rng: Xoshiro128;
  /** Records offered so far. */
  private offered = 0;
  /** Stream index of the next record to keep (may be Infinity once W underflows or capacity is 0). */
  private nextKeep = 0;
  private w = 0;

  /**
   * @param capacity how many records to keep at most (k); 0 keeps none.
   * @param seed the same seed and the same records give the same sample.
   */
  constructor(capacity: number, seed: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`reservoir capacity must be a non-negative integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.rng = new Xoshiro128(seed >>> 0, RESERVOIR_STREAM);
    if (capacity === 0) this.nextKeep = Infinity;
  }

  /** Records offered so far. */
  get seen(): number {
    return this.offered;
  }

  /** Slots filled so far: min(seen, capacity). */
  get size(): number {
    return Math.min(this.offered, this.capacity);
  }

  /**
   * Offers the next `count` records of the stream. For each record to keep, calls
   * `keep(index, slot)` with its index within this run (0 ≤ index < count) and the slot it takes
   * (0 ≤ slot < capacity), overwriting whatever the slot held. Calls come in record order.
   */
  offer(count: number, keep: (index: number, slot: number) => void): void {
    const end = this.offered + count;
    const k = this.capacity;
    while (this.nextKeep < end) {
      const i = this.nextKeep;
      if (i < k) {
        keep(i - this.offered, i);
        if (i < k - 1) {
          this.nextKeep = i + 1;
          continue;
        }
        // Reservoir full: W is the largest of k uniform keys; later records are kept at the gaps
        // of a geometric process whose rate shrinks as W does.
        this.w = Math.exp(Math.log(this.rng.nextOpen01()) / k);
      } else {
        keep(i - this.offered, this.rng.nextBelow(k));
        this.w *= Math.exp(Math.log(this.rng.nextOpen01()) / k);
      }
      // log1p(-w) keeps precision when w is tiny; if w underflows to 0 the gap is Infinity and the
      // sample is final, which only happens after far more than 2^53 records.
      const gap = Math.floor(Math.log(this.rng.nextOpen01()) / Math.log1p(-this.w));
      this.nextKeep = i + gap + 1;
    }
    this.offered = end;
  }
}
