// The WASM TSV writer must give formatZeekRecords' bytes exactly, for every score (the digit
// rendering is re-implemented there operation by operation) and every layout it is given.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmZeekLines } from '../src/output/wasm-lines.js';
import { formatZeekRecords } from '../src/output/zeek-writer.js';
import type { RecordBatch, ZeekHeader } from '../src/zeek/types.js';
import { batchOf, fixture } from './output-fixture.js';

const writer = new WasmZeekLines();

function header(separator = '\t', unsetField = '-'): ZeekHeader {
  return {
    format: 'tsv', separator, setSeparator: ',', emptyField: '(empty)', unsetField,
    path: 'conn', open: null, fields: ['a', 'b'], types: ['string', 'string'], directives: [],
  };
}

/** A batch over `lines` joined by "\n", each line a record, starting `lead` bytes into the source. */
function batchOfLines(lines: string[], h: ZeekHeader, lead = 0): RecordBatch {
  const text = ' '.repeat(lead) + lines.join('\n') + '\n';
  const source = new TextEncoder().encode(text);
  const starts = new Uint32Array(lines.length);
  const ends = new Uint32Array(lines.length);
  let p = lead;
  lines.forEach((line, i) => {
    const n = new TextEncoder().encode(line).length;
    starts[i] = p;
    ends[i] = p + n;
    p += n + 1;
  });
  return {
    header: h, length: lines.length, source, starts, ends,
    lines: Float64Array.from(lines, (_, i) => i + 1), numbers: new Map(), strings: new Map(),
  };
}

function same(batch: RecordBatch, scores: Float64Array, flags: Uint8Array | null): void {
  const js = formatZeekRecords(batch, scores, flags);
  const wasm = writer.format(batch, scores, flags);
  expect(Buffer.from(wasm).toString('latin1')).toBe(Buffer.from(js).toString('latin1'));
}

// Scores where rounding to 6 decimals is decided: exact halves (k/128 × 1e6 ends in .5, and the
// tie goes to the odd neighbour), carries into the whole part, values just around 2^31, and those
// the kernel hands back (exponent form).
const EDGES = [
  1 / 128, 3 / 128, 5 / 128, 5 + 1 / 128, 77 + 3 / 128, 127 / 128,
  0, -0, 1, 0.5, 0.1, 1e-7, 4e-7, 5e-7, 6e-7, 0.0000005, 0.0000015, 0.0000025, 0.9999995, 0.99999949,
  1.0000003, 2.5, 12.3456785, 123456.1234565, 2147483646.9999996, 2147483647, 2147483647.0000002,
  2147483648, 3e9, -3e9, -1.5, -0.0000004, Infinity, -Infinity, NaN, 0.49999999999999994,
  Number.MIN_VALUE, 1e21, 0.6931471805599453,
];

describe('WasmZeekLines', () => {
  it('gives formatZeekRecords\' bytes for a real conn.log, with and without flags', () => {
    const batch = batchOf(fixture('zat-conn.log'));
    const scores = Float64Array.from({ length: batch.length }, (_, i) => (i * 0.618033988749895) % 1);
    same(batch, scores, null);
    same(batch, scores, Uint8Array.from(scores, (s) => (s > 0.5 ? 1 : 0)));
  });

  it('renders every edge score as formatZeekRecords does, unset and flags included', () => {
    const lines = EDGES.map((_, i) => `line${i}\tx`);
    const scores = Float64Array.from(EDGES);
    const flags = Uint8Array.from(EDGES, (_, i) => i & 1);
    for (const h of [header(), header('\t', '(unset)'), header('|', '')]) {
      same(batchOfLines(lines, h), scores, flags);
      same(batchOfLines(lines, h, 5), scores, null);
    }
  });

  it('falls back to formatZeekRecords for a separator of several bytes', () => {
    const batch = batchOfLines(['a::b', 'c::d'], header('::'));
    same(batch, Float64Array.of(0.25, NaN), Uint8Array.of(1, 0));
  });

  it('writes into the caller\'s buffer when it is big enough, else into a new one', () => {
    const batch = batchOfLines(['a\tb', 'c\td'], header());
    const scores = Float64Array.of(0.5, 0.75);
    const big = new Uint8Array(100);
    const view = writer.format(batch, scores, null, big);
    expect(view.buffer).toBe(big.buffer);
    expect(Buffer.from(view).toString()).toBe('a\tb\t0.5\nc\td\t0.75\n');
    const small = new Uint8Array(3);
    expect(writer.format(batch, scores, null, small).buffer).not.toBe(small.buffer);
  });

  it('gives formatZeekRecords\' bytes for any lines and scores (property)', () => {
    const score = fc.oneof(fc.double(), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...EDGES));
    const line = fc.string({ unit: fc.constantFrom('a', 'é', '\t', ' ', '-', '9'), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(line, score, fc.boolean()), { minLength: 1, maxLength: 40 }), fc.boolean(), fc.nat(9), (rows, withFlags, lead) => {
        const batch = batchOfLines(rows.map((r) => r[0]), header(), lead);
        const scores = Float64Array.from(rows, (r) => r[1]);
        same(batch, scores, withFlags ? Uint8Array.from(rows, (r) => (r[2] ? 1 : 0)) : null);
      }),
      { numRuns: 300 },
    );
  });
});
