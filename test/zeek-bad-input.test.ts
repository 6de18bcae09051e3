// Bad input never passes silently: each bad line is skipped, counted and explained (file:line:
// field: problem), or, in strict mode, stops the read with that same message.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatRejection, parseChunk, readChunks, readZeekLog, ZeekParseError, ZeekReadError } from '../src/zeek/index.js';
import { chunkCounts, expectCountsAddUp, fixture, num, parseText, readAll, str } from './zeek-helpers.js';
import { WasmTsvParser } from '../src/zeek/wasm-tsv.js';

const zat = readFileSync(fixture('zat/conn.log'), 'latin1');
const zatLines = zat.split('\n');
const COLS = [...num('ts', 'orig_bytes', 'local_orig'), ...str('proto')];

/** Line `n` (1-based) of zat conn.log with field `i` set to `v`. */
function setField(n: number, i: number, v: string): string {
  const f = zatLines[n - 1].split('\t');
  f[i] = v;
  return f.join('\t');
}
const LINES = zatLines.length - 1; // the file ends with a line end

/** zat conn.log with line `n` (1-based) replaced. */
function withLine(n: number, text: string): string {
  const lines = [...zatLines];
  lines[n - 1] = text;
  return lines.join('\n');
}

describe('each kind of bad line is rejected with its reason', () => {
  const cases: [string, string, string | null, string][] = [
    ['field count', zatLines[9].split('\t').slice(0, 18).join('\t'), null, 'expected 20 fields, found 18'],
    ['field count', zatLines[9] + '\textra', null, 'expected 20 fields, found 21'],
    ['bad number', setField(10, 9, '3O1'), 'orig_bytes', 'not a count (digits only): "3O1"'],
    ['bad number', setField(10, 0, '1379288668.09347O'), 'ts', 'not a number: "1379288668.09347O"'],
    ['bad number', setField(10, 9, '-'.repeat(60)), 'orig_bytes', `not a count (digits only): "${'-'.repeat(40)}"…`],
    ['bad bool', setField(10, 12, 'yes'), 'local_orig', 'expected T or F, found "yes"'],
    ['binary data', zatLines[9].replace('ShADadR', 'Sh\u0000\u0001dR'), null, `control byte 0x00 at byte ${zatLines[9].indexOf('ShADadR') + 3} (not Zeek TSV text)`],
  ];

  it.each(cases)('%s: %s', (kind, line, field, reason) => {
    const r = parseText(withLine(10, line), COLS);
    expect(r.rejected).toBe(1);
    expect(r.rejectedByReason).toEqual({ [kind]: 1 });
    expect(r.rejections[0]).toEqual({ file: 'test.log', line: 10, field, reason });
    expect(chunkCounts(r)).toMatchObject({ linesRead: LINES, records: 359 });
  });

  it('formats a rejection as file:line: field: problem', () => {
    expect(formatRejection({ file: 'conn.log', line: 10, field: 'orig_bytes', reason: 'not a number: "6O1"' })).toBe('conn.log:10: orig_bytes: not a number: "6O1"');
    expect(formatRejection({ file: 'conn.log', line: 3, field: null, reason: 'expected 20 fields, found 18' })).toBe('conn.log:3: expected 20 fields, found 18');
  });

  it('rejects records before any #fields header, and an empty input', () => {
    const r = parseText('1\t2\t3\n\n#separator \\x09\n4\t5\n', num('a'));
    expect(r.rejections.map(formatRejection)).toEqual([
      'test.log:1: record before any #fields header (not a Zeek TSV or JSON log?)',
      'test.log:4: record in a header block that has no #fields line',
    ]);
    expect(chunkCounts(r)).toEqual({ linesRead: 4, records: 0, headerLines: 2, rejected: 2, rejectedByReason: { 'no header': 2 } });
    const empty = parseText('', num('a'));
    expect(empty.rejections.map(formatRejection)).toEqual(['test.log:1: the input is empty: no header and no records']);
    expect(empty.linesRead).toBe(1);
  });

  it('reads a header-only log (Zeek writes one for an idle interval) as no records, no error', () => {
    const header = zatLines.filter((l) => l.startsWith('#')).join('\n') + '\n';
    expect(chunkCounts(parseText(header, COLS))).toEqual({ linesRead: 9, records: 0, headerLines: 9, rejected: 0, rejectedByReason: {} });
  });

  it('counts unrequested bad fields as fine: only requested columns are checked', () => {
    const r = parseText(withLine(10, setField(10, 9, 'not-a-count')), num('ts'));
    expect(r.rejected).toBe(0);
  });
});

