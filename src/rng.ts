// The TypeScript twin of assembly/rng.ts (xoshiro128**, streams seeded per tree). Every operation
// is u32 arithmetic done with Math.imul and >>> 0, so both engines draw the same numbers.
// It is the project's one generator: trees use streams 0..trees−1 of the seed, and every other
// consumer has a stream of its own below, so no two uses of one seed share numbers.

/** Stream of the reservoir that picks training records (src/reservoir.ts). */
export const RESERVOIR_STREAM = 0xfffffff0;
/** Stream of the conn.log generator (src/gen). */
export const GENERATOR_STREAM = 0xfffffff1;

const GOLDEN = 0x9e3779b9;

/** MurmurHash3's fmix32. */
export function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private s0 = 1;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator positioned at the start of stream `stream` of `seed` (one stream per tree). */
  constructor(seed: number, stream: number) {
    const base = (stream * 4 + 1) >>> 0;
    this.s0 = mix32((seed + Math.imul(GOLDEN, base)) >>> 0);
    this.s1 = mix32((seed + Math.imul(GOLDEN, base + 1)) >>> 0);
    this.s2 = mix32((seed + Math.imul(GOLDEN, base + 2)) >>> 0);
    this.s3 = mix32((seed + Math.imul(GOLDEN, base + 3)) >>> 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator in a given state (tests against the reference implementation). */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0, 0);
    [g.s0, g.s1, g.s2, g.s3] = state.map((v) => v >>> 0);
    return g;
  }

  nextU32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits; exact in f64. */
  nextUnit(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in the open interval (0, 1) with 53 random bits, so its log is always finite. */
  nextOpen01(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Uniform integer in [0, k), k ≥ 1. */
  nextBelow(k: number): number {
    return Math.floor(this.nextUnit() * k);
  }
}
