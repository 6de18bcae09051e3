// Scored output as JSON lines, shaped as Zeek's own JSON writer (threading/formatters/JSON.cc)
// shapes records: keys are Zeek's field names, numbers for count/int/port/double/time/interval
// (time as epoch seconds, Zeek's default), strings for addr/subnet/string/enum, booleans for
// bool, arrays for set/vector/table, and unset fields left out. `anomaly_score` (and `anomaly`
// when the model has a threshold) come last. Every line is valid JSON whatever the input bytes:
// a number field's value is a JSON number or null, a bool's true, false or null (see scalar).
//
// TSV records are split here with a small local splitter: this path is much less hot than the
// Zeek TSV writer, and the values of every field are needed, not only the model's columns.
// JSON records pass through untouched, with the new keys spliced in before the closing brace.

import { unescapeBytes } from '../zeek/escape.js';
import { parseIsoTime } from '../zeek/numbers.js';
import type { RecordBatch, ZeekHeader } from '../zeek/types.js';
import { checkScoreFields, FLAG_FIELD, REASON_FIELD, SCORE_FIELD, writeZeekDouble } from './zeek-writer.js';

const bufferCache = new WeakMap<Uint8Array, Buffer>();

function asBuffer(u: Uint8Array): Buffer {
  if (Buffer.isBuffer(u)) return u;
  let b = bufferCache.get(u);
  if (b === undefined) {
    b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    bufferCache.set(u, b);
  }
  return b;
}

/**
 * One JSON object per record, each followed by "\n" (see formatJsonRecordsBytes).
 *
 * @param scores scores[i] is record i's score; NaN (not scored) leaves both new keys out
 * @param flags  flags[i] = 1 marks an anomaly; null when the model has no threshold
 * @param header the header the batch's records were read under (normally batch.header)
 * @throws OutputFormatError when the input already has the new fields
 */
export function formatJsonRecords(
  batch: RecordBatch,
  scores: Float64Array,
  flags: Uint8Array | null,
  header: ZeekHeader = batch.header,
): string {
  const bytes = formatJsonRecordsBytes(batch, scores, flags, header);
  return asBuffer(bytes).toString('utf8', 0, bytes.length);
}

/**
 * As formatJsonRecords, as UTF-8 bytes: what a writer wants, without a string in between.
 * Written byte by byte into one growing buffer; `out` is used when it is big enough.
 */
export function formatJsonRecordsBytes(
  batch: RecordBatch,
  scores: Float64Array,
  flags: Uint8Array | null,
  header: ZeekHeader = batch.header,
  out?: Uint8Array,
  reasons: readonly (string | null)[] | null = null,
): Uint8Array {
  if (scores.length < batch.length || (flags !== null && flags.length < batch.length)) {
    throw new RangeError(`formatJsonRecords: ${batch.length} records but ${scores.length} scores` +
      (flags === null ? '' : ` and ${flags.length} flags`));
  }
  checkScoreFields(header, flags !== null, reasons !== null);
  let raw = 0;
  for (let i = 0; i < batch.length; i++) raw += batch.ends[i] - batch.starts[i];
  // Keys make JSON about twice the TSV size; the sink grows if a batch needs more.
  const w = new Sink(out !== undefined && out.length > 0 ? out : new Uint8Array(Math.max(1024, raw * 3 + batch.length * 64)));
  const src = asBuffer(batch.source);
  const conv = header.format === 'json' ? null : tsvConverter(header);
  for (let i = 0; i < batch.length; i++) {
    const s = batch.starts[i];
    const e = batch.ends[i];
    w.reserve(e - s + 256);
    const x = scores[i];
    const flag = flags === null ? -1 : flags[i];
    const reason = reasons === null ? null : reasons[i];
    if (conv === null) passThrough(w, src, s, e, x, flag, reason);
    else {
      conv(w, src, s, e);
      if (x === x) {
        w.byte(w.empty ? 0 : 44);
        writeScore(w, x, flag, reason);
      }
      w.byte(125);
    }
    w.byte(10);
  }
  return w.buf.subarray(0, w.pos);
}

/**
 * Bytes reserve() keeps free beyond what it is asked for: byte() does not check the length, and
 * a few single bytes (quote, bracket, comma, brace, line end) follow a reserving write before the
 * next one. Without it a write that fills the buffer exactly made the next byte() fall off the end.
 */
