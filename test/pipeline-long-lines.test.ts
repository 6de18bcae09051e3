// Over-long lines in the scoring pipeline: each one is one rejected line, its skipped tail still
// counts as read, and a long last line without a line end does not make a second, "empty input"
// line appear (the worker numbers every chunk from line 1, so the reader's empty end chunk did).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { removeDir, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
const MAX_LINE = 4096;

let dir: string;
let model: Uint8Array;

beforeAll(async () => {
  dir = tempDir();
  model = (await fitLogs([CONN], { seed: 1 })).forest.toBytes();
});
afterAll(() => removeDir(dir));

describe('over-long lines while scoring', () => {
  const lines = readFileSync(CONN, 'latin1').trimEnd().split('\n');
  const long = 'x'.repeat(3 * MAX_LINE);

  const cases: [string, string][] = [
    // One in the middle of the records, and the same log ending in a long line with no line end.
    ['in the middle', [...lines.slice(0, 20), long, ...lines.slice(20)].join('\n') + '\n'],
    ['last, with no line end', [...lines, long].join('\n')],
    ['the whole input, with no line end', long],
  ];
  for (const [where, text] of cases) {
    for (const threads of [0, 2]) {
      for (const chunkBytes of [1024, 1 << 20]) {
        it(`${where}: one rejected line, every byte read (threads ${threads}, chunks of ${chunkBytes} bytes)`, async () => {
          const log = join(dir, `long-${where.replaceAll(' ', '-')}.log`);
          writeFileSync(log, text, 'latin1');
          const nLines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
          const run = scoreLogs([log], { model, out: join(dir, 'out.log'), threads, chunkBytes, maxLineBytes: MAX_LINE });
          const result = await run.catch((error: { result?: Awaited<typeof run> }) => {
            // Nothing scored at all (the whole input is one long line): the run fails, with its counts.
            if (error.result === undefined) throw error;
            return error.result;
          });
          const f = result.files[0];
          expect(f.bytesRead).toBe(Buffer.byteLength(text, 'latin1'));
          expect(f.linesRead).toBe(nLines);
          expect(f.rejectedByReason).toEqual({ 'line too long': 1 });
          expect(f.records + f.headerLines + f.rejected).toBe(f.linesRead);
          expect(f.firstRejections.map((r) => [r.file, r.line])).toEqual([[log, text.split('\n').indexOf(long) + 1]]);
        });
      }
    }
  }
});
