// The WASM TSV parser (src/zeek/wasm-tsv.ts) must give parseChunk exactly the records, line
// numbers, offsets, rejections and counts of the JavaScript parser, on real logs and on lines built
// to hit every case it leaves to JavaScript.

import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connFeatureColumns } from '../src/zeek/features.js';
import { parseChunk, type ChunkResult, type ColumnRequest } from '../src/zeek/index.js';
import { WasmTsvParser } from '../src/zeek/wasm-tsv.js';
import { fixture, num, readAll, str } from './zeek-helpers.js';

const faster = new WasmTsvParser();

/** Everything a ChunkResult says, with numbers as their bits (NaN, -0 and 0 told apart). */
function summary(r: ChunkResult): unknown {
  return {
    counts: [r.linesRead, r.headerLines, r.rejected, r.rejectedByReason, r.rejections, r.closes],
    batches: r.batches.map((b) => ({
      header: b.header,
      length: b.length,
      lines: Array.from(b.lines.subarray(0, b.length)),
      starts: Array.from(b.starts.subarray(0, b.length)),
      ends: Array.from(b.ends.subarray(0, b.length)),
      numbers: [...b.numbers].map(([k, a]) => [k, Array.from(new Uint32Array(Float64Array.from(a.subarray(0, b.length)).buffer))]),
      strings: [...b.strings].map(([k, a]) => [k, a.slice(0, b.length)]),
    })),
  };
}

function summaryOfBatch(b: ChunkResult['batches'][number]): unknown {
  return (summary({ batches: [b], linesRead: 0, headerLines: 0, rejected: 0, rejectedByReason: {}, rejections: [], closes: [], header: null }) as { batches: unknown[] }).batches[0];
}

function both(bytes: Uint8Array, columns: ColumnRequest[], maxLineBytes = 1 << 20, firstLine = 1): { js: unknown; wasm: unknown; result: ChunkResult } {
  const options = { file: 'test.log', columns, strict: false, maxLineBytes };
  const result = parseChunk(bytes, firstLine, null, { ...options, faster });
  return { js: summary(parseChunk(bytes, firstLine, null, options)), wasm: summary(result), result };
}

const CONN = connFeatureColumns();
const CONN_AND_MORE: ColumnRequest[] = [...CONN, ...num('ts', 'absent_number'), ...str('uid', 'absent_string', 'id.orig_h')];

