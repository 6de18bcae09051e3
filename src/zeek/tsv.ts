// Records of Zeek's TSV format into typed columns. This is the hot path (target ≥ 300 MB/s per
// core): one pass over each line's bytes finds the separators, the line end and any control byte;
// numbers are parsed from the bytes; text is made only for requested string columns.

import { Buffer } from 'node:buffer';
import { BatchBuilder } from './batch.js';
import { ChunkContext, quote } from './context.js';
import { spacedTail } from './header.js';
import { fieldIndex } from './field-names.js';
import { MAX_PORT, beyondUint64, parseIsoTime, parseNumberBytes } from './numbers.js';
import { cachedValue } from './strings.js';
import type { ZeekHeader } from './types.js';

// How a requested 'number' column reads its field, decided from the field's Zeek type.
const NUMERIC = 0; // count, int, double, interval, port, or no #types line: must parse
const TIME = 1; // like NUMERIC, and an ISO-8601 string is accepted too
const BOOL = 2; // T / F (and 1 / 0, as Zeek's own reader accepts)
const LENIENT = 3; // addr, string, set… : a number if it reads as one, else NaN, never a rejection
// count, counter (Bro's): digits only, at most 2^64 − 1 (Zeek's counts are uint64). Zeek writes
// nothing else there, so `-5`, `5.5`, `1e3`, `+5`, `NaN`, `inf` or 2^64 in one is a damaged line,
// rejected instead of read as some number.
const COUNT = 4;
// port: digits only, at most 65535, for the same reason.
const PORT = 5;

/** Modes another parser of the fast path must handle like parseTsvFast (see TsvAccelerator). */
export const TSV_MODES = { NUMERIC, TIME, BOOL, LENIENT, COUNT, PORT } as const;

const NUMERIC_TYPES = new Set(['int', 'double', 'interval', '']);
const COUNT_TYPES = new Set(['count', 'counter']);

function numberMode(type: string): number {
  if (type === 'time') return TIME;
  if (type === 'bool') return BOOL;
  if (type === 'port') return PORT;
  if (COUNT_TYPES.has(type)) return COUNT;
  return NUMERIC_TYPES.has(type) ? NUMERIC : LENIENT;
}

/** A header compiled against a column request. */
export interface TsvPlan {
  header: ZeekHeader;
  nFields: number;
  /** The separator byte, or -1 when the separator is longer than one byte. */
  sep: number;
  sepBytes: Buffer;
  unset: Buffer;
  empty: Buffer;
  numField: Int32Array;
  numMode: Uint8Array;
  strField: Int32Array;
  tail: { from: number; separator: Buffer } | null;
  /** Field start and end offsets of the line being parsed (scratch). */
  fs: Int32Array;
  fe: Int32Array;
  /**
   * For the fast path, per field: -1 not requested, j ≥ 0 number column j, -2 - j string column j.
   * Null when the fast path does not apply to this header and request.
   */
  act: Int32Array | null;
  /** Requested columns whose field this header lacks (always NaN / null). */
  absentNum: Int32Array;
  absentStr: Int32Array;
  /** Scratch results of the multi-byte separator scan (no allocation per line). */
  lastCount: number;
  lastCtrl: number;
}

const plans = new WeakMap<ZeekHeader, { numNames: readonly string[]; strNames: readonly string[]; plan: TsvPlan }>();

