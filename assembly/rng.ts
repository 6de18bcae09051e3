// xoshiro128** (Blackman & Vigna, 2018): a small, fast 32-bit generator whose every step is plain
// u32 arithmetic, so the TypeScript twin (src/rng.ts) reproduces it exactly with Math.imul.
// Each tree has its own stream, seeded from (seed, tree), so trees can be grown in any order.

let s0: u32 = 1;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;

/** MurmurHash3's fmix32: spreads seed bits so nearby seeds give unrelated streams. */
// @ts-ignore: decorator
@inline export function mix32(z: u32): u32 {
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

/** Starts the stream of one tree. */
export function seedStream(seed: u32, stream: u32): void {
  const base = stream * 4 + 1;
  s0 = mix32(seed + 0x9e3779b9 * base);
  s1 = mix32(seed + 0x9e3779b9 * (base + 1));
  s2 = mix32(seed + 0x9e3779b9 * (base + 2));
  s3 = mix32(seed + 0x9e3779b9 * (base + 3));
  // The all-zero state is the one state xoshiro cannot leave.
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}

export function nextU32(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** Uniform in [0, 1) with 32 random bits; exact in f64. */
// @ts-ignore: decorator
@inline export function nextUnit(): f64 {
  return <f64>nextU32() / 4294967296.0;
}

/** Uniform integer in [0, k), k ≥ 1. */
// @ts-ignore: decorator
@inline export function nextBelow(k: u32): u32 {
  return <u32>Math.floor(nextUnit() * <f64>k);
}
