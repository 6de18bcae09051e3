// The TypeScript twin of assembly/rng.ts (xoshiro128**, streams seeded per tree). Every operation
// is u32 arithmetic done with Math.imul and >>> 0, so both engines draw the same numbers.

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

  /** Uniform integer in [0, k), k ≥ 1. */
  nextBelow(k: number): number {
    return Math.floor(this.nextUnit() * k);
  }
}