export function tsvPlan(header: ZeekHeader, numNames: readonly string[], strNames: readonly string[]): TsvPlan {
  const hit = plans.get(header);
  if (hit !== undefined && hit.numNames === numNames && hit.strNames === strNames) return hit.plan;
  const index = new Map<string, number>();
  for (const n of [...numNames, ...strNames]) index.set(n, fieldIndex(header.fields, n));
  const sepBytes = Buffer.from(header.separator, 'latin1');
  const tail = spacedTail(header);
  const numField = Int32Array.from(numNames, (n) => index.get(n)!);
  const strField = Int32Array.from(strNames, (n) => index.get(n)!);
  let act: Int32Array | null = new Int32Array(header.fields.length).fill(-1);
  numField.forEach((f, j) => {
    if (f >= 0) act![f] = j;
  });
  for (const [j, f] of strField.entries()) {
    if (f < 0) continue;
    if (act[f] !== -1) act = null; // the same field as a number and a string
    if (act === null) break;
    act[f] = -2 - j;
  }
  if (sepBytes.length !== 1 || sepBytes[0] >= 0x20 || tail !== null || header.fields.length === 0) act = null;
  const plan: TsvPlan = {
    header,
    nFields: header.fields.length,
    sep: sepBytes.length === 1 ? sepBytes[0] : -1,
    sepBytes,
    unset: Buffer.from(header.unsetField, 'latin1'),
    empty: Buffer.from(header.emptyField, 'latin1'),
    numField,
    numMode: Uint8Array.from(numNames, (n) => numberMode(header.types[index.get(n)!] ?? '')),
    strField,
    act,
    absentNum: Int32Array.from(numField.keys()).filter((j) => numField[j] < 0),
    absentStr: Int32Array.from(strField.keys()).filter((j) => strField[j] < 0),
    tail: tail === null ? null : { from: tail.from, separator: Buffer.from(tail.separator, 'latin1') },
    fs: new Int32Array(header.fields.length + 2),
    fe: new Int32Array(header.fields.length + 2),
    lastCount: 0,
    lastCtrl: -1,
  };
  plans.set(header, { numNames, strNames, plan });
  return plan;
}

function same(b: Buffer, s: number, e: number, pat: Buffer): boolean {
  const n = pat.length;
  if (e - s !== n) return false;
  for (let k = 0; k < n; k++) if (b[s + k] !== pat[k]) return false;
  return true;
}

/**
 * Parses TSV lines from `pos` up to the first line that starts with '#' (left for the caller, who
 * applies directives), the end of the chunk, or a full batch. Returns the position after the last
 * line used; ctx.line has moved past the lines used.
 */
export function parseTsvRun(
  ctx: ChunkContext,
  plan: TsvPlan,
  out: BatchBuilder,
  pos: number,
  end: number,
  faster: TsvAccelerator | null = null,
): number {
  if (plan.act !== null) {
    if (faster !== null && faster.takes(plan)) return faster.run(ctx, plan, plan.act, out, pos, end);
    return parseTsvFast(ctx, plan, plan.act, out, pos, end);
  }
  const b = ctx.buf;
  while (pos < end && b[pos] !== 0x23 && !out.full) pos = parseTsvLine(ctx, plan, out, pos, end, ctx.line++);
  return pos;
}

/**
 * Another implementation of parseTsvFast (src/zeek/wasm-tsv.ts: in WebAssembly): it must give the
 * same records, and leave every line it does not take to parseTsvLine.
 */
export interface TsvAccelerator {
  /** Whether run() can take this plan (parseTsvRun then calls run instead of parseTsvFast). */
  takes(plan: TsvPlan): boolean;
  run(ctx: ChunkContext, plan: TsvPlan, act: Int32Array, out: BatchBuilder, pos: number, end: number): number;
}

/** A requested string field's value, as parseTsvFast reads it: null for unset, '' for empty. */
export function tsvString(plan: TsvPlan, b: Buffer, s: number, e: number): string | null {
  const { unset, empty } = plan;
  if (unset.length === 1 ? e - s === 1 && b[s] === unset[0] : same(b, s, e, unset)) return null;
  return same(b, s, e, empty) ? '' : cachedValue(b, s, e);
}

// What numberValue found wrong with a value: BAD_TEXT, it is not of its type at all; OUT_OF_RANGE, a
// count or port whose digits are too large for it. 0 (falsy) while nothing is wrong.
const BAD_TEXT = 1;
const OUT_OF_RANGE = 2;

/** Set by numberValue when a value does not read as its type (BAD_TEXT, OUT_OF_RANGE), else 0. */
let badValue = 0;

/**
 * The number in field b[s, e) of a column read in `mode`: NaN for unset and empty; sets badValue
 * (and returns NaN) when the text is not a number of that kind.
 */