const SLACK = 8;

/** A growable byte buffer. `empty` tracks whether the object being written has a key yet. */
class Sink {
  pos = 0;
  empty = true;
  constructor(public buf: Uint8Array) {}

  reserve(n: number): void {
    if (this.pos + n + SLACK <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n + SLACK));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** byte(0) writes nothing: lets callers write an optional comma without a branch. */
  byte(c: number): void {
    if (c !== 0) this.buf[this.pos++] = c;
  }

  copy(src: Uint8Array, s: number, e: number): void {
    this.reserve(e - s);
    const b = this.buf;
    let p = this.pos;
    for (let i = s; i < e; i++) b[p++] = src[i];
    this.pos = p;
  }

  bytes(a: Uint8Array): void {
    this.reserve(a.length);
    // Keys are a dozen bytes: a loop beats set()'s call overhead at that size.
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < a.length; i++) b[p++] = a[i];
    this.pos = p;
  }

  ascii(t: string): void {
    this.reserve(t.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < t.length; i++) b[p++] = t.charCodeAt(i);
    this.pos = p;
  }

  utf8(t: string): void {
    this.reserve(t.length * 3);
    this.pos += encoder.encodeInto(t, this.buf.subarray(this.pos)).written;
  }
}

const encoder = new TextEncoder();
const SCORE_KEY = encoder.encode(`"${SCORE_FIELD}":`);
const FLAG_TRUE = encoder.encode(`,"${FLAG_FIELD}":true`);
const FLAG_FALSE = encoder.encode(`,"${FLAG_FIELD}":false`);

function writeScore(w: Sink, x: number, flag: number, reason: string | null): void {
  w.bytes(SCORE_KEY);
  w.reserve(32);
  // Zeek's JSON writer writes null for a non-finite double.
  if (Number.isFinite(x)) w.pos = writeZeekDouble(w.buf, w.pos, x);
  else w.ascii('null');
  if (flag >= 0) w.bytes(flag !== 0 ? FLAG_TRUE : FLAG_FALSE);
  // Unset fields are left out, as Zeek's JSON writer does: only flagged records carry a reason.
  if (reason !== null) {
    const text = `,"${REASON_FIELD}":${JSON.stringify(reason)}`;
    w.reserve(text.length * 3);
    w.pos += Buffer.from(w.buf.buffer, w.buf.byteOffset, w.buf.byteLength).write(text, w.pos, 'utf8');
  }
}

/**
 * A JSON-input record is already the object Zeek wrote: its bytes are kept (and so its number
 * forms), with the new keys spliced in before the closing brace.
 */
function passThrough(w: Sink, src: Buffer, s: number, e: number, x: number, flag: number, reason: string | null): void {
  let end = e - 1;
  while (end >= s && src[end] <= 32) end--;
  if (end < s || src[end] !== 125) {
    throw new SyntaxError(`formatJsonRecords: a record is not a JSON object: ${src.toString('utf8', s, Math.min(e, s + 60))}`);
  }
  if (x !== x) {
    w.copy(src, s, e);
    return;
  }
  let before = end - 1;
  while (before >= s && src[before] <= 32) before--;
  w.copy(src, s, end);
  if (!(before >= s && src[before] === 123)) w.byte(44);
  writeScore(w, x, flag, reason);
  w.byte(125);
}

// ---------------------------------------------------------------------------------------------
// TSV → JSON

const enum Kind {
  Bool,
  Integer,
  Real,
  Time,
  Text,
}

interface Column {
  /** `"name":` as UTF-8. */
  key: Uint8Array;
  kind: Kind;
  container: boolean;
}

function kindOf(type: string): { kind: Kind; container: boolean } {
  const m = /^(?:set|vector|table)\[(.*)\]$/.exec(type);
  const base = m === null ? type : m[1];
  let kind: Kind;
  switch (base) {
    case 'bool':
      kind = Kind.Bool;
      break;
    case 'count':
    case 'counter': // Zeek before 3.0, formatted as a count (and read as a number by tsv.ts)
    case 'int':
    case 'port':
      kind = Kind.Integer;
      break;
    case 'double':
    case 'interval':
      kind = Kind.Real;
      break;
    case 'time':
      kind = Kind.Time;
      break;
    default:
      kind = Kind.Text; // addr, subnet, string, enum, pattern, and unknown ("") types
  }
  return { kind, container: m !== null };
}