describe('WasmTsvParser', () => {
  const logs = [
    ...['zat/conn.log', 'zat/conn_date_issue.log', 'synthetic/iot23-quirk.conn.log.labeled', 'synthetic/node-name-truncated.conn.log', 'synthetic/escapes.log'],
    ...readdirSync(fixture('btest')).map((f) => `btest/${f}`),
  ];
  for (const name of logs) {
    it(`reads ${name} as the JavaScript parser does`, () => {
      const { js, wasm } = both(readFileSync(fixture(name)), CONN_AND_MORE);
      expect(wasm).toEqual(js);
    });
  }

  it('takes the common lines itself (the test above is not only the fallback)', () => {
    const text = readFileSync(fixture('zat/conn.log'));
    const { result } = both(text, CONN);
    expect(result.batches[0].length).toBeGreaterThan(100);
    // Private counters: records the kernel took, lines it handed back.
    const counts = faster as unknown as { taken: number; handedBack: number };
    expect(counts.taken).toBe(result.batches.reduce((a, b) => a + b.length, 0));
    expect(counts.handedBack).toBe(0);
  });

  // Field values chosen around every decision of the fast path.
  const value = fc.oneof(
    fc.constantFrom('-', '(empty)', '', '0', '7', '123456789', '1.5', '.5', '5.', '.', '1.2.3', '-3', '1e5', '+1',
      '9007199254740991', '9007199254740992', '123456789012345678901', '0.12345678901234567890123', '1.0000000000000000000001', '0.000000000000000000000001', '0.00000000000000000000001',
      'T', 'F', '1', 'TRUE', 't', 'x', 'tcp', 'S0', '2024-01-01T00:00:00Z', 'nan', '\r', 'a\rb', '\x01', '\u00e9', '--'),
    fc.double({ noNaN: true }).map(String),
    fc.nat().map(String),
  );
  const FIELDS = ['ts', 'uid', 'id.resp_p', 'proto', 'duration', 'orig_bytes', 'local_orig', 'conn_state', 'history', 'label'];
  const TYPES = ['time', 'string', 'port', 'enum', 'interval', 'count', 'bool', 'string', 'string', 'string'];
  const COLS: ColumnRequest[] = [...num('ts', 'id.resp_p', 'duration', 'orig_bytes', 'local_orig', 'missing'), ...str('proto', 'conn_state', 'history', 'gone')];
  const header = `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#fields\t${FIELDS.join('\t')}\n#types\t${TYPES.join('\t')}\n`;
  // Mostly values a real log has in each field, so runs of records the kernel takes alternate
  // with lines it leaves to JavaScript; sometimes any value at all.
  const TYPICAL: Record<string, fc.Arbitrary<string>> = {
    time: fc.constantFrom('1300475167.096535', '1300475167', '-'),
    string: fc.constantFrom('CHhAvVGS1DHFjwGM9', '-', '(empty)', 'Benign', 'x'.repeat(150)),
    port: fc.constantFrom('80', '443', '0', '-'),
    enum: fc.constantFrom('tcp', 'udp', '-'),
    interval: fc.constantFrom('0.000123', '12.5', '-', '0'),
    count: fc.constantFrom('0', '1460', '-', '18446744073709551615'),
    bool: fc.constantFrom('T', 'F', '-', '1', '0'),
  };
  const record = fc.tuple(...TYPES.map((t) => fc.oneof({ weight: 12, arbitrary: TYPICAL[t] }, { weight: 1, arbitrary: value })));
  const line = fc.oneof(
    { weight: 12, arbitrary: record.map((v) => v.join('\t')) },
    { weight: 1, arbitrary: fc.array(value, { minLength: 0, maxLength: 12 }).map((v) => v.join('\t')) },
    { weight: 1, arbitrary: fc.constantFrom('', '#close\t2024', '#fields\tts\tproto', '\r', '\t'.repeat(9)) },
  );
  const ending = fc.constantFrom('\n', '\r\n', '\n');

  it('gives the same records and rejections for any lines (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(line, ending), { maxLength: 80 }), fc.boolean(), fc.integer({ min: 160, max: 400 }), (lines, cutLast, maxLine) => {
        let text = header + lines.map(([l, e]) => l + e).join('');
        if (cutLast && text.endsWith('\n')) text = text.slice(0, -1);
        const { js, wasm } = both(Buffer.from(text), COLS, maxLine);
        expect(wasm).toEqual(js);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same result as JavaScript on arbitrary bytes under a conn header (property)', () => {
    const byte = fc.constantFrom(...'\t\t\t\n\n\r#-.0123456789TFe+x(empty)'.split('').map((c) => c.charCodeAt(0)), 0, 1, 0x7f, 0x80, 0xc3, 0xff);
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 3000 }), fc.integer({ min: 160, max: 2000 }), (bytes, maxLine) => {
        const text = Buffer.concat([Buffer.from(header), Buffer.from(bytes)]);
        const { js, wasm } = both(text, COLS, maxLine);
        expect(wasm).toEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result when most lines go back to JavaScript (and stops calling the kernel for them)', () => {
    // A negative duration: the kernel hands it back, JavaScript reads it (an interval may be negative).
    const body = Array.from({ length: 3000 }, (_, i) => `${i}.5\tC${i}\t80\ttcp\t${i % 2 === 0 ? '-1.5' : '1.5'}\t${i}\tT\tSF\tShAD\tx`).join('\n');
    const { js, wasm, result } = both(Buffer.from(header + body + '\n'), COLS);
    expect(wasm).toEqual(js);
    expect(result.batches[0].length).toBe(3000);
    const counts = faster as unknown as { taken: number; handedBack: number };
    expect(counts.handedBack).toBeGreaterThanOrEqual(64);
    expect(counts.handedBack).toBeLessThan(200);
  });

  it('is what readZeekLog uses with wasmParser, chunk after chunk (fitting reads this way)', async () => {
    const path = fixture('zat/conn.log');
    const js = await readAll(path, CONN_AND_MORE, { chunkBytes: 4096 });
    const wasm = await readAll(path, CONN_AND_MORE, { chunkBytes: 4096, wasmParser: true });
    expect(wasm.batches.length).toBeGreaterThan(3);
    expect(wasm.batches.map(summaryOfBatch)).toEqual(js.batches.map(summaryOfBatch));
    expect(wasm.stats).toEqual(js.stats);
  });

  it('leaves a chunk above its size limit to JavaScript, with the same result', () => {
    const small = new WasmTsvParser(undefined, 1000);
    const text = readFileSync(fixture('zat/conn.log'));
    expect(text.length).toBeGreaterThan(1000);
    const options = { file: 'test.log', columns: CONN, strict: false, maxLineBytes: 1 << 20 };
    const js = summary(parseChunk(text, 1, null, options));
    expect(summary(parseChunk(text, 1, null, { ...options, faster: small }))).toEqual(js);
    expect((small as unknown as { taken: number }).taken).toBe(0);
  });

  it('fills a batch to the record limit and goes on in the next one', () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `${i}\tC\t80\ttcp\t0.25\t${i}\tF\tSF\tSh\tx`).join('\n');
    const { js, wasm, result } = both(Buffer.from(header + body + '\n'), COLS, 1 << 20, 7);
    expect(wasm).toEqual(js);
    expect(result.batches.map((b) => b.length)).toEqual([8192, 8192, 3616]);
  });
});