function numberValue(plan: TsvPlan, b: Buffer, s: number, e: number, mode: number): number {
  if (same(b, s, e, plan.unset) || same(b, s, e, plan.empty)) return NaN;
  if (mode === COUNT || mode === PORT) {
    let digits = e > s;
    for (let i = s; i < e && digits; i++) digits = b[i] >= 0x30 && b[i] <= 0x39;
    if (!digits) {
      badValue = BAD_TEXT;
      return NaN;
    }
    const v = parseNumberBytes(b, s, e);
    if (mode === PORT ? v > MAX_PORT : beyondUint64(b, s, e)) {
      badValue = OUT_OF_RANGE;
      return NaN;
    }
    return v;
  }
  if (mode === BOOL) {
    const c = e - s === 1 ? b[s] : 0;
    if (c === 0x54 || c === 0x31) return 1;
    if (c === 0x46 || c === 0x30) return 0;
    badValue = BAD_TEXT;
    return NaN;
  }
  let v = parseNumberBytes(b, s, e);
  if (v !== v && mode !== LENIENT) {
    if (mode === TIME) v = parseIsoTime(b.toString('latin1', s, e));
    if (v !== v && !isNanText(b, s, e)) badValue = BAD_TEXT;
  }
  return v;
}

/** The counting class and the reason of a value numberValue found wrong (badValue `bad`). */
function badValueReason(plan: TsvPlan, field: number, mode: number, bad: number): { kind: string; reason: string } {
  const type = plan.header.types[field];
  if (bad === OUT_OF_RANGE) {
    return { kind: 'out of range', reason: mode === PORT ? `port out of range (0–${MAX_PORT}): ` : `${type} beyond 2^64 − 1: ` };
  }
  if (mode === BOOL) return { kind: 'bad bool', reason: 'expected T or F, found ' };
  return { kind: 'bad number', reason: mode === COUNT || mode === PORT ? `not a ${type} (digits only): ` : 'not a number: ' };
}

const MAX_SAFE = 9007199254740991;
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];

/**
 * The fast path, for the common header (a one-byte control separator such as tab, no IoT-23 tail,
 * no field requested twice): walks each line once, field by field, parsing requested numbers
 * while it looks for the separator and skipping unrequested fields with a bare byte loop. A line
 * with any problem (or a blank one) is handed to parseTsvLine, which decides and reports it, so
 * both paths give the same records and the same rejections.
 */