/** Writes "{" and the record's fields (no closing brace); sets w.empty. */
type Converter = (w: Sink, src: Buffer, s: number, e: number) => void;
const converterCache = new WeakMap<ZeekHeader, Converter>();

function sameBytes(src: Uint8Array, s: number, e: number, want: Uint8Array): boolean {
  if (e - s !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (src[s + i] !== want[i]) return false;
  return true;
}

function tsvConverter(h: ZeekHeader): Converter {
  let conv = converterCache.get(h);
  if (conv !== undefined) return conv;
  const cols: Column[] = h.fields.map((f, i) => ({ key: encoder.encode(JSON.stringify(f) + ':'), ...kindOf(h.types[i] ?? '') }));
  const sep = encoder.encode(h.separator);
  const unset = encoder.encode(h.unsetField);
  const empty = encoder.encode(h.emptyField);
  const setSep = encoder.encode(h.setSeparator);
  const cells = new Int32Array(2 * (cols.length + 1));
  conv = (w, src, s, e) => {
    const n = splitLine(src, s, e, sep, cols.length, cells);
    w.byte(123);
    w.empty = true;
    for (let c = 0; c < cols.length && c < n; c++) {
      const col = cols[c];
      const cs = cells[2 * c];
      const ce = cells[2 * c + 1];
      if (sameBytes(src, cs, ce, unset)) continue;
      w.byte(w.empty ? 0 : 44);
      w.empty = false;
      w.bytes(col.key);
      if (col.container) {
        w.byte(91);
        if (setSep.length === 0) {
          // `#set_separator` with no value: nothing splits the cell (and an empty separator
          // would never move the loop below on).
          if (!sameBytes(src, cs, ce, empty) && ce > cs) scalar(w, col.kind, src, cs, ce);
        } else if (!sameBytes(src, cs, ce, empty) && ce > cs) {
          let ps = cs;
          for (let i = cs; i <= ce; i++) {
            if (i < ce && !(src[i] === setSep[0] && (setSep.length === 1 || sameBytes(src, i, i + setSep.length, setSep)))) continue;
            if (ps > cs) w.byte(44);
            if (sameBytes(src, ps, i, unset)) w.ascii('null');
            else scalar(w, col.kind, src, ps, i);
            ps = i + setSep.length;
            i = ps - 1;
          }
        }
        w.byte(93);
      } else if (col.kind === Kind.Text && sameBytes(src, cs, ce, empty)) {
        w.byte(34);
        w.byte(34);
      } else {
        scalar(w, col.kind, src, cs, ce);
      }
    }
  };
  converterCache.set(h, conv);
  return conv;
}

/**
 * One value as JSON, always a valid JSON value whatever the bytes. Numbers and bools are written
 * as what they denote, so a fixed schema (Elasticsearch maps conn fields as numbers) takes them:
 * - a literal that is already valid JSON is kept as written (integers) or in rapidjson's form
 *   (doubles, see real()); other decimal text is normalised: `080` → 80, `-05` → -5, `+5` → 5,
 *   `5.` → 5 (5.0 for a double);
 * - a time may also be ISO-8601 text, which the reader takes too: written as epoch seconds;
 * - a bool is T or F, or 1 or 0 as the reader takes them;
 * - anything else — NaN, ±inf, 1e400 (not finite as a double), `X` in a bool, `notatime` or
 *   btest's canonified `XXXXXXXXXX.XXXXXX` in a time — is null, the key kept as the field was
 *   set. Zeek's JSON writer writes null for a NaN or infinite double and never a string for a
 *   number field. The reader agrees where it can: NaN text is no number (as unset), text that is
 *   no number rejects the line when the model uses the field (else nobody read it); only ±inf
 *   and 1e400 it reads as infinite, which JSON cannot write. The TSV output keeps the text.
 */
function scalar(w: Sink, kind: Kind, src: Buffer, s: number, e: number): void {
  switch (kind) {
    case Kind.Text:
      return text(w, src, s, e);
    case Kind.Bool: {
      const c = e - s === 1 ? src[s] : 0;
      if (c === 84 || c === 49) return w.ascii('true');
      if (c === 70 || c === 48) return w.ascii('false');
      break;
    }
    case Kind.Integer:
      if (integer(w, src, s, e)) return;
      break;
    case Kind.Real:
      if (real(w, src, s, e)) return;
      break;
    case Kind.Time:
      if (real(w, src, s, e) || isoTime(w, src, s, e)) return;
      break;
  }
  w.ascii('null');
}

/** True when b[s, e) is a run of ASCII digits (possibly empty). */
function digits(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] < 48 || b[i] > 57) return false;
  return true;
}

