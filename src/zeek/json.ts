// Records of Zeek's JSON format (one object per line) into the same typed columns as TSV, so that
// one log gives the same records in either format:
// - keys are Zeek names with dots ("id.orig_h"); a nested object is looked up along the dots too;
// - a missing key (or null) is unset;
// - 'number': JSON numbers as they are, true/false as 1/0, strings holding a number or an ISO-8601
//   time (the streaming flavour's ts and _write_ts) as that number; but conn.log's count and port
//   fields (JSON_COUNT_FIELDS) take whole numbers in range only, as in TSV, and its bools
//   (JSON_BOOL_FIELDS) true or false;
// - 'string': text as it is, numbers as JS prints them, true/false as "T"/"F", arrays joined with
//   "," (Zeek's TSV set separator), an empty array as "" (TSV's "(empty)").

import { Buffer } from 'node:buffer';
import { BatchBuilder } from './batch.js';
import { ChunkContext } from './context.js';
import { jsonHeader } from './header.js';
import { MAX_PORT, beyondUint64, parseIsoTime, parseNumberText } from './numbers.js';
import { scopedWithUnderscore } from './field-names.js';
import type { ZeekHeader } from './types.js';

/** Per-batch state: the keys seen, in first-seen order, and the log's `_path`. */
export class JsonBatchState {
  readonly keys = new Set<string>();
  path: string | null = null;

  header(): ZeekHeader {
    const h = jsonHeader(this.path ?? '');
    h.fields = [...this.keys];
    h.types = h.fields.map(() => '');
    return h;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function lookup(obj: { [k: string]: Json }, name: string): Json | undefined {
  if (Object.hasOwn(obj, name)) return obj[name];
  if (!name.includes('.')) return undefined;
  // Zeek's scope separator set to "_" (see field-names.ts).
  const scoped = scopedWithUnderscore(name);
  if (Object.hasOwn(obj, scoped)) return obj[scoped];
  let cur: Json | undefined = obj;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) {
      return undefined;
    }
    cur = cur[part];
  }
  return cur;
}

function describe(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

function asText(v: Json): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map((x) => (x === null ? '-' : asText(x))).join(',');
  return v === null ? '-' : JSON.stringify(v);
}

/**
 * Zeek's JSON writer leaves the types out. These are the types of conn.log's count and port fields
 * (Zeek's conn_id and Conn::Info), which the conn features read: a JSON log is held to the rules
 * of their TSV columns, a whole number from 0 to 65535 or 2^64 − 1, so that `"orig_bytes": true`
 * or a port of 70000 is rejected in either format instead of read as some number.
 */
const JSON_COUNT_FIELDS = new Map<string, 'count' | 'port'>([
  ['id.orig_p', 'port'], ['id.resp_p', 'port'],
  ...['orig_bytes', 'resp_bytes', 'missed_bytes', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes'].map((f) => [f, 'count'] as [string, 'count']),
]);

/**
 * conn.log's bool fields: true or false, as Zeek's JSON writer gives them (or T, F, 1 and 0, as
 * its TSV holds them). Any other number or text is rejected, as a TSV bool is.
 */
const JSON_BOOL_FIELDS = new Set(['local_orig', 'local_resp']);

/** 1 or 0 for a bool field's value, NaN for anything that is none. */
function boolValue(v: Json): number {
  if (v === true || v === 1 || v === 'T' || v === '1') return 1;
  if (v === false || v === 0 || v === 'F' || v === '0') return 0;
  return NaN;
}

/** 2^64 as a double: the nearest double to 2^64 − 1, and so the largest a JSON count can be read as. */
const TWO_TO_64 = 2 ** 64;

const typesOf = new WeakMap<readonly string[], ('count' | 'port' | undefined)[]>();

/** The count or port type of each requested number column (undefined for the others), made once per request. */
function countTypes(numNames: readonly string[]): ('count' | 'port' | undefined)[] {
  let t = typesOf.get(numNames);
  if (t === undefined) typesOf.set(numNames, (t = numNames.map((n) => JSON_COUNT_FIELDS.get(n))));
  return t;
}

/** Set by countValue when a value is no count or port: the counting class and the reason ('' when fine). */
let badKind = '';
let badReason = '';

function shown(v: number | string | boolean): string {
  // String(-0) is "0": a count of -0 would be rejected as "not a count: 0".
  if (Object.is(v, -0)) return '-0';
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) + (v.length > 40 ? '…' : '') : String(v);
}