describe('line length limit', () => {
  it('rejects a line over maxLineBytes in parseChunk', () => {
    const r = parseText(withLine(10, zatLines[9] + 'x'.repeat(500)), COLS, false, 300);
    expect(r.rejections).toEqual([{ file: 'test.log', line: 10, field: null, reason: 'line longer than the limit of 300 bytes' }]);
  });

  it('keeps memory bounded for a huge line in a stream, and still counts it on its line', async () => {
    const huge = 'y'.repeat(64 << 20);
    const pieces = function* () {
      yield Buffer.from(zatLines.slice(0, 12).join('\n') + '\n');
      for (let i = 0; i < huge.length; i += 1 << 20) yield Buffer.from(huge.slice(i, i + (1 << 20)));
      yield Buffer.from('\n' + zatLines.slice(12).join('\n'));
    };
    let biggest = 0;
    let lines = 0;
    for await (const c of readChunks(Readable.from(pieces()), { maxLineBytes: 4096, chunkBytes: 1 << 16 })) {
      biggest = Math.max(biggest, c.bytes.length);
      lines = c.firstLine;
    }
    expect(biggest).toBeLessThan(3 << 20);
    expect(lines).toBeGreaterThan(12);
    const { stats } = await readAll(Readable.from(pieces()), COLS, { maxLineBytes: 4096, chunkBytes: 1 << 16 });
    expectCountsAddUp(stats);
    expect(stats.rejectedByReason).toEqual({ 'line too long': 1 });
    expect(stats.firstRejections[0].line).toBe(13);
    expect(stats.records).toBe(360);
    expect(stats.bytesRead).toBe(Buffer.byteLength(zat) + huge.length + 1);
  });
});

describe('strict mode', () => {
  it('throws a ZeekParseError with the same message at the first bad line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zeek-strict-'));
    const path = join(dir, 'conn.log');
    writeFileSync(path, withLine(30, 'junk').replace(zatLines[19], setField(20, 9, 'zero')));
    const reader = readZeekLog(path, { columns: COLS, strict: true });
    const err = await (async () => {
      try {
        for await (const b of reader.batches) void b;
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ZeekParseError);
    expect((err as ZeekParseError).message).toBe(`${path}:20: orig_bytes: not a count (digits only): "zero"`);
    expect(err).toMatchObject({ file: path, line: 20, field: 'orig_bytes', reason: 'not a count (digits only): "zero"' });
  });

  it('passes a good log', async () => {
    const { stats } = await readAll(fixture('zat/conn.log'), COLS, { strict: true });
    expect(stats.records).toBe(360);
  });
});

describe('options and sources are checked at the edge', () => {
  const base = { file: 'x', columns: COLS, strict: false, maxLineBytes: 100 };
  it.each([
    [{ ...base, maxLineBytes: 0 }, 'options.maxLineBytes must be a positive integer, got 0'],
    [{ ...base, maxRejectionsKept: -1 }, 'options.maxRejectionsKept must be a non-negative integer, got -1'],
    [{ ...base, strict: 'yes' }, 'options.strict must be a boolean, got yes'],
    [{ ...base, columns: [{ name: 'ts', kind: 'float' }] }, "options.columns[0].kind must be 'number' or 'string', got \"float\""],
    [{ ...base, columns: [{ name: '', kind: 'number' }] }, 'options.columns[0].name must be a non-empty string'],
    [{ ...base, columns: [...num('ts'), ...num('ts')] }, 'options.columns requests ts as a number twice'],
  ])('parseChunk(%j)', (options, message) => {
    expect(() => parseChunk(new Uint8Array(0), 1, null, options as never)).toThrow(message);
  });

  it('readChunks and readZeekLog', async () => {
    expect(() => readChunks('x', { chunkBytes: 1.5 })).toThrow('options.chunkBytes must be a positive integer, got 1.5');
    expect(() => readZeekLog('x', { columns: COLS, maxLineBytes: -3 })).toThrow('options.maxLineBytes must be a positive integer, got -3');
    const missing = readZeekLog('/no/such/conn.log', { columns: COLS });
    await expect(async () => {
      for await (const b of missing.batches) void b;
    }).rejects.toThrow(new ZeekReadError('/no/such/conn.log', 'cannot read: no such file'));
  });
});