/**
 * A count, int or port. Integer text is kept as written when it is a JSON literal (counts can
 * pass 2^53, where a JS number would round them) and otherwise normalised as text, so no digit is
 * lost: the sign kept only when it is "-", leading zeros dropped. Integer text with a zero
 * fraction (`5.`, `5.000`) is that integer. Other decimal text the reader takes (`1.5`, `1e3`) is
 * written as its double, as JS prints it (always a JSON number). False when it is not finite.
 */
function integer(w: Sink, src: Buffer, s: number, e: number): boolean {
  const c0 = src[s];
  let i = c0 === 45 || c0 === 43 ? s + 1 : s;
  const intStart = i;
  while (i < e && src[i] >= 48 && src[i] <= 57) i++;
  const intEnd = i;
  if (intEnd > intStart && intEnd === e && c0 !== 43 && (src[intStart] !== 48 || intEnd - intStart === 1)) {
    w.copy(src, s, e); // already a JSON integer: as written, byte for byte
    return true;
  }
  let wholeEnd = -1; // where the digits end when the text is an integer, maybe with a zero fraction
  if (intEnd > intStart && intEnd === e) wholeEnd = e;
  else if (intEnd > intStart && src[intEnd] === 46) {
    let k = intEnd + 1;
    while (k < e && src[k] === 48) k++;
    if (k === e) wholeEnd = intEnd;
  }
  if (wholeEnd >= 0) {
    let first = intStart;
    while (first < intEnd - 1 && src[first] === 48) first++;
    if (c0 === 45) w.byte(45);
    w.copy(src, first, intEnd);
    return true;
  }
  const t = src.toString('latin1', s, e);
  if (!DECIMAL.test(t)) return false;
  const v = Number(t);
  if (!Number.isFinite(v)) return false;
  w.ascii(numberText(v));
  return true;
}

/** Decimal text as the reader takes it (numbers.ts): sign, digits with an optional point, exponent. */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * A time given as ISO-8601 text (the reader's TIME columns take it, as Zeek's JSON writer can
 * write it), as epoch seconds: the same double, and so the same text, as the epoch form gives.
 */
function isoTime(w: Sink, src: Buffer, s: number, e: number): boolean {
  if (e - s > 64 || e - s < 10 || !digits(src, s, s + 4)) return false;
  const v = parseIsoTime(src.toString('latin1', s, e));
  if (!Number.isFinite(v)) return false;
  writeDouble(w, v);
  return true;
}

/** A finite double in rapidjson's form: the shortest round-trip text, ".0" on whole numbers. */
function writeDouble(w: Sink, v: number): void {
  const out = numberText(v);
  w.ascii(/[.eE]/.test(out) ? out : `${out}.0`);
}

/** A finite number as JS prints it (always a JSON number), keeping the sign of -0 as Zeek does. */
function numberText(v: number): string {
  return v === 0 && 1 / v < 0 ? '-0' : String(v);
}

/**
 * A double as rapidjson's Double() writes it: the shortest round-trip form, ".0" on whole
 * numbers. Zeek's "%.6f"-style text is already that form once trailing zeros go when it has at
 * most 15 significant digits, or at most 6 decimals below 2^32 (doubles there are closer than
 * 5e-7 apart, so no shorter decimal names the same double): such text is copied, which covers
 * every ts of this century. Anything else goes through Number().
 */
