// Zeek TSV records into columns: the common case of src/zeek/tsv.ts's parseTsvFast, line for line
// and value for value, over the chunk's bytes in linear memory. JavaScript spent ~300 ns per conn
// record here, a fifth of a worker's time; this loop is a few times faster. Anything it does not
// take (a blank or '#' line, a bad or unusual value, a wrong field count, a long line) stops it at
// that line's start, and the host hands the line to the JS parser, which decides and reports it.
// So the two give the same records and the same rejections (test/zeek-wasm-tsv.test.ts).
// String values also get dictionary ids (assembly/dictionary.ts), so the host makes each text once.

import { dictId } from './dictionary';

/**
 * The mode of a requested number column, as in tsv.ts: 0 NUMERIC and 1 TIME read digits with at
 * most one dot (an ISO time goes to the host), 2 BOOL reads T / F / 1 / 0, 4 COUNT and 5 PORT
 * digits only. tsv.ts's LENIENT columns never come here.
 */
const TIME: u8 = 1;
const BOOL: u8 = 2;
/**
 * COUNT and PORT read digits only: a dot hands the line back (tsv.ts rejects it), and so does a
 * count above 2^53, which tsv.ts reads from its digits (or rejects, beyond 2^64 − 1), and a port
 * above 65535 (tsv.ts rejects it).
 */
const PORT: u8 = 5;
const MAX_PORT: f64 = 65535.0;

const MAX_SAFE: f64 = 9007199254740991.0;

const POW10: StaticArray<f64> = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];

let stopped: u32 = 0;

/** Where the last scanTsv call stopped: the start of the first line it did not take, or `end`. */
export function scanStop(): u32 {
  return stopped;
}

/**
 * Reads records from offset `pos` of the chunk at `buf` until `end`, a line it does not take, or
 * `maxRows` records. Returns the records read; scanStop() gives where it stopped.
 *   act[nFields] i32: per field, -1 not requested, j ≥ 0 number column j, -2 - j string column j
 *   modes[nNum] u8: NUMERIC, TIME, BOOL, COUNT or PORT per number column
 *   nums: f64 number columns, column j at nums + j * colRows * 8 (colRows ≥ maxRows)
 *   strs: u32 (start, end) pairs, string column j at strs + j * colRows * 8
 *   starts, ends: u32 per record: its line's start and content end (before "\r\n" or "\n")
 *   ids: i32 dictionary id of each string value (or -1), column j at ids + j * colRows * 4;
 *     only when `dict` (the dictionary's place, see dictionary.ts) is not 0
 * sep is the one-byte separator (< 0x20), unset0 the one-byte unset field.
 */
export function scanTsv(
  buf: usize, pos: u32, end: u32, nFields: u32, act: usize, modes: usize, sep: u32, unset0: u32,
  maxLine: u32, maxRows: u32, colRows: u32, nums: usize, strs: usize, starts: usize, ends: usize,
  ids: usize, dict: usize,
): u32 {
  const last = nFields - 1;
  const colBytes = <usize>colRows << 3;
  const colIdBytes = <usize>colRows << 2;
  let r: u32 = 0;
  while (pos < end && r < maxRows) {
    const start = pos;
    const c0 = <u32>load<u8>(buf + start);
    if (c0 == 0x23 || c0 == 0x0a || c0 == 0x0d) break;
    let i = start;
    let k: u32 = 0;
    let c: u32 = 0;
    let ok = true;
    for (;;) {
      const s = i;
      const a = load<i32>(act + (<usize>k << 2));
      if (a >= 0) {
        const mode = load<u8>(modes + <usize>a);
        let v: f64 = NaN;
        if (s < end && <u32>load<u8>(buf + s) == unset0 && (s + 1 == end || <u32>load<u8>(buf + s + 1) < 0x20)) {
          i = s + 1;
          c = i < end ? <u32>load<u8>(buf + i) : 0x0a;
        } else if (mode == BOOL) {
          const b0: u32 = s < end ? <u32>load<u8>(buf + s) : 0;
          i = s + 1;
          c = i < end ? <u32>load<u8>(buf + i) : 0x0a;
          if (s >= end || c >= 0x20) {
            ok = false;
            break;
          }
          if (b0 == 0x54 || b0 == 0x31) v = 1;
          else if (b0 == 0x46 || b0 == 0x30) v = 0;
          else {
            ok = false;
            break;
          }
        } else {
          let m: f64 = 0;
          let dot: i32 = -1;
          for (; i < end; i++) {
            c = <u32>load<u8>(buf + i);
            const d = c - 0x30;
            if (d <= 9) m = m * 10 + <f64>d;
            else if (c == 0x2e && dot < 0 && mode <= TIME) dot = <i32>i;
            else break;
          }
          c = i < end ? <u32>load<u8>(buf + i) : 0x0a;
          const digits = <i32>(i - s) - (dot < 0 ? 0 : 1);
          const frac = dot < 0 ? 0 : <i32>i - dot - 1;
          if (c >= 0x20 || digits <= 0 || !(m <= (mode == PORT ? MAX_PORT : MAX_SAFE)) || frac > 22) {
            ok = false;
            break;
          }
          v = frac == 0 ? m : m / unchecked(POW10[frac]);
        }
        store<f64>(nums + <usize>a * colBytes + (<usize>r << 3), v);
      } else {
        i = controlByte(buf, i, end);
        c = i < end ? <u32>load<u8>(buf + i) : 0x0a;
        if (a < -1) {
          const j = <usize>(-2 - a);
          const at = strs + j * colBytes + (<usize>r << 3);
          store<u32>(at, s);
          store<u32>(at + 4, i);
          if (dict != 0) store<i32>(ids + j * colIdBytes + (<usize>r << 2), dictId(dict, buf + s, i - s));
        }
      }
      if (c != sep) break;
      if (k == last) {
        ok = false; // more fields than the header
        break;
      }
      i++;
      k++;
    }
    if (!ok) break;
    let eol = i;
    if (c == 0x0d && (i + 1 == end || <u32>load<u8>(buf + i + 1) == 0x0a)) eol = i + 1 == end ? end : i + 1;
    else if (c != 0x0a) break; // a control byte inside a value
    if (k != last || eol - start > maxLine) break;
    store<u32>(starts + (<usize>r << 2), start);
    store<u32>(ends + (<usize>r << 2), i);
    r++;
    pos = eol < end ? eol + 1 : end;
  }
  stopped = pos;
  return r;
}


/**
 * The offset of the first byte below 0x20 (a separator, a line end, any control byte) from `i`,
 * or `end`. Eight bytes at a time: (w - 0x20…) & ~w & 0x80… flags exactly the bytes below 0x20,
 * except that a borrow can flag bytes above a flagged one, so the lowest flag is always a true one.
 * Reads up to 7 bytes past `end`, inside linear memory (the host puts its tables after the chunk).
 */
// @ts-ignore: decorator
@inline function controlByte(buf: usize, i: u32, end: u32): u32 {
  while (i + 8 <= end) {
    const w = load<u64>(buf + i);
    const flags = (w - 0x2020202020202020) & ~w & 0x8080808080808080;
    if (flags != 0) return i + <u32>(ctz<u64>(flags) >> 3);
    i += 8;
  }
  while (i < end && <u32>load<u8>(buf + i) >= 0x20) i++;
  return i;
}
