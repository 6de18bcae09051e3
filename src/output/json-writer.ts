// Scored output as JSON lines, shaped as Zeek's own JSON writer (threading/formatters/JSON.cc)
// shapes records: keys are Zeek's field names, numbers for count/int/port/double/time/interval
// (time as epoch seconds, Zeek's default), strings for addr/subnet/string/enum, booleans for
// bool, arrays for set/vector/table, and unset fields left out. `anomaly_score` (and `anomaly`
// when the model has a threshold) come last.
//
// TSV records are split here with a small local splitter: this path is much less hot than the
// Zeek TSV writer, and the values of every field are needed, not only the model's columns.
// JSON records pass through untouched, with the new keys spliced in before the closing brace.

import type { RecordBatch, ZeekHeader } from '../zeek/types.js';
import { checkScoreFields, FLAG_FIELD, formatZeekDouble, SCORE_FIELD } from './zeek-writer.js';

/** One record's line as JSON object text (no line end). */
type Converter = (src: Buffer, s: number, e: number) => string;

const latin1Cache = new WeakMap<Uint8Array, Buffer>();

function asBuffer(u: Uint8Array): Buffer {
  if (Buffer.isBuffer(u)) return u;
  let b = latin1Cache.get(u);
  if (b === undefined) {
    b = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    latin1Cache.set(u, b);
  }
  return b;
}

/**
 * One JSON object per record, each followed by "\n".
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
  if (scores.length < batch.length || (flags !== null && flags.length < batch.length)) {
    throw new RangeError(`formatJsonRecords: ${batch.length} records but ${scores.length} scores` +
      (flags === null ? '' : ` and ${flags.length} flags`));
  }
  checkScoreFields(header, flags !== null);
  const src = asBuffer(batch.source);
  const out: string[] = new Array<string>(batch.length);
  const toObject = header.format === 'json' ? passThrough : tsvConverter(header);
  for (let i = 0; i < batch.length; i++) {
    const obj = toObject(src, batch.starts[i], batch.ends[i]);
    out[i] = spliceScore(obj, scores[i], flags === null ? -1 : flags[i]) + '\n';
  }
  return out.join('');
}

function scoreSuffix(score: number, flag: number): string {
  if (score !== score) return '';
  // Zeek's JSON writer writes null for a non-finite double.
  const num = Number.isFinite(score) ? formatZeekDouble(score) : 'null';
  let s = `"${SCORE_FIELD}":${num}`;
  if (flag >= 0) s += `,"${FLAG_FIELD}":${flag !== 0 ? 'true' : 'false'}`;
  return s;
}

function spliceScore(obj: string, score: number, flag: number): string {
  const add = scoreSuffix(score, flag);
  if (add === '') return obj;
  let end = obj.length - 1;
  while (end >= 0 && obj.charCodeAt(end) <= 32) end--;
  if (end < 0 || obj[end] !== '}') {
    throw new SyntaxError(`formatJsonRecords: a record is not a JSON object: ${obj.slice(0, 60)}`);
  }
  let before = end - 1;
  while (before >= 0 && obj.charCodeAt(before) <= 32) before--;
  const empty = before >= 0 && obj[before] === '{';
  return obj.slice(0, end) + (empty ? '' : ',') + add + '}';
}

/** A JSON-input record is already the object Zeek wrote: keep its bytes (and number forms). */
function passThrough(src: Buffer, s: number, e: number): string {
  return src.toString('utf8', s, e);
}

// ---------------------------------------------------------------------------------------------
// TSV → JSON

type Kind = 'bool' | 'integer' | 'real' | 'string';
interface Column {
  key: string;
  kind: Kind;
  container: boolean;
}

function kindOf(type: string): { kind: Kind; container: boolean } {
  const m = /^(?:set|vector|table)\[(.*)\]$/.exec(type);
  const base = m === null ? type : m[1];
  let kind: Kind;
  switch (base) {
    case 'bool':
      kind = 'bool';
      break;
    case 'count':
    case 'int':
    case 'port':
      kind = 'integer';
      break;
    case 'double':
    case 'time':
    case 'interval':
      kind = 'real';
      break;
    default:
      kind = 'string'; // addr, subnet, string, enum, pattern, and unknown ("") types
  }
  return { kind, container: m !== null };
}

const converterCache = new WeakMap<ZeekHeader, Converter>();