function parseTsvFast(
  ctx: ChunkContext,
  plan: TsvPlan,
  act: Int32Array,
  out: BatchBuilder,
  pos: number,
  end: number,
): number {
  // Nothing but `return pos` may follow the loop: V8 optimizes this function on-stack while the
  // loop runs, before any exit has executed, and then deoptimizes at every exit that does work
  // (returning an object, or storing ctx.line once at the end, cost ~2× overall). So ctx.line is
  // advanced inside the loop.
  const b = ctx.buf;
  const { sep, numMode, absentNum, absentStr, unset, empty } = plan;
  const last = plan.nFields - 1;
  const maxLine = ctx.maxLineBytes;
  const unset0 = unset.length === 1 ? unset[0] : -1;

  while (pos < end) {
    const start = pos;
    const c0 = b[start];
    if (c0 === 0x23 || out.full) break;
    if (c0 === 0x0a || c0 === 0x0d) {
      pos = parseTsvLine(ctx, plan, out, start, end, ctx.line++);
      continue;
    }
    out.reserve();
    const n = out.length;
    const num = out.num;
    const str = out.str;
    let i = start;
    let k = 0;
    let c = 0;
    let bail = false;
    for (;;) {
      const s = i;
      const a = act[k];
      if (a >= 0) {
        const mode = numMode[a];
        let v = NaN;
        let done = false;
        if (b[s] === unset0 && (s + 1 === end || b[s + 1] < 0x20)) {
          // Unset ("-"): the commonest non-number in conn.log.
          i = s + 1;
          c = i < end ? b[i] : 0x0a;
          done = true;
        } else if (mode <= TIME || mode === COUNT || mode === PORT) {
          let m = 0;
          let dot = -1;
          for (; i < end; i++) {
            c = b[i];
            const d = c - 0x30;
            if (d >= 0 && d <= 9) m = m * 10 + d;
            else if (c === 0x2e && dot < 0 && mode <= TIME) dot = i;
            else break;
          }
          c = i < end ? b[i] : 0x0a;
          if (c < 0x20) {
            const digits = i - s - (dot < 0 ? 0 : 1);
            const frac = dot < 0 ? 0 : i - dot - 1;
            // A count up to 2^53 is in range; a larger one, or a port above 65535, is left to numberValue.
            if (digits > 0 && m <= (mode === PORT ? MAX_PORT : MAX_SAFE) && frac <= 22) {
              v = frac === 0 ? m : m / POW10[frac];
              done = true;
            }
          }
        }
        if (!done) {
          for (; i < end; i++) {
            c = b[i];
            if (c < 0x20) break;
          }
          c = i < end ? b[i] : 0x0a;
          v = numberValue(plan, b, s, i, mode);
          if (badValue) {
            badValue = 0;
            bail = true;
            break;
          }
        }
        num[a][n] = v;
      } else {
        for (; i < end; i++) {
          c = b[i];
          if (c < 0x20) break;
        }
        c = i < end ? b[i] : 0x0a;
        if (a < -1) {
          str[-2 - a][n] =
            unset0 >= 0 ? (i - s === 1 && b[s] === unset0 ? null : same(b, s, i, empty) ? '' : cachedValue(b, s, i))
              : same(b, s, i, unset) ? null : same(b, s, i, empty) ? '' : cachedValue(b, s, i);
        }
      }
      if (c !== sep) break;
      if (k === last) {
        bail = true; // more fields than the header
        break;
      }
      i++;
      k++;
    }
    let eol = i;
    const contentEnd = i;
    if (!bail) {
      if (c === 0x0d && (i + 1 === end || b[i + 1] === 0x0a)) eol = i + 1 === end ? end : i + 1;
      else if (c !== 0x0a) bail = true; // a control byte inside a value
      if (k !== last || eol - start > maxLine) bail = true;
    }
    if (bail) {
      pos = parseTsvLine(ctx, plan, out, start, end, ctx.line++);
      continue;
    }
    for (let j = 0; j < absentNum.length; j++) num[absentNum[j]][n] = NaN;
    for (let j = 0; j < absentStr.length; j++) str[absentStr[j]][n] = null;
    out.commit(ctx.line++, start, contentEnd);
    pos = eol < end ? eol + 1 : end;
  }
  return pos;
}

/**
 * One TSV line from `start`, by the general method (find every separator first, then read the
 * requested fields), deciding and reporting every kind of bad line. Returns the next line's start.
 */
