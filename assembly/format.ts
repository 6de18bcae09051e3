// Scored Zeek TSV lines: each record's raw bytes, then separator + score (+ separator + T/F) + "\n".
// The JS writer (src/output/zeek-writer.ts, formatZeekRecords) does the same; there, copying a
// 130-byte line costs a typed-array view and a set() call per record, which made formatting a
// fifth of a worker's time. Here a line is a few 8-byte loads and stores. The host lays out every
// region (src/output/wasm-lines.ts); nothing here allocates. Both writers must give the same bytes
// (test/output-wasm-lines.test.ts).

/** Where the last call stopped writing: the end of its output. */
let written: usize = 0;

/** The end of the output of the last formatScoredLines call. */
export function formattedEnd(): usize {
  return written;
}

/**
 * Formats records 0…n-1 into `out` and returns how many it wrote: all n, or fewer when record k's
 * score is one this writer leaves to the host (|score| above 2^31 - 1 or infinite: the exponent
 * form), so the host writes record k and calls again from k + 1. formattedEnd() gives the end.
 *   src: the chunk's bytes; starts[n], ends[n] u32: each record's line, as offsets into src
 *   scores[n] f64 (NaN: not scored, written as the unset field, flag too)
 *   flags[n] u8 (1: anomaly), or 0 for no flag column
 *   sep: the one-byte separator; unset[unsetLen]: the unset field's bytes
 */
export function formatScoredLines(
  src: usize, starts: usize, ends: usize, scores: usize, flags: usize, n: u32,
  sep: u32, unset: usize, unsetLen: u32, out: usize,
): u32 {
  let p = out;
  let i: u32 = 0;
  for (; i < n; i++) {
    const x = load<f64>(scores + (<usize>i << 3));
    if (!(abs<f64>(x) <= 2147483647.0) && x == x) break;
    const s = src + <usize>load<u32>(starts + (<usize>i << 2));
    const e = src + <usize>load<u32>(ends + (<usize>i << 2));
    p = copyBytes(p, s, e);
    store<u8>(p++, <u8>sep);
    if (x != x) {
      p = copyBytes(p, unset, unset + unsetLen);
    } else {
      p = writeDouble(p, x);
    }
    if (flags != 0) {
      store<u8>(p++, <u8>sep);
      if (x != x) p = copyBytes(p, unset, unset + unsetLen);
      else store<u8>(p++, load<u8>(flags + i) != 0 ? 84 /* T */ : 70 /* F */);
    }
    store<u8>(p++, 10);
  }
  written = p;
  return i;
}

/**
 * Copies [s, e) to p and returns p + (e - s). Eight bytes at a time, then the rest: lines are a
 * hundred-odd bytes, too short for memory.copy's call out of WASM to pay (measured in bench).
 */
// @ts-ignore: decorator
@inline function copyBytes(p: usize, s: usize, e: usize): usize {
  while (s + 8 <= e) {
    store<u64>(p, load<u64>(s));
    p += 8;
    s += 8;
  }
  while (s < e) {
    store<u8>(p++, load<u8>(s++));
  }
  return p;
}

/**
 * writeZeekDouble of src/output/zeek-writer.ts for |x| ≤ 2^31 - 1, operation for operation (so
 * the same f64 rounding gives the same digits): Zeek's modp_dtoa3 with precision 6, trailing zeros
 * dropped, ".0" after whole numbers.
 */
function writeDouble(p: usize, x: f64): usize {
  let v = x;
  if (v < 0) {
    store<u8>(p++, 45);
    v = -v;
  }
  let whole = floor<f64>(v);
  const tmp = (v - whole) * 1e6;
  let frac = floor<f64>(tmp);
  const diff = tmp - frac;
  let f = <i32>frac;
  if (diff > 0.5 || (diff == 0.5 && (f == 0 || (f & 1) == 1))) {
    f++;
    if (f >= 1000000) {
      f = 0;
      whole += 1;
    }
  }
  p = writeUint(p, <u32>whole);
  if (f != 0) {
    let digits = 6;
    while (f % 10 == 0) {
      f /= 10;
      digits--;
    }
    store<u8>(p, 46);
    let q = p + <usize>digits;
    p = q + 1;
    for (let k = 0; k < digits; k++) {
      const t = f / 10;
      store<u8>(q--, <u8>(48 + f - t * 10));
      f = t;
    }
  } else if (abs<f64>(v - jsRound(v)) < 1e-9) {
    store<u8>(p++, 46);
    store<u8>(p++, 48);
  }
  return p;
}

/** JavaScript's Math.round (ties toward +∞), exactly: ceil, then step back if that went over by more than a half. */
// @ts-ignore: decorator
@inline function jsRound(v: f64): f64 {
  const r = ceil<f64>(v);
  return r - 0.5 > v ? r - 1.0 : r;
}

function writeUint(p: usize, n: u32): usize {
  if (n < 10) {
    store<u8>(p, <u8>(48 + n));
    return p + 1;
  }
  let len: usize = 1;
  for (let m = n; m >= 10; m /= 10) len++;
  let q = p + len - 1;
  while (n >= 10) {
    const t = n / 10;
    store<u8>(q--, <u8>(48 + n - t * 10));
    n = t;
  }
  store<u8>(q, <u8>(48 + n));
  return p + len;
}
