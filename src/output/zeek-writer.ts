// Scored output in Zeek's own TSV form: the input's header block with `anomaly_score` (double)
// and optionally `anomaly` (bool) appended to #fields and #types, and every input line copied
// byte for byte with the new values after it. Zeek tools (zeek-cut, zat, Zed) then read the
// output like any other Zeek log.
//
// formatZeekRecords is on the hot path of multi-gigabyte scoring: it copies bytes into one
// preallocated Uint8Array and renders each score digit by digit, allocating nothing per record.

import type { RecordBatch, ZeekHeader } from '../zeek/types.js';

export const SCORE_FIELD = 'anomaly_score';
export const FLAG_FIELD = 'anomaly';
/** Optional (score --reasons): the features that isolated a flagged record; unset on the others. */
export const REASON_FIELD = 'anomaly_reason';

/** Thrown when a header cannot carry scored output; the message says what to do instead. */
export class OutputFormatError extends Error {
  override name = 'OutputFormatError';
}

// Zeek's canonical directive order (logging/writers/ascii/Ascii.cc writes them in this order).
const ORDER = ['#separator', '#set_separator', '#empty_field', '#unset_field', '#path', '#open', '#fields', '#types'];

function keywordOf(line: string, separator: string): string | null {
  for (const kw of ORDER) {
    if (!line.startsWith(kw)) continue;
    const next = line.slice(kw.length, kw.length + Math.max(1, separator.length));
    if (line.length === kw.length || next.startsWith(separator) || next.startsWith(' ')) return kw;
  }
  return null;
}

