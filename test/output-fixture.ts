// A minimal RecordBatch builder for the output tests: one header block per file, every
// non-directive line a record. The real readers live in src/zeek/; the writers' tests build their
// input here so they test the writers alone.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordBatch, ZeekHeader } from '../src/zeek/types.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/output/', import.meta.url));

function unescapeHex(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function headerOf(lines: string[]): ZeekHeader {
  const h: ZeekHeader = {
    format: 'tsv', separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-',
    path: '', open: null, fields: [], types: [], directives: [],
  };
  for (const line of lines) {
    const m = /^#separator (.*)$/.exec(line);
    if (m !== null) {
      h.separator = unescapeHex(m[1]);
      h.directives.push(line);
      continue;
    }
    const kw = /^#[a-z_]+/.exec(line)?.[0];
    if (kw === undefined || kw === '#close') continue;
    const rest = line.slice(kw.length + 1);
    const cells = rest.split(h.separator);
    switch (kw) {
      case '#set_separator': h.setSeparator = rest; break;
      case '#empty_field': h.emptyField = rest; break;
      case '#unset_field': h.unsetField = rest; break;
      case '#path': h.path = rest; break;
      case '#open': h.open = rest; break;
      case '#fields': h.fields = cells; break;
      case '#types': h.types = cells; break;
      default: continue;
    }
    h.directives.push(line);
  }
  return h;
}

/** A batch over `text` (a whole log): TSV when it starts with '#', else JSON lines. */
export function batchOf(text: string, header?: ZeekHeader): RecordBatch {
  const source = new TextEncoder().encode(text);
  const lines = text.split('\n');
  const json = !text.startsWith('#');
  const h = header ?? (json
    ? { format: 'json' as const, separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-',
        path: '', open: null, fields: Object.keys(JSON.parse(lines[0]) as object), types: [], directives: [] }
    : headerOf(lines.filter((l) => l.startsWith('#'))));
  return batchOfBytes(source, h);
}

/** A batch over log bytes under `header`: every line that is not empty or a directive is a record. */
export function batchOfBytes(source: Uint8Array, header: ZeekHeader): RecordBatch {
  const starts: number[] = [];
  const ends: number[] = [];
  const lineNos: number[] = [];
  let start = 0;
  for (let line = 1; start < source.length; line++) {
    let end = source.indexOf(10, start);
    if (end < 0) end = source.length;
    if (end > start && source[start] !== 0x23) {
      starts.push(start);
      ends.push(end);
      lineNos.push(line);
    }
    start = end + 1;
  }
  return {
    header,
    length: starts.length,
    lines: Float64Array.from(lineNos),
    source,
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    numbers: new Map(),
    strings: new Map(),
  };
}

export function fixture(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** The raw text of record i. */
export function recordText(b: RecordBatch, i: number): string {
  return new TextDecoder().decode(b.source.subarray(b.starts[i], b.ends[i]));
}