function real(w: Sink, src: Buffer, s: number, e: number): boolean {
  let i = s;
  if (src[i] === 45) i++;
  const intStart = i;
  while (i < e && src[i] >= 48 && src[i] <= 57) i++;
  const intEnd = i;
  let fracEnd = i;
  if (i < e && src[i] === 46) {
    i++;
    while (i < e && src[i] >= 48 && src[i] <= 57) i++;
    fracEnd = i;
  }
  const intDigits = intEnd - intStart;
  const fracDigits = Math.max(0, fracEnd - intEnd - 1);
  let simple = i === e && intDigits > 0 && (intDigits === 1 || src[intStart] !== 48);
  if (simple && intDigits + fracDigits > 15) {
    let v = 0;
    for (let k = intStart; k < intEnd && v < 4294967296; k++) v = v * 10 + src[k] - 48;
    simple = fracDigits <= 6 && v < 4294967296;
  }
  if (simple) {
    let last = fracEnd;
    if (fracEnd > intEnd) while (last > intEnd + 1 && src[last - 1] === 48) last--;
    if (fracEnd === intEnd || last === intEnd + 1) {
      w.copy(src, s, intEnd); // whole number: "36.000000" and "36" both become "36.0"
      w.ascii('.0');
    } else {
      w.copy(src, s, last);
    }
    return true;
  }
  const t = src.toString('latin1', s, e);
  if (!DECIMAL.test(t)) return false;
  const v = Number(t);
  if (!Number.isFinite(v)) return false;
  writeDouble(w, v);
  return true;
}

/** A string value: printable ASCII is copied between quotes; anything else is decoded first. */
function text(w: Sink, src: Buffer, s: number, e: number): void {
  let plain = true;
  for (let i = s; i < e; i++) {
    const c = src[i];
    if (c < 32 || c > 126 || c === 34 || c === 92) {
      plain = false;
      break;
    }
  }
  if (plain) {
    w.byte(34);
    w.copy(src, s, e);
    w.byte(34);
  } else {
    w.utf8(JSON.stringify(decodeZeekText(src, s, e)));
  }
}

/**
 * Splits [s, e) on `sep` into at most `n` cells, written to cells[2k], cells[2k + 1]; returns the
 * count. An IoT-23 style line, whose last tab cell holds several space-separated values (as
 * its #fields does), is split on those spaces so the cells line up with the header's fields.
 */
function splitLine(src: Uint8Array, s: number, e: number, sep: Uint8Array, n: number, cells: Int32Array): number {
  const s0 = sep[0];
  const sl = sep.length;
  let k = 0;
  let start = s;
  for (let i = s; i <= e - sl && k < n; i++) {
    if (src[i] !== s0 || (sl > 1 && !sameBytes(src, i, i + sl, sep))) continue;
    cells[2 * k] = start;
    cells[2 * k + 1] = i;
    k++;
    start = i + sl;
    i += sl - 1;
  }
  if (k >= n) return k; // more cells than fields: the extra ones are not the header's
  cells[2 * k] = start;
  cells[2 * k + 1] = e;
  k++;
  if (k < n) {
    const ls = cells[2 * (k - 1)];
    let hasSpace = false;
    for (let i = ls; i < e; i++) if (src[i] === 32) hasSpace = true;
    if (hasSpace) {
      k--;
      let p = ls;
      while (p < e && k < n) {
        while (p < e && src[p] === 32) p++;
        if (p >= e) break;
        let q = p;
        while (q < e && src[q] !== 32) q++;
        cells[2 * k] = p;
        cells[2 * k + 1] = q;
        k++;
        p = q;
      }
    }
  }
  return k;
}

/**
 * A TSV value as text: `\xNN` escapes resolved, then UTF-8 decoded, with bytes that are not
 * valid UTF-8 written as the four characters `\xNN` — what Zeek's JSON writer does with them
 * (util::json_escape_utf8).
 */
export function decodeZeekText(src: Uint8Array, s: number, e: number): string {
  let plain = true;
  for (let i = s; i < e; i++) {
    const c = src[i];
    if (c >= 0x80 || c === 92) {
      plain = false;
      break;
    }
  }
  if (plain) return asBuffer(src).toString('latin1', s, e);
  return utf8OrEscaped(unescapeBytes(src, s, e));
}

function utf8OrEscaped(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const hex = (x: number): string => `\\x${x.toString(16).padStart(2, '0')}`;
  const cont = (k: number): boolean => k < b.length && (b[k] & 0xc0) === 0x80;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    }
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      if (!cont(i + k)) ok = false;
      else cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += hex(c);
      i++;
    }
  }
  return out;
}
