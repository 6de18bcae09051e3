// readChunks with countLines: false (the worker pool's mode) must cut the same chunks with the
// same header in force as the line-counting mode; only firstLine is left to the caller.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readChunks, type Chunk } from '../src/zeek/chunks.js';
import { parseChunk } from '../src/zeek/parse.js';
import { fixture } from './zeek-helpers.js';

async function cut(bytes: Uint8Array, countLines: boolean, chunkBytes: number, maxLineBytes: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  // Small pieces, as a slow pipe delivers them, so chunks span many reads.
  const pieces = Array.from({ length: Math.ceil(bytes.length / 97) }, (_, i) => Buffer.from(bytes.subarray(i * 97, (i + 1) * 97)));
  for await (const c of readChunks(Readable.from(pieces), { file: 't', chunkBytes, maxLineBytes, countLines })) out.push(c);
  return out;
}

async function expectSameChunks(bytes: Uint8Array, chunkBytes: number, maxLineBytes: number): Promise<void> {
  const counted = await cut(bytes, true, chunkBytes, maxLineBytes);
  const uncounted = await cut(bytes, false, chunkBytes, maxLineBytes);
  expect(uncounted.map((c) => Buffer.from(c.bytes).toString('latin1'))).toEqual(counted.map((c) => Buffer.from(c.bytes).toString('latin1')));
  expect(uncounted.map((c) => c.header)).toEqual(counted.map((c) => c.header));
  expect(uncounted.map((c) => c.format)).toEqual(counted.map((c) => c.format));
  expect(uncounted.slice(1).every((c) => c.firstLine === 0)).toBe(true);
}

const blockA = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tproto\n#types\ttime\tstring\tenum\n';
const blockB = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tproto\n#types\ttime\tenum\n';

describe('readChunks without line counting', () => {
  it('cuts a real log like the counting mode, header blocks included', async () => {
    const log = readFileSync(fixture('zat/conn.log'));
    const joined = Buffer.concat([log, Buffer.from(blockB + '1.5\ttcp\r\n2.5\tudp\n'), log]);
    for (const chunkBytes of [1, 100, 4096]) await expectSameChunks(joined, chunkBytes, 1 << 20);
  });

  it('cuts over-long lines like the counting mode', async () => {
    const long = 'x'.repeat(300);
    const text = blockA + `1.0\tC1\ttcp\n2.0\t${long}\ttcp\n3.0\tC3\tudp\n` + blockB + `4.0\t${long}${long}\n5.0\ttcp`;
    for (const chunkBytes of [1, 64, 1000]) await expectSameChunks(Buffer.from(text), chunkBytes, 128);
  });

  it('treats a "{" line as the start of a JSON log only when it is not over-long, as parseChunk does', async () => {
    // Found by fast-check: a long '{' line, then one that is neither JSON nor TSV.
    const text = `{"ts":${'1'.repeat(400)}}\n\u0000junk\n{"ts":1}\n`;
    const options = { file: 't', columns: [{ name: 'ts', kind: 'number' as const }], strict: false, maxLineBytes: 300 };
    const whole = parseChunk(Buffer.from(text), 1, null, options);
    const rejected: Record<string, number> = {};
    for (const c of await cut(Buffer.from(text), true, 1, 300)) {
      const r = parseChunk(c.bytes, c.firstLine, c.header, options);
      for (const [k, n] of Object.entries(r.rejectedByReason)) rejected[k] = (rejected[k] ?? 0) + n;
    }
    expect(rejected).toEqual(whole.rejectedByReason);
    expect(whole.rejectedByReason).toEqual({ 'line too long': 1, 'no header': 1 });
    // And without line counting, the header a '{' line creates is carried to the next chunk.
    await expectSameChunks(Buffer.from(`${'y'.repeat(100)}\n{\n \n`), 1, 100);
  });

  it('agrees with the counting mode on arbitrary logs of directives, records, CRLF and long lines', async () => {
    const line = fc.oneof(
      fc.constantFrom(blockA.trimEnd(), blockB.trimEnd(), '#close\t2020', '', '\r'),
      fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, ' ')),
      fc.integer({ min: 100, max: 400 }).map((n) => 'y'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 64, max: 256 }), fc.boolean(),
        async (lines, chunkBytes, maxLineBytes, crlf) => {
          await expectSameChunks(Buffer.from(lines.join(crlf ? '\r\n' : '\n')), chunkBytes, maxLineBytes);
        }),
      { numRuns: 150 },
    );
  });
});
