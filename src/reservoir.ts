// Uniform reservoir sampling over a record stream, deterministic from a seed.
//
// The sampler only decides *which* records to keep and in which slot; the caller stores whatever
// it likes per slot (raw column values, featurised rows). Its decisions depend on the record index
// alone, never on how the stream was cut into batches: the same seed and the same records give the
// same sample whatever the chunking, so a fit does not change with the reader's buffer size.

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** splitmix32: spreads a 32-bit seed over the xoshiro state so that nearby seeds give unrelated streams. */
function splitmix32(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return { state: next, value: (z ^ (z >>> 16)) >>> 0 };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * xoshiro128** (Blackman & Vigna, 2018): small, fast, and good enough for sampling. Written with
 * Math.imul so every step is exact 32-bit integer arithmetic and the stream is the same on every
 * platform (Math.random is neither seedable nor reproducible).
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any integer; only its low 32 bits are used. */
  constructor(seed: number) {
    let s = seed >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(s);
      s = r.state;
      words.push(r.value);
    }
    [this.a, this.b, this.c, this.d] = words as [number, number, number, number];
    // The all-zero state is the generator's one fixed point; splitmix32 cannot produce four zero
    // words in a row, but a wrong state must never make the sampler keep the first k rows forever.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator with an exact state, for known-answer tests against the reference C code. */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0);
    [g.a, g.b, g.c, g.d] = state.map((x) => x | 0) as [number, number, number, number];
    return g;
  }

  /** Next 32-bit output as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform double in the open interval (0, 1) with 53 random bits: Algorithm L takes its log. */
  nextOpen01(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / TWO_POW_53;
  }

  /** Uniform integer in [0, n) for 0 < n <= 2^32. */
  nextBelow(n: number): number {
    // Multiply-shift (Lemire) without the rejection step: the bias is below n / 2^32, far under
    // anything a reservoir of a few million rows could show.
    return Math.floor((this.nextU32() / TWO_POW_32) * n);
  }
}

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
    this.rng = new Xoshiro128(seed);
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
