// Numbers straight from log bytes, without making a string first: the TSV hot path reads ~15 of
// them per record.

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/**
 * The number written in b[s, e) (`-12`, `0.000870`, `1379288667.706265`, `1e+20`, `inf`), or NaN
 * when the bytes are not one. Never NaN for a number: callers treat NaN as "does not parse".
 *
 * Fast path: all digits fit in an integer m < 2^53 and there are at most 22 after the point, so
 * m / 10^k is one correctly rounded IEEE division of two exact values, i.e. the same double that
 * Number() gives (Clinger's fast path). Anything else takes the string path.
 */
export function parseNumberBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && b[i] === 0x2d) {
    neg = true;
    i++;
  }
  const digitsStart = i;
  let m = 0;
  let dot = -1;
  for (; i < e; i++) {
    const d = b[i] - 0x30;
    if (d >= 0 && d <= 9) m = m * 10 + d;
    else if (d === -2 && dot < 0) dot = i;
    else break;
  }
  const nDigits = i - digitsStart - (dot < 0 ? 0 : 1);
  if (i === e && nDigits > 0 && m <= 9007199254740991) {
    const k = dot < 0 ? 0 : e - dot - 1;
    if (k <= 22) {
      const v = k === 0 ? m : m / POW10[k];
      return neg ? -v : v;
    }
  }
  return parseNumberText(latin1(b, s, e));
}

/** The slow path of parseNumberBytes, for text. */
export function parseNumberText(t: string): number {
  if (DECIMAL.test(t)) return Number(t);
  const inf = INFINITY.exec(t);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  // Only reached for odd values, and a number is short: a bounded loop beats a Buffer round trip.
  let t = '';
  const end = Math.min(e, s + 64);
  for (let i = s; i < end; i++) t += String.fromCharCode(b[i]);
  return e - s > 64 ? t + '\u0000' : t;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch seconds of an ISO-8601 time as Zeek's JSON writer puts it (`2018-03-24T17:15:20.865716Z`),
 * or NaN. No zone means UTC. Microseconds come out as the same double the TSV writer's
 * `1521911720.865716` gives, so both formats of one log agree exactly.
 */
export function parseIsoTime(t: string): number {
  const m = ISO_TIME.exec(t);
  if (m === null) return NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) {
    return NaN;
  }
  let whole = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec)) / 1000;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const hh = Number(zone.slice(1, 3));
    const mm = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    whole -= sign * (hh * 3600 + mm * 60);
  }
  if (frac === undefined) return whole;
  const k = frac.length;
  const scaled = whole * POW10[k] + Number(frac);
  if (Math.abs(scaled) <= 9007199254740991) return scaled / POW10[k];
  return whole + Number(frac) / POW10[k];
}

/** 2^64 − 1, the largest Zeek count (an uint64), in digits. */
const COUNT_MAX = '18446744073709551615';

/**
 * Whether the digits b[s, e) (digits only, leading zeros allowed) write a number above 2^64 − 1.
 * Compared digit by digit: as doubles, 2^64 − 1 and 2^64 are the same number.
 */
export function beyondUint64(b: Uint8Array, s: number, e: number): boolean {
  while (s < e - 1 && b[s] === 0x30) s++;
  const n = e - s;
  if (n !== COUNT_MAX.length) return n > COUNT_MAX.length;
  for (let k = 0; k < n; k++) {
    const d = b[s + k] - COUNT_MAX.charCodeAt(k);
    if (d !== 0) return d > 0;
  }
  return false;
}

/** The largest port number: Zeek's port type holds 0–65535 (and the ICMP type or code). */
export const MAX_PORT = 65535;