function tsvConverter(h: ZeekHeader): Converter {
  let conv = converterCache.get(h);
  if (conv !== undefined) return conv;
  const cols: Column[] = h.fields.map((f, i) => ({ key: JSON.stringify(f), ...kindOf(h.types[i] ?? '') }));
  const sep = Buffer.from(h.separator, 'utf8');
  const { unsetField, emptyField, setSeparator } = h;
  conv = (src, s, e) => {
    const cells = splitLine(src, s, e, sep, cols.length);
    let obj = '{';
    let first = true;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c];
      const cell = cells[c];
      if (cell === undefined) continue;
      const raw = src.toString('latin1', cell[0], cell[1]);
      if (raw === unsetField) continue;
      let value: string;
      if (col.container) {
        if (raw === emptyField || raw === '') value = '[]';
        else {
          const parts = splitEscaped(src, cell[0], cell[1], setSeparator);
          value = `[${parts.map(([ps, pe]) => {
            const t = src.toString('latin1', ps, pe);
            return t === unsetField ? 'null' : scalar(col.kind, src, ps, pe, t);
          }).join(',')}]`;
        }
      } else if (col.kind === 'string' && raw === emptyField) {
        value = '""';
      } else {
        value = scalar(col.kind, src, cell[0], cell[1], raw);
      }
      obj += (first ? '' : ',') + col.key + ':' + value;
      first = false;
    }
    return obj + '}';
  };
  converterCache.set(h, conv);
  return conv;
}

const INTEGER = /^-?\d+$/;
const REAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** One value as JSON; text that does not parse as its type stays a string, never lost. */
function scalar(kind: Kind, src: Buffer, s: number, e: number, raw: string): string {
  switch (kind) {
    case 'bool':
      if (raw === 'T') return 'true';
      if (raw === 'F') return 'false';
      break;
    case 'integer':
      // Kept as written: counts can pass 2^53, where a JS number would round them.
      if (INTEGER.test(raw)) return raw;
      break;
    case 'real':
      if (REAL.test(raw)) {
        const v = Number(raw);
        if (Number.isFinite(v)) return jsonDouble(v);
      }
      break;
  }
  return JSON.stringify(decodeZeekText(src, s, e));
}

/** rapidjson's Double(): the shortest round-trip form, with ".0" on whole numbers. */
function jsonDouble(v: number): string {
  const t = String(v);
  return /[.eE]/.test(t) || t === 'Infinity' ? t : `${t}.0`;
}

/**
 * Splits [s, e) on `sep` into at most `n` cells. An IoT-23 style line, whose last tab cell holds
 * several space-separated values (and whose #fields does the same), is split on those spaces
 * so the cells line up with the header's fields.
 */
function splitLine(src: Buffer, s: number, e: number, sep: Buffer, n: number): [number, number][] {
  const cells: [number, number][] = [];
  const s0 = sep[0];
  const sl = sep.length;
  let start = s;
  for (let i = s; i <= e - sl; i++) {
    if (src[i] !== s0) continue;
    let match = true;
    for (let k = 1; k < sl; k++) if (src[i + k] !== sep[k]) match = false;
    if (!match) continue;
    cells.push([start, i]);
    start = i + sl;
    i += sl - 1;
  }
  cells.push([start, e]);
  if (cells.length < n) {
    const [ls, le] = cells[cells.length - 1];
    if (src.indexOf(32, ls) !== -1 && src.indexOf(32, ls) < le) {
      cells.pop();
      let p = ls;
      while (p < le) {
        while (p < le && src[p] === 32) p++;
        if (p >= le) break;
        let q = p;
        while (q < le && src[q] !== 32) q++;
        cells.push([p, q]);
        p = q;
      }
    }
  }
  return cells;
}

/** Splits a container value on the set separator (escaped separators inside values are \xNN). */
function splitEscaped(src: Buffer, s: number, e: number, setSep: string): [number, number][] {
  const sep = Buffer.from(setSep, 'utf8');
  const parts: [number, number][] = [];
  let start = s;
  for (let i = s; i <= e - sep.length; i++) {
    let match = true;
    for (let k = 0; k < sep.length; k++) if (src[i + k] !== sep[k]) match = false;
    if (!match) continue;
    parts.push([start, i]);
    start = i + sep.length;
    i += sep.length - 1;
  }
  parts.push([start, e]);
  return parts;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
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
  const bytes: number[] = [];
  for (let i = s; i < e; i++) {
    const c = src[i];
    if (c === 92 && i + 3 < e && src[i + 1] === 120) {
      const h = hexValue(src[i + 2]);
      const l = hexValue(src[i + 3]);
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 3;
        continue;
      }
    }
    bytes.push(c);
  }
  return utf8OrEscaped(bytes);
}

function utf8OrEscaped(b: number[]): string {
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
