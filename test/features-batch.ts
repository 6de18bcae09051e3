// Test-only RecordBatch builders for the feature tests, independent of the reader under
// construction in src/zeek/ (so a reader bug cannot hide a feature bug, and vice versa).

import type { ColumnRequest, RecordBatch, ZeekHeader } from '../src/zeek/types.js';

export function header(fields: string[], types: string[] = fields.map(() => '')): ZeekHeader {
  return {
    format: 'tsv',
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    path: 'conn',
    open: null,
    fields,
    types,
    directives: [],
  };
}

export type Row = Record<string, number | string | boolean | null | undefined>;

/**
 * A batch from objects, as the reader would give it for `columns`: a key missing from a row, or
 * a column missing from every row, is unset (NaN / null); booleans become 1 / 0.
 */
export function batchOf(rows: Row[], columns: ColumnRequest[], firstLine = 1, fields?: string[]): RecordBatch {
  const n = rows.length;
  const numbers = new Map<string, Float64Array>();
  const strings = new Map<string, (string | null)[]>();
  for (const c of columns) {
    if (c.kind === 'number') {
      const a = new Float64Array(n).fill(NaN);
      rows.forEach((r, i) => {
        const v = r[c.name];
        if (typeof v === 'number') a[i] = v;
        else if (typeof v === 'boolean') a[i] = v ? 1 : 0;
      });
      numbers.set(c.name, a);
    } else {
      strings.set(
        c.name,
        rows.map((r) => {
          const v = r[c.name];
          return v === undefined || v === null ? null : String(v);
        }),
      );
    }
  }
  const allFields = fields ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return {
    header: header(allFields),
    length: n,
    lines: Float64Array.from(rows, (_, i) => firstLine + i),
    source: new Uint8Array(0),
    starts: new Uint32Array(n),
    ends: new Uint32Array(n),
    numbers,
    strings,
  };
}

/** Splits a batch's records [from, to) into a new batch (same header). */
export function sliceBatch(b: RecordBatch, from: number, to: number): RecordBatch {
  const numbers = new Map<string, Float64Array>();
  const strings = new Map<string, (string | null)[]>();
  for (const [k, v] of b.numbers) numbers.set(k, v.slice(from, to));
  for (const [k, v] of b.strings) strings.set(k, v.slice(from, to));
  return {
    ...b,
    length: to - from,
    lines: b.lines.slice(from, to),
    starts: b.starts.slice(from, to),
    ends: b.ends.slice(from, to),
    numbers,
    strings,
  };
}

/**
 * A deliberately small Zeek TSV parser for embedded excerpts of real logs: one header block,
 * tab separator, `-` unset, `(empty)` empty, T/F booleans. Not the project's reader.
 */
export function parseTsv(text: string, columns: ColumnRequest[]): RecordBatch {
  let fields: string[] = [];
  let types: string[] = [];
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const parts = line.split('\t');
      if (parts[0] === '#fields') fields = parts.slice(1);
      if (parts[0] === '#types') types = parts.slice(1);
      continue;
    }
    const values = line.split('\t');
    const row: Row = {};
    fields.forEach((f, i) => {
      const v = values[i];
      if (v === undefined || v === '-') return;
      const t = types[i] ?? '';
      if (t === 'bool') row[f] = v === 'T';
      else if (['time', 'interval', 'count', 'int', 'double', 'port'].includes(t)) row[f] = Number(v);
      else row[f] = v === '(empty)' ? '' : v;
    });
    rows.push(row);
  }
  const b = batchOf(rows, columns, 1, fields);
  b.header.types = types;
  return b;
}