/** Zeek writes the separator's bytes as \xNN escapes: `#separator \x09`. */
function escapeAll(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Throws OutputFormatError when the scored fields would collide with the input's own. */
export function checkScoreFields(header: ZeekHeader, withAnomaly: boolean, withReason = false): void {
  const clash = [SCORE_FIELD, withAnomaly ? FLAG_FIELD : null, withReason ? REASON_FIELD : null].find((f) => f !== null && header.fields.includes(f));
  if (clash !== undefined) {
    throw new OutputFormatError(
      `the input already has an "${clash}" field (was it scored before?); score the original log instead`,
    );
  }
}

/**
 * The header block to write before scored records of this header, line ends included.
 * Directives the input had are kept as written (btest's `#open XXXX…` stays as it is); the ones
 * it lacked are filled in from the header's values, in Zeek's order. `#close` is not part of a
 * header block: scoreLogs writes the input's own #close line after the block's records.
 *
 * @param withAnomaly append the `anomaly` bool field too (the model has a threshold)
 * @throws OutputFormatError for JSON input (its records are not TSV lines) or a field clash
 */
export function zeekHeaderWithScore(header: ZeekHeader, withAnomaly: boolean, withReason = false): string {
  if (header.format !== 'tsv') {
    throw new OutputFormatError('Zeek TSV output needs Zeek TSV input; for JSON logs use --format json');
  }
  checkScoreFields(header, withAnomaly, withReason);
  const sep = header.separator;
  const names = [SCORE_FIELD, ...(withAnomaly ? [FLAG_FIELD] : []), ...(withReason ? [REASON_FIELD] : [])];
  const types = ['double', ...(withAnomaly ? ['bool'] : []), ...(withReason ? ['string'] : [])];
  const found = new Map<string, string>();
  for (const d of header.directives) {
    const kw = keywordOf(d, sep);
    if (kw !== null) found.set(kw, d); // the last one of a kind is the one in force
  }
  const lines: string[] = [];
  for (const kw of ORDER) {
    const d = found.get(kw);
    switch (kw) {
      case '#separator':
        lines.push(d ?? `#separator ${escapeAll(sep)}`);
        break;
      case '#set_separator':
        lines.push(d ?? `#set_separator${sep}${header.setSeparator}`);
        break;
      case '#empty_field':
        lines.push(d ?? `#empty_field${sep}${header.emptyField}`);
        break;
      case '#unset_field':
        lines.push(d ?? `#unset_field${sep}${header.unsetField}`);
        break;
      case '#path':
        if (d !== undefined) lines.push(d);
        else if (header.path !== '') lines.push(`#path${sep}${header.path}`);
        break;
      case '#open':
        if (d !== undefined) lines.push(d);
        else if (header.open !== null) lines.push(`#open${sep}${header.open}`);
        break;
      case '#fields':
        // Appending to the line as read keeps quirks such as IoT-23's space-joined last cell,
        // which the records repeat, so the two stay consistent.
        lines.push((d ?? ['#fields', ...header.fields].join(sep)) + sep + names.join(sep));
        break;
      case '#types':
        if (d !== undefined) {
          // A #types line shorter than #fields (the reader gives the missing ones no type) would
          // type our fields as the log's last ones: pad it so that anomaly_score stays a double.
          // Zeek has no "unknown" type; string is what any reader can take a value as.
          const fieldCells = (found.get('#fields') ?? ['#fields', ...header.fields].join(sep)).split(sep).length;
          const missing = Math.max(0, fieldCells - d.split(sep).length);
          lines.push([d, ...Array<string>(missing).fill('string'), ...types].join(sep));
        }
        else if (header.types.length > 0 && header.types.every((t) => t !== '')) {
          lines.push(['#types', ...header.types, ...types].join(sep));
        }
        break;
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Whether records read under `b` can follow records written under `a` without a new header
 * block. Compares content, not identity: readers may hand each chunk its own header object.
 */
export function sameZeekLayout(a: ZeekHeader, b: ZeekHeader): boolean {
  if (a === b) return true;
  return (
    a.format === b.format && a.separator === b.separator && a.setSeparator === b.setSeparator &&
    a.emptyField === b.emptyField && a.unsetField === b.unsetField && a.path === b.path &&
    a.open === b.open && sameList(a.fields, b.fields) && sameList(a.types, b.types) &&
    sameList(a.directives, b.directives)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Records

/** Longest rendered score: "-2147483647.999999" (18), or an exponent form (≤ 14). */
const SCORE_MAX = 20;

const encoder = new TextEncoder();
const sepCache = new WeakMap<ZeekHeader, { sep: Uint8Array; unset: Uint8Array }>();

function headerBytes(h: ZeekHeader): { sep: Uint8Array; unset: Uint8Array } {
  let v = sepCache.get(h);
  if (v === undefined) {
    v = { sep: encoder.encode(h.separator), unset: encoder.encode(h.unsetField) };
    sepCache.set(h, v);
  }
  return v;
}

/** Bytes formatZeekRecords needs for this batch: size `out` with it to reuse one buffer. */
export function zeekRecordsByteLength(batch: RecordBatch, withFlags: boolean): number {
  const { sep, unset } = headerBytes(batch.header);
  let n = 0;
  for (let i = 0; i < batch.length; i++) n += batch.ends[i] - batch.starts[i];
  const extra = sep.length + Math.max(SCORE_MAX, unset.length) + (withFlags ? sep.length + Math.max(1, unset.length) : 0) + 1;
  return n + batch.length * extra;
}

/**
 * Writes each record's raw line, then separator + score (+ separator + T/F), then "\n", into
 * `out` when it is big enough (see zeekRecordsByteLength), else into a new array; returns the
 * written bytes (a view on `out`). A NaN score (record not scored) is written as the unset
 * field, as is its flag.
 *
 * @param scores scores[i] is record i's score, s(x) in (0, 1]
 * @param flags  flags[i] = 1 marks an anomaly; null when the model has no threshold
 */
export function formatZeekRecords(
  batch: RecordBatch,
  scores: Float64Array,
  flags: Uint8Array | null,
  out?: Uint8Array,
  reasons: readonly (string | null)[] | null = null,
): Uint8Array {
  if (scores.length < batch.length || (flags !== null && flags.length < batch.length) || (reasons !== null && reasons.length < batch.length)) {
    throw new RangeError(`formatZeekRecords: ${batch.length} records but ${scores.length} scores` +
      (flags === null ? '' : ` and ${flags.length} flags`) + (reasons === null ? '' : ` and ${reasons.length} reasons`));
  }
  const { sep, unset } = headerBytes(batch.header);
  // Reasons are few (flagged records only) and short: each is escaped and encoded once, and the
  // lines are written with them in one pass, into `out` when it is big enough.
  const reasonBytes = reasons === null ? null : encodeReasons(reasons, batch.length, batch.header);
  let need = zeekRecordsByteLength(batch, flags !== null);
  if (reasonBytes !== null) for (const r of reasonBytes) need += sep.length + (r === null ? unset.length : r.length);
  const buf = out !== undefined && out.length >= need ? out : new Uint8Array(need);
  const src = batch.source;
  const sepLen = sep.length;
  const sep0 = sep[0];
  let p = 0;
  for (let i = 0; i < batch.length; i++) {
    const s = batch.starts[i];
    const e = batch.ends[i];
    // Short lines copy faster in a loop than through set()'s call overhead.
    if (e - s < 64) for (let j = s; j < e; j++) buf[p++] = src[j];
    else {
      buf.set(src.subarray(s, e), p);
      p += e - s;
    }
    if (sepLen === 1) buf[p++] = sep0;
    else {
      buf.set(sep, p);
      p += sepLen;
    }
    const x = scores[i];
    if (x !== x) {
      buf.set(unset, p);
      p += unset.length;
    } else {
      p = writeZeekDouble(buf, p, x);
    }
    if (flags !== null) {
      if (sepLen === 1) buf[p++] = sep0;
      else {
        buf.set(sep, p);
        p += sepLen;
      }
      if (x !== x) {
        buf.set(unset, p);
        p += unset.length;
      } else buf[p++] = flags[i] !== 0 ? 84 /* T */ : 70 /* F */;
    }
    if (reasonBytes !== null) {
      buf.set(sep, p);
      p += sepLen;
      const r = reasonBytes[i] ?? unset;
      buf.set(r, p);
      p += r.length;
    }
    buf[p++] = 10;
  }
  return buf.subarray(0, p);
}

/**
 * Writes `x` as Zeek's ASCII writer writes a `double` (ODesc::Add(d, no_exp=true), i.e.
 * modp_dtoa3 with precision 6): rounded to 6 decimals, trailing zeros dropped, and ".0" after
 * whole numbers "to disambiguate from integer": 0.5 → "0.5", 0.6234561 → "0.623456", 1 → "1.0".
 * (time and interval fields keep all 6 decimals instead; doubles do not.) Returns the new end.
 */
export function writeZeekDouble(buf: Uint8Array, p: number, x: number): number {
  if (x !== x) {
    buf[p] = 110; // "nan", as modp writes it
    buf[p + 1] = 97;
    buf[p + 2] = 110;
    return p + 3;
  }
  let v = x;
  if (v < 0) {
    buf[p++] = 45;
    v = -v;
  }
  if (v > 2147483647) return writeAscii(buf, p, cExponent(v));
  let whole = Math.floor(v);
  const tmp = (v - whole) * 1e6;
  let frac = Math.floor(tmp);
  const diff = tmp - frac;
  if (diff > 0.5 || (diff === 0.5 && (frac === 0 || (frac & 1) === 1))) {
    frac++;
    if (frac >= 1e6) {
      frac = 0;
      whole++;
    }
  }
  p = writeUint(buf, p, whole);
  if (frac !== 0) {
    let digits = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    buf[p] = 46;
    let q = p + digits;
    p = q + 1;
    for (let k = 0; k < digits; k++) {
      const t = (frac / 10) | 0;
      buf[q--] = 48 + frac - t * 10;
      frac = t;
    }
  } else if (Math.abs(v - Math.round(v)) < 1e-9) {
    buf[p++] = 46;
    buf[p++] = 48;
  }
  return p;
}

/** The string writeZeekDouble writes (for tests and the JSON writer). */
export function formatZeekDouble(x: number): string {
  const b = new Uint8Array(32);
  const n = writeZeekDouble(b, 0, x);
  return String.fromCharCode(...b.subarray(0, n));
}

function writeUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  const len = n < 100 ? 2 : n < 1000 ? 3 : n < 1e4 ? 4 : n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
  let q = p + len - 1;
  while (n >= 10) {
    const t = (n / 10) | 0;
    buf[q--] = 48 + n - t * 10;
    n = t;
  }
  buf[q] = 48 + n;
  return p + len;
}

function writeAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

/** C's "%e" (what modp falls back to above 2^31): "3.000000e+09", "inf". */
function cExponent(v: number): string {
  if (v === Infinity) return 'inf';
  const [m, e] = v.toExponential(6).split('e');
  const sign = e[0] === '-' ? '-' : '+';
  const digits = e.replace(/^[+-]/, '');
  return `${m}e${sign}${digits.padStart(2, '0')}`;
}

/**
 * Appends separator + reason (or the unset field) to each line of formatted records. Reasons are
 * rare and opt-in, so this second pass keeps the hot path above untouched. Reasons are plain
 * feature names and words; a separator or backslash in one is escaped as Zeek escapes them.
 */
/** Each reason escaped for the header's separator (and backslash, as Zeek escapes), as latin1 bytes; null stays null. */
function encodeReasons(reasons: readonly (string | null)[], n: number, header: ZeekHeader): (Uint8Array | null)[] {
  const sepEscaped = escapeAll(header.separator);
  const out: (Uint8Array | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = reasons[i];
    out[i] = r === null ? null : Buffer.from(r.replace(/\\/g, '\\x5c').split(header.separator).join(sepEscaped), 'latin1');
  }
  return out;
}