export function parseTsvLine(ctx: ChunkContext, plan: TsvPlan, out: BatchBuilder, start: number, end: number, lineNo: number): number {
  const b = ctx.buf;
  const { nFields, sep, fs, fe, numField, numMode, strField, unset, empty } = plan;
  const cap = fs.length - 1;
  const maxLine = ctx.maxLineBytes;

  // One pass: separators, line end, first control byte.
  let nf = 0;
  let ctrl = -1;
  let i = start;
  fs[0] = start;
  if (sep >= 0) {
    for (; i < end; i++) {
      const c = b[i];
      if (c === sep) {
        if (nf < cap) {
          fe[nf] = i;
          fs[nf + 1] = i + 1;
        }
        nf++;
      } else if (c < 0x20) {
        if (c === 0x0a) break;
        if (ctrl < 0) ctrl = i;
      }
    }
  } else {
    i = scanMultiByte(plan, b, start, end);
    nf = plan.lastCount;
    ctrl = plan.lastCtrl;
  }
  const eol = i;
  const hasEol = eol < end;
  const next = hasEol ? eol + 1 : end;
  let contentEnd = eol;
  if (contentEnd > start && b[contentEnd - 1] === 0x0d) contentEnd--;
  if (nf < cap) fe[nf] = contentEnd;

  if (eol - start > maxLine) {
    ctx.reject(lineNo, null, 'line too long', `line longer than the limit of ${maxLine} bytes`);
    return next;
  }
  if (contentEnd === start) {
    ctx.headerLines++;
    return next;
  }
  if (ctrl >= 0 && ctrl < contentEnd) {
    ctx.reject(
      lineNo,
      null,
      'binary data',
      `control byte 0x${b[ctrl].toString(16).padStart(2, '0')} at byte ${ctrl - start + 1} (not Zeek TSV text)`,
    );
    return next;
  }
  let count = nf + 1;
  if (count !== nFields && plan.tail !== null && count === plan.tail.from + 1) {
    count = splitTail(plan, b, nf);
  }
  if (count !== nFields) {
    ctx.reject(lineNo, null, 'field count', `expected ${nFields} fields, found ${count}` + ChunkContext.truncatedHint(hasEol));
    return next;
  }

  out.reserve();
  const n = out.length;
  for (let j = 0; j < numField.length; j++) {
    const f = numField[j];
    if (f < 0) {
      out.num[j][n] = NaN;
      continue;
    }
    const v = numberValue(plan, b, fs[f], fe[f], numMode[j]);
    if (badValue) {
      const { kind, reason } = badValueReason(plan, f, numMode[j], badValue);
      badValue = 0;
      ctx.reject(lineNo, plan.header.fields[f], kind, reason + quote(b, fs[f], fe[f]) + ChunkContext.truncatedHint(hasEol));
      return next;
    }
    out.num[j][n] = v;
  }
  for (let j = 0; j < strField.length; j++) {
    const f = strField[j];
    if (f < 0) {
      out.str[j][n] = null;
      continue;
    }
    const s = fs[f];
    const e = fe[f];
    out.str[j][n] = same(b, s, e, unset) ? null : same(b, s, e, empty) ? '' : cachedValue(b, s, e);
  }
  out.commit(lineNo, start, contentEnd);
  return next;
}

function isNanText(b: Buffer, s: number, e: number): boolean {
  return e - s === 3 && (b[s] | 0x20) === 0x6e && (b[s + 1] | 0x20) === 0x61 && (b[s + 2] | 0x20) === 0x6e;
}

/**
 * IoT-23: the last tab-separated value holds several fields separated by spaces. Splits field
 * `last` in place and returns the new field count.
 */
function splitTail(plan: TsvPlan, b: Buffer, last: number): number {
  const { fs, fe } = plan;
  const sep = plan.tail!.separator;
  const cap = fs.length - 1;
  let nf = last;
  const end = fe[last];
  let p = fs[last];
  // Searches stay inside the value: an unbounded indexOf would scan on through the chunk.
  const value = b.subarray(0, end);
  for (;;) {
    const q = value.indexOf(sep, p);
    if (q < 0) break;
    if (nf + 1 >= cap) return nf + 2; // more than the header has: a field count error anyway
    fe[nf] = q;
    nf++;
    p = q + sep.length;
    fs[nf] = p;
  }
  fe[nf] = end;
  return nf + 1;
}

/** The separator scan for a separator of several bytes: returns the line end. */
function scanMultiByte(plan: TsvPlan, b: Buffer, start: number, end: number): number {
  const { fs, fe, sepBytes } = plan;
  const cap = fs.length - 1;
  let eol = b.indexOf(0x0a, start);
  if (eol < 0 || eol > end) eol = end;
  let ctrl = -1;
  for (let i = start; i < eol; i++) {
    if (b[i] < 0x20 && b[i] !== 0x09) {
      ctrl = i;
      break;
    }
  }
  let nf = 0;
  let p = start;
  const line = b.subarray(0, eol);
  for (;;) {
    const q = line.indexOf(sepBytes, p);
    if (q < 0) break;
    if (nf < cap) {
      fe[nf] = q;
      fs[nf + 1] = q + sepBytes.length;
    }
    nf++;
    p = q + sepBytes.length;
  }
  plan.lastCount = nf;
  plan.lastCtrl = ctrl;
  return eol;
}
