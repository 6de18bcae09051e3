// Records of Zeek's TSV format into typed columns. This is the hot path (target ≥ 300 MB/s per
// core): one pass over each line's bytes finds the separators, the line end and any control byte;
// numbers are parsed from the bytes; text is made only for requested string columns.

import { Buffer } from 'node:buffer';
import { BatchBuilder } from './batch.js';
import { ChunkContext, quote } from './context.js';
import { spacedTail } from './header.js';
import { parseIsoTime, parseNumberBytes } from './numbers.js';
import { cachedValue } from './strings.js';
import type { ZeekHeader } from './types.js';

// How a requested 'number' column reads its field, decided from the field's Zeek type.
const NUMERIC = 0; // count, int, double, interval, port, or no #types line: must parse
const TIME = 1; // like NUMERIC, and an ISO-8601 string is accepted too
const BOOL = 2; // T / F (and 1 / 0, as Zeek's own reader accepts)
const LENIENT = 3; // addr, string, set… : a number if it reads as one, else NaN, never a rejection

const NUMERIC_TYPES = new Set(['count', 'int', 'double', 'interval', 'port', 'counter', '']);

function numberMode(type: string): number {
  if (type === 'time') return TIME;
  if (type === 'bool') return BOOL;
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
  /** Scratch results of the multi-byte separator scan (no allocation per line). */
  lastCount: number;
  lastCtrl: number;
}

const plans = new WeakMap<ZeekHeader, { numNames: readonly string[]; strNames: readonly string[]; plan: TsvPlan }>();

export function tsvPlan(header: ZeekHeader, numNames: readonly string[], strNames: readonly string[]): TsvPlan {
  const hit = plans.get(header);
  if (hit !== undefined && hit.numNames === numNames && hit.strNames === strNames) return hit.plan;
  const index = new Map<string, number>();
  header.fields.forEach((f, i) => {
    if (!index.has(f)) index.set(f, i);
  });
  const sepBytes = Buffer.from(header.separator, 'latin1');
  const tail = spacedTail(header);
  const plan: TsvPlan = {
    header,
    nFields: header.fields.length,
    sep: sepBytes.length === 1 ? sepBytes[0] : -1,
    sepBytes,
    unset: Buffer.from(header.unsetField, 'latin1'),
    empty: Buffer.from(header.emptyField, 'latin1'),
    numField: Int32Array.from(numNames, (n) => index.get(n) ?? -1),
    numMode: Uint8Array.from(numNames, (n) => numberMode(header.types[index.get(n) ?? -1] ?? '')),
    strField: Int32Array.from(strNames, (n) => index.get(n) ?? -1),
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
 * applies directives) or the end of the chunk. Returns the position after the last line used;
 * `ctx.line` is advanced by the lines consumed.
 */
export function parseTsvRun(
  ctx: ChunkContext,
  plan: TsvPlan,
  out: BatchBuilder,
  pos: number,
  end: number,
  line: number,
): { pos: number; line: number } {
  const b = ctx.buf;
  const { nFields, sep, fs, fe, numField, numMode, strField, unset, empty } = plan;
  const cap = fs.length - 1;
  const maxLine = ctx.maxLineBytes;
  const nNum = numField.length;
  const nStr = strField.length;
  const unset0 = unset.length === 1 ? unset[0] : -1;

  while (pos < end) {
    const start = pos;
    if (b[start] === 0x23) break; // '#': a directive, the caller's business

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
    pos = hasEol ? eol + 1 : end;
    const lineNo = line++;
    let contentEnd = eol;
    if (contentEnd > start && b[contentEnd - 1] === 0x0d) contentEnd--;
    if (nf < cap) fe[nf] = contentEnd;

    if (eol - start > maxLine) {
      ctx.reject(lineNo, null, 'line too long', `line longer than the limit of ${maxLine} bytes`);
      continue;
    }
    if (contentEnd === start) {
      ctx.headerLines++;
      continue;
    }
    if (ctrl >= 0 && ctrl < contentEnd) {
      ctx.reject(
        lineNo,
        null,
        'binary data',
        `control byte 0x${b[ctrl].toString(16).padStart(2, '0')} at byte ${ctrl - start + 1} (not Zeek TSV text)`,
      );
      continue;
    }
    let count = nf + 1;
    if (count !== nFields && plan.tail !== null && count === plan.tail.from + 1) {
      count = splitTail(plan, b, nf);
    }
    if (count !== nFields) {
      ctx.reject(
        lineNo,
        null,
        'field count',
        `expected ${nFields} fields, found ${count}` + ChunkContext.truncatedHint(hasEol),
      );
      continue;
    }

    out.reserve();
    const n = out.length;
    let ok = true;
    for (let j = 0; j < nNum; j++) {
      const col = out.num[j];
      const f = numField[j];
      if (f < 0) {
        col[n] = NaN;
        continue;
      }
      const s = fs[f];
      const e = fe[f];
      if (unset0 >= 0 ? e - s === 1 && b[s] === unset0 : same(b, s, e, unset)) {
        col[n] = NaN;
        continue;
      }
      if (same(b, s, e, empty)) {
        col[n] = NaN;
        continue;
      }
      const mode = numMode[j];
      if (mode === BOOL) {
        const c = e - s === 1 ? b[s] : 0;
        if (c === 0x54 || c === 0x31) col[n] = 1;
        else if (c === 0x46 || c === 0x30) col[n] = 0;
        else {
          ctx.reject(lineNo, plan.header.fields[f], 'bad bool', `expected T or F, found ${quote(b, s, e)}`);
          ok = false;
          break;
        }
        continue;
      }
      let v = parseNumberBytes(b, s, e);
      if (v !== v && mode !== LENIENT) {
        if (mode === TIME) v = parseIsoTime(b.toString('latin1', s, e));
        if (v !== v && !isNanText(b, s, e)) {
          ctx.reject(
            lineNo,
            plan.header.fields[f],
            'bad number',
            `not a number: ${quote(b, s, e)}` + ChunkContext.truncatedHint(hasEol),
          );
          ok = false;
          break;
        }
      }
      col[n] = v;
    }
    if (!ok) continue;
    for (let j = 0; j < nStr; j++) {
      const col = out.str[j];
      const f = strField[j];
      if (f < 0) {
        col[n] = null;
        continue;
      }
      const s = fs[f];
      const e = fe[f];
      if (unset0 >= 0 ? e - s === 1 && b[s] === unset0 : same(b, s, e, unset)) col[n] = null;
      else if (same(b, s, e, empty)) col[n] = '';
      else col[n] = cachedValue(b, s, e);
    }
    out.commit(lineNo, start, contentEnd);
  }
  return { pos, line };
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
  for (;;) {
    const q = b.indexOf(sep, p);
    if (q < 0 || q + sep.length > end) break;
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
  for (;;) {
    const q = b.indexOf(sepBytes, p);
    if (q < 0 || q + sepBytes.length > eol) break;
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
