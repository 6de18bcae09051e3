// Property-based tests of the JSON writer on TSV input: whatever bytes a conn log's fields hold,
// every line it writes is UTF-8 that JSON.parse takes, one object per record, with a JSON number
// (or null) in every number field and a boolean (or null) in every bool field; and number text
// comes out as the number the reader reads in it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJsonRecordsBytes } from '../src/output/json-writer.js';
import { connFeatureColumns, parseChunk } from '../src/zeek/index.js';
import { parseIsoTime, parseNumberText } from '../src/zeek/numbers.js';
import type { RecordBatch, ZeekHeader } from '../src/zeek/types.js';
import { batchOfBytes, headerOf } from './output-fixture.js';

// zat's conn.log fields, then extension fields of the other Zeek types and containers.
const FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts',
  'resp_ip_bytes', 'tunnel_parents', '_x.int', '_x.double', '_x.counts', '_x.flags', '_x.times',
];
const TYPES = [
  'time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count',
  'count', 'string', 'bool', 'count', 'string', 'count', 'count', 'count',
  'count', 'table[string]', 'int', 'double', 'set[count]', 'vector[bool]', 'vector[time]',
];

// Text a number or bool field may hold: valid literals, near misses, non-finite values, escapes.
const TRICKY = [
  '0', '1', '-0', '00', '-00', '080', '-05', '011', '+5', '+0', '5.', '.5', '-.5', '5.000', '1.000001', '1e3', '1E-3',
  '1e400', '-1e400', '1e-400', '18446744073709551615', '0018446744073709551615', '9007199254740993', '0x10', '1_000',
  '1..2', '--1', 'NaN', 'nan', 'inf', '-inf', 'Infinity', '-Infinity', 'T', 'F', 'X', 't', 'True', '-', '(empty)', '',
  'XXXXXXXXXX.XXXXXX', 'notatime', '1379288667.706265', '1379288667.000000', '4294967296.000001',
  '2018-03-24T17:15:20.865716Z', '2018-03-24 17:15:20+02:00', '2018-13-24T17:15:20Z', '"', '\\', '\\x22', '\\x5c',
  '\\xff', '\\xc3\\xa9', 'é', '\u2028', '{', '}', '[', ']', ':', ',', '1,080,NaN', 'T,X,-', ' 1', '1 ',
];

const numberish = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.array(fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', 'E'), { maxLength: 10 }).map((c) => c.join('')),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.tuple(fc.nat(3), fc.integer()).map(([zeros, n]) => `${n < 0 ? '-' : ''}${'0'.repeat(zeros)}${Math.abs(n)}`),
);

// Any bytes at all, including separators, line ends, invalid UTF-8 and lone surrogates.
const anyCell: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 5, arbitrary: numberish.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.array(numberish, { maxLength: 4 }).map((a) => Buffer.from(a.join(','))) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map((t) => Buffer.from(t)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)) },
);

const headerOptions = fc.record({
  sep: fc.constantFrom('\t', '\t', '\t', ',', ' ', '||'),
  setSep: fc.constantFrom(',', ',', '', '::', ' ', '\t'),
  unset: fc.constantFrom('-', '-', '', 'NULL', '(empty)'),
  empty: fc.constantFrom('(empty)', '(empty)', '', '-'),
});
type HeaderOptions = { sep: string; setSep: string; unset: string; empty: string };

function hex(t: string): string {
  return [...Buffer.from(t)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

function headerText(o: HeaderOptions): string[] {
  return [
    `#separator ${hex(o.sep)}`, `#set_separator${o.sep}${o.setSep}`, `#empty_field${o.sep}${o.empty}`,
    `#unset_field${o.sep}${o.unset}`, `#path${o.sep}conn`, `#fields${o.sep}${FIELDS.join(o.sep)}`, `#types${o.sep}${TYPES.join(o.sep)}`,
  ];
}

type Shape = 'number' | 'boolean' | 'string';

function shapeOf(type: string): { shape: Shape; container: boolean } {
  const m = /^(?:set|vector|table)\[(.*)\]$/.exec(type);
  const base = m === null ? type : m[1];
  const shape: Shape = base === 'bool' ? 'boolean'
    : ['count', 'int', 'port', 'double', 'time', 'interval'].includes(base) ? 'number' : 'string';
  return { shape, container: m !== null };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every line is UTF-8 JSON.parse takes, one object per record, each value of its field's JSON type. */
function parsedLines(out: Uint8Array, batch: RecordBatch): Record<string, unknown>[] {
  const text = utf8.decode(out); // throws on bytes that are not UTF-8
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.length).toBe(batch.length);
  const shapes = new Map(batch.header.fields.map((f, i) => [f, shapeOf(batch.header.types[i] ?? '')]));
  return lines.map((line) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new Error(`${(e as Error).message} in ${JSON.stringify(line)}`);
    }
    expect(obj !== null && typeof obj === 'object' && !Array.isArray(obj), line).toBe(true);
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const s = k === 'anomaly_score' ? { shape: 'number' as const, container: false }
        : k === 'anomaly' ? { shape: 'boolean' as const, container: false }
        : k === 'anomaly_reason' ? { shape: 'string' as const, container: false } : shapes.get(k);
      expect(s, `${k} in ${line}`).toBeDefined();
      const ok = (x: unknown): boolean => typeof x === s!.shape || (x === null && s!.shape !== 'string');
      if (s!.container) {
        expect(Array.isArray(v), `${k} in ${line}`).toBe(true);
        for (const x of v as unknown[]) expect(ok(x) || x === null, `${k} in ${line}`).toBe(true);
      } else {
        expect(ok(v), `${k} in ${line}`).toBe(true);
      }
    }
    return obj as Record<string, unknown>;
  });
}

