// Property-based tests: arbitrary bytes and mutated real logs never crash or hang the reader, every
// line is accounted for, and the chunk size never changes the result.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseChunk, ZeekParseError } from '../src/zeek/index.js';
import { chunkCounts, fixture, num, readAll, rowsOf, str } from './zeek-helpers.js';

const COLS = [...num('ts', 'orig_bytes', 'duration', 'local_orig', 'a'), ...str('proto', 'label', 'b', 'uid')];
const options = { file: 'fuzz', columns: COLS, strict: false, maxLineBytes: 200 };

/** Lines in `bytes` as a reader must count them: a last line without a line end still counts. */
function lineCount(bytes: Uint8Array): number {
  if (bytes.length === 0) return 1; // the empty input is reported as one rejected line
  let n = 0;
  for (const b of bytes) if (b === 10) n++;
  return bytes.at(-1) === 10 ? n : n + 1;
}

// Bytes biased towards what matters to a Zeek parser: separators, line ends, '#', '{', digits.
const zeekish = fc.uint8Array({ maxLength: 600 }).chain((noise) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom('\t', '\n', '\r\n', '#', '{', '-', '(empty)', '\\x09', '0', '1.5', 'T', ',', '   ', '"', '}'),
        fc.constantFrom('#separator \\x09\n', '#separator \\x0a\n', '#separator \\x2c\n', '#separator \\x20\n', '#fields\ta\tb\tts\n', '#types\tcount\tstring\ttime\n', '#fields\tts\tlabel   detailed-label\n', '{"ts":1,"a":2}\n', '{"_path":"x","ts":"2024-01-01T00:00:00Z"}\n'),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 80 },
    )
    .map((parts) => Buffer.concat([Buffer.from(parts.join('')), Buffer.from(noise.subarray(0, noise.length % 50))])),
);

const realLogs = [
  readFileSync(fixture('zat/conn.log')),
  readFileSync(fixture('synthetic/iot23-quirk.conn.log.labeled')),
  readFileSync(fixture('zat/json_conn.log')).subarray(0, 4000),
  readFileSync(fixture('synthetic/escapes.log')),
];

type Mutation = { at: number; kind: 'delete' | 'insert' | 'flip' | 'duplicate'; len: number; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('delete', 'insert', 'flip', 'duplicate'),
  len: fc.integer({ min: 1, max: 300 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
});

function mutate(src: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.kind === 'duplicate') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
    else for (let i = 0; i < m.bytes.length && at + i < b.length; i++) b[at + i] ^= m.bytes[i];
  }
  return b;
}

describe('parseChunk on arbitrary bytes', () => {
  it('never throws outside strict mode, and accounts for every line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), zeekish), (bytes) => {
        const r = chunkCounts(parseChunk(bytes, 1, null, options));
        expect(r.linesRead).toBe(lineCount(bytes));
        expect(r.records + r.headerLines + r.rejected).toBe(r.linesRead);
      }),
      { numRuns: 400 },
    );
  });

  it('in strict mode either succeeds or throws a ZeekParseError with file:line', () => {
    fc.assert(
      fc.property(zeekish, (bytes) => {
        try {
          const r = parseChunk(bytes, 1, null, { ...options, strict: true });
          expect(r.rejected).toBe(0);
        } catch (e) {
          expect(e).toBeInstanceOf(ZeekParseError);
          expect((e as Error).message).toMatch(/^fuzz:\d+: /);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('mutated real logs', () => {
  it('read through streams with any chunk size: no crash, every line counted, same as one chunk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...realLogs.keys()),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 64 }),
        async (which, ms, chunkBytes, piece) => {
          const bytes = mutate(realLogs[which], ms);
          const pieces = Array.from({ length: Math.ceil(bytes.length / piece / 16) + 1 }, (_, i) => bytes.subarray(i * piece * 16, (i + 1) * piece * 16)).filter((p) => p.length > 0);
          const cut = await readAll(Readable.from(pieces), COLS, { chunkBytes, maxLineBytes: 300 });
          const whole = chunkCounts(parseChunk(bytes, 1, null, { ...options, maxLineBytes: 300 }));
          expect(cut.stats.linesRead).toBe(lineCount(bytes));
          expect(cut.stats.records + cut.stats.headerLines + cut.stats.rejected).toBe(cut.stats.linesRead);
          expect({ ...whole }).toEqual({
            linesRead: cut.stats.linesRead,
            records: cut.stats.records,
            headerLines: cut.stats.headerLines,
            rejected: cut.stats.rejected,
            rejectedByReason: cut.stats.rejectedByReason,
          });
          expect(cut.stats.bytesRead).toBe(bytes.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the TSV fast path and the general path agree', () => {
  // Asking for orig_bytes as a string too makes the parser take its general path (a field that
  // feeds two columns), so the two paths can be compared on the same bytes.
  const fast = [...num('ts', 'orig_bytes', 'duration', 'local_orig', 'id.resp_p'), ...str('proto', 'history', 'service')];
  const general = [...fast, ...str('orig_bytes')];

  it('on mutated real logs: same records, same rejections', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), (ms) => {
        const bytes = mutate(realLogs[0], ms);
        const a = parseChunk(bytes, 1, null, { ...options, columns: fast, maxLineBytes: 300 });
        const b = parseChunk(bytes, 1, null, { ...options, columns: general, maxLineBytes: 300 });
        expect(a.rejections).toEqual(b.rejections);
        expect(chunkCounts(a)).toEqual(chunkCounts(b));
        const rows = (r: typeof a) => rowsOf(r.batches).map(({ orig_bytes: _, ...x }) => x);
        expect(rows(a)).toEqual(rows(b));
      }),
      { numRuns: 200 },
    );
  });
});