/**
 * The value of a count or port field; NaN with badKind and badReason set when it is none. JSON
 * numbers are doubles, so a count is checked against 2^64 (2^64 − 1 reads as that double); a
 * string, which some exporters write, must be digits, as in TSV, and is checked digit by digit.
 */
function countValue(v: number | string | boolean, type: 'count' | 'port'): number {
  let x: number;
  if (typeof v === 'string') {
    if (v === '') return NaN;
    if (!/^[0-9]+$/.test(v)) {
      badKind = 'bad number';
      badReason = `not a ${type}: ${shown(v)}`;
      return NaN;
    }
    x = type === 'count' && beyondUint64(Buffer.from(v, 'latin1'), 0, v.length) ? Infinity : Number(v);
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && !Object.is(v, -0)) {
    x = v;
  } else {
    badKind = 'bad number';
    badReason = `not a ${type}: ${shown(v)}`;
    return NaN;
  }
  if (type === 'port' ? x > MAX_PORT : x > TWO_TO_64) {
    badKind = 'out of range';
    badReason = type === 'port' ? `port out of range (0–${MAX_PORT}): ${shown(v)}` : `count beyond 2^64 − 1: ${shown(v)}`;
    return NaN;
  }
  return x;
}

/** What a JSON line turned out to be, so the caller can batch by `_path`. */
export type JsonLine = { kind: 'object'; value: { [k: string]: Json }; path: string | null } | { kind: 'done' };

/**
 * Parses the JSON text of one line (b[s, e), no line end). Returns the object, or 'done' when the
 * line was rejected (already reported to ctx).
 */
export function readJsonObject(ctx: ChunkContext, s: number, e: number, lineNo: number, hasEol: boolean): JsonLine {
  let value: unknown;
  try {
    value = JSON.parse(ctx.buf.toString('utf8', s, e));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    ctx.reject(lineNo, null, 'bad JSON', `not valid JSON (${why})` + ChunkContext.truncatedHint(hasEol));
    return { kind: 'done' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.reject(lineNo, null, 'bad JSON', `expected a JSON object, found ${describe(value as Json)}`);
    return { kind: 'done' };
  }
  const obj = value as { [k: string]: Json };
  const p = Object.hasOwn(obj, '_path') ? obj._path : undefined;
  return { kind: 'object', value: obj, path: typeof p === 'string' ? p : null };
}

/** Writes one parsed JSON record into `out`; false (and reported) if a requested value is bad. */
export function addJsonRecord(
  ctx: ChunkContext,
  state: JsonBatchState,
  out: BatchBuilder,
  obj: { [k: string]: Json },
  lineNo: number,
  start: number,
  end: number,
): boolean {
  out.reserve();
  const n = out.length;
  const numNames = out.numNames;
  const types = countTypes(numNames);
  for (let j = 0; j < numNames.length; j++) {
    const name = numNames[j];
    const v = lookup(obj, name);
    const type = types[j];
    let x: number;
    if (v === undefined || v === null) x = NaN;
    else if (JSON_BOOL_FIELDS.has(name)) {
      x = boolValue(v);
      if (x !== x) {
        ctx.reject(lineNo, name, 'bad bool', `expected true or false, found ${typeof v === 'object' ? describe(v) : shown(v)}`);
        return false;
      }
    } else if (type !== undefined && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) {
      x = countValue(v, type);
      if (badKind !== '') {
        const kind = badKind;
        badKind = ''; // before reject(), which throws in strict mode
        ctx.reject(lineNo, name, kind, badReason);
        return false;
      }
    } else if (typeof v === 'number') x = v;
    else if (typeof v === 'boolean') x = v ? 1 : 0;
    else if (typeof v === 'string') {
      x = v === '' ? NaN : parseNumberText(v);
      if (x !== x && v !== '') x = parseIsoTime(v);
      if (x !== x && v !== '' && v.toLowerCase() !== 'nan') {
        ctx.reject(lineNo, name, 'bad number', `not a number: ${JSON.stringify(v.slice(0, 40))}`);
        return false;
      }
    } else {
      ctx.reject(lineNo, name, 'bad number', `expected a number, found ${describe(v)}`);
      return false;
    }
    out.num[j][n] = x;
  }
  const strNames = out.strNames;
  for (let j = 0; j < strNames.length; j++) {
    const v = lookup(obj, strNames[j]);
    out.str[j][n] = v === undefined || v === null ? null : asText(v);
  }
  for (const k in obj) if (!state.keys.has(k)) state.keys.add(k);
  out.commit(lineNo, start, end);
  return true;
}