function scoresFor(n: number, seed: number): { scores: Float64Array; flags: Uint8Array; reasons: (string | null)[] } {
  const scores = Float64Array.from({ length: n }, (_, i) => [NaN, 0.5, 1, 0.123456789, Infinity][(i + seed) % 5]);
  const flags = Uint8Array.from(scores, (s) => (s > 0.4 ? 1 : 0));
  const reasons = Array.from(flags, (f, i) => (f === 1 ? ['proto rare', 'a "quoted" \\ reason', '\ud800 lone', 'é\n'][(i + seed) % 4] : null));
  return { scores, flags, reasons };
}

describe('formatJsonRecords on arbitrary conn TSV values', () => {
  const rows = fc.array(
    fc.oneof(fc.array(anyCell, { minLength: FIELDS.length, maxLength: FIELDS.length }), fc.array(anyCell, { maxLength: FIELDS.length + 3 })),
    { minLength: 1, maxLength: 8 },
  );

  it('writes only lines that JSON.parse takes, with numbers, booleans or null in typed fields', () => {
    fc.assert(
      fc.property(headerOptions, rows, fc.nat(), fc.nat(600), (o, cells, seed, outSize) => {
        const sep = Buffer.from(o.sep);
        const records = Buffer.concat(cells.map((row) => Buffer.concat([...row.flatMap((c, i) => (i === 0 ? [c] : [sep, c])), Buffer.from('\n')])));
        const lines = headerText(o);
        const into = outSize === 0 ? undefined : new Uint8Array(outSize);
        // The writer alone, every line a record (whatever its field count)...
        const alone = batchOfBytes(records, headerOf(lines));
        const a = scoresFor(alone.length, seed);
        parsedLines(formatJsonRecordsBytes(alone, a.scores, a.flags, alone.header, into, a.reasons), alone);
        // ...and what the reader hands it in `score`, with the model's columns and with none.
        const log = Buffer.concat([Buffer.from(lines.join('\n') + '\n'), records]);
        for (const columns of [connFeatureColumns(), []]) {
          const parsed = parseChunk(log, 1, null, { file: 'fuzz', columns, strict: false, maxLineBytes: 1 << 16 });
          for (const batch of parsed.batches) {
            const r = scoresFor(batch.length, seed + 1);
            parsedLines(formatJsonRecordsBytes(batch, r.scores, r.flags, batch.header, into, r.reasons), batch);
            parsedLines(formatJsonRecordsBytes(batch, r.scores, null, batch.header), batch);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('formatJsonRecords writes number text as the number the reader reads', () => {
  // One text per field without separators; containers get a few elements joined by ",".
  const plain = numberish.filter((t) => !/[\t\n\r,]/.test(t));
  const row = fc.tuple(...TYPES.map((t) => (shapeOf(t).container ? fc.array(plain, { maxLength: 4 }).map((a) => a.join(',')) : plain)));
  const header: ZeekHeader = headerOf(headerText({ sep: '\t', setSep: ',', unset: '-', empty: '(empty)' }));

  /** The JSON value for one scalar: what parseNumberBytes / the bool rule read, null when that is no finite number. */
  function meant(type: string, t: string): unknown {
    if (type === 'bool') return t === 'T' || t === '1' ? true : t === 'F' || t === '0' ? false : null;
    let v = parseNumberText(t);
    if (v !== v && type === 'time') v = parseIsoTime(t);
    return Number.isFinite(v) ? v : null;
  }

  it('null for what is not a finite number, JSON integers byte for byte', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (cellRows) => {
        const batch = batchOfBytes(Buffer.from(cellRows.map((r) => r.join('\t') + '\n').join('')), header);
        const out = formatJsonRecordsBytes(batch, new Float64Array(batch.length).fill(NaN), null, header);
        const text = Buffer.from(out).toString('utf8');
        parsedLines(out, batch).forEach((obj, r) => {
          const line = text.split('\n')[r];
          cellRows[r].forEach((cell, k) => {
            const { shape, container } = shapeOf(TYPES[k]);
            const key = FIELDS[k];
            if (cell === '-') return expect(key in obj).toBe(false);
            if (shape === 'string') return;
            const base = TYPES[k].replace(/^\w+\[(.*)\]$/, '$1');
            if (container) {
              const want = cell === '(empty)' || cell === '' ? [] : cell.split(',').map((x) => (x === '-' ? null : meant(base, x)));
              return expect(obj[key], line).toEqual(want);
            }
            expect(obj[key], `${key} ${JSON.stringify(cell)} in ${line}`).toBe(meant(base, cell));
            if (shape === 'number' && /^-?(?:0|[1-9]\d*)$/.test(cell) && ['count', 'int', 'port'].includes(base)) {
              expect(line).toMatch(new RegExp(`"${key.replace(/\./g, '\\.')}":${cell}[,}]`));
            }
          });
        });
      }),
      { numRuns: 300 },
    );
  });
});