describe('count and port fields take digits only (Zeek writes nothing else there)', () => {
  // zat conn.log: field 9 is orig_bytes (count), 3 id.orig_p (port), 8 duration (interval).
  const COLUMNS = [...num('orig_bytes', 'id.orig_p', 'duration')];
  const faster = new WasmTsvParser();
  for (const bad of ['-5', '5.5', '5.', '1e3', '+5', 'NaN', 'inf', '0x10', '']) {
    for (const [field, i] of [['orig_bytes', 9], ['id.orig_p', 3]] as const) {
      it(`rejects ${JSON.stringify(bad)} in ${field}, with the JavaScript and the WASM parser alike`, () => {
        const text = withLine(10, setField(10, i, bad));
        for (const options of [{}, { faster }]) {
          const r = parseChunk(Buffer.from(text, 'latin1'), 1, null, { file: 'conn.log', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20, ...options });
          expect(chunkCounts(r)).toMatchObject({ rejected: 1, records: 360 - 1, rejectedByReason: { 'bad number': 1 } });
          const type = field === 'orig_bytes' ? 'count' : 'port';
          expect(r.rejections[0]).toEqual({ file: 'conn.log', line: 10, field, reason: `not a ${type} (digits only): ${JSON.stringify(bad)}` });
        }
      });
    }
  }

  // Zeek's counts are uint64 and its ports 0–65535: digits that say more are a damaged line too.
  const OUT_OF_RANGE: [string, number, string, string][] = [
    ['id.orig_p', 3, '65536', 'port out of range (0–65535): "65536"'],
    ['id.orig_p', 3, '70000', 'port out of range (0–65535): "70000"'],
    ['id.orig_p', 3, '9'.repeat(30), `port out of range (0–65535): "${'9'.repeat(30)}"`],
    ['orig_bytes', 9, '18446744073709551616', 'count beyond 2^64 − 1: "18446744073709551616"'],
    ['orig_bytes', 9, '99999999999999999999999999', 'count beyond 2^64 − 1: "99999999999999999999999999"'],
    ['orig_bytes', 9, '0' + '9'.repeat(20), `count beyond 2^64 − 1: "0${'9'.repeat(20)}"`],
  ];
  for (const [field, i, bad, reason] of OUT_OF_RANGE) {
    it(`rejects ${bad.length > 20 ? `${bad.slice(0, 20)}…` : bad} in ${field} as out of range, with the JavaScript and the WASM parser alike`, () => {
      const text = withLine(10, setField(10, i, bad));
      for (const options of [{}, { faster }]) {
        const r = parseChunk(Buffer.from(text, 'latin1'), 1, null, { file: 'conn.log', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20, ...options });
        expect(chunkCounts(r)).toMatchObject({ rejected: 1, records: 360 - 1, rejectedByReason: { 'out of range': 1 } });
        expect(r.rejections[0]).toEqual({ file: 'conn.log', line: 10, field, reason });
      }
    });
  }

  it('takes the largest port and count, with leading zeros too, as those numbers', () => {
    const cases: [number, string, number][] = [
      [3, '65535', 65535], [3, '0065535', 65535], [3, '0', 0],
      [9, '18446744073709551615', 18446744073709551615], [9, '00018446744073709551615', 18446744073709551615], [9, '9007199254740993', 9007199254740993],
    ];
    for (const [i, v, expected] of cases) {
      for (const options of [{}, { faster }]) {
        const r = parseChunk(Buffer.from(withLine(10, setField(10, i, v)), 'latin1'), 1, null, { file: 'conn.log', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20, ...options });
        expect(r.rejected, v).toBe(0);
        const b = r.batches[0];
        const row = Array.from(b.lines).indexOf(10);
        expect(b.numbers.get(i === 3 ? 'id.orig_p' : 'orig_bytes')![row], v).toBe(expected);
      }
    }
  });

  it('an interval may still be negative, fractional or in exponent form', () => {
    for (const v of ['-1.5', '1e3', '.5']) {
      const r = parseChunk(Buffer.from(withLine(10, setField(10, 8, v)), 'latin1'), 1, null, { file: 'conn.log', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20, faster });
      expect(r.rejected).toBe(0);
      expect(r.batches.flatMap((b) => Array.from(b.numbers.get('duration')!.subarray(0, b.length)))).toContain(Number(v));
    }
  });
});
