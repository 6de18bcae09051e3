// A log of header lines and no record (Zeek writes one for an idle rotation interval) is scored into
// its header block with the new fields, and its #close: a valid Zeek log with no record, as
// --alerts-only writes when nothing is flagged, whatever the chunk size and thread count.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { NotConnLogError } from '../src/zeek/features.js';
import { removeDir, splitZeek, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');

let dir: string;
let model: Uint8Array;
let full: ReturnType<typeof splitZeek>;
let fullText: string;

beforeAll(async () => {
  dir = tempDir();
  model = (await fitLogs([CONN], { seed: 1 })).forest.toBytes();
  const out = join(dir, 'full.log');
  await scoreLogs([CONN], { model, out, threads: 0 });
  fullText = readFileSync(out, 'latin1');
  full = splitZeek(fullText);
});
afterAll(() => removeDir(dir));

describe('a log of header lines only', () => {
  const headerLines = () => readFileSync(CONN, 'latin1').split('\n').filter((l) => l.startsWith('#'));

  for (const threads of [0, 2]) {
    for (const chunkBytes of [1, 100, 1 << 20]) {
      it(`is written as its header block and #close (threads ${threads}, chunks of ${chunkBytes} bytes)`, async () => {
        const log = join(dir, 'header-only.log');
        writeFileSync(log, headerLines().join('\n') + '\n');
        const out = join(dir, `header-only-${threads}-${chunkBytes}.scored.log`);
        const result = await scoreLogs([log], { model, out, threads, chunkBytes });
        expect(result.records).toBe(0);
        const text = readFileSync(out, 'latin1');
        // The scored log's own lines, less its records.
        expect(text).toBe(fullText.split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n');
        expect(splitZeek(text).directives).toEqual(full.directives);
      });
    }
  }

  it('without a #close: the header block alone', async () => {
    const log = join(dir, 'no-close.log');
    writeFileSync(log, headerLines().filter((l) => !l.startsWith('#close')).join('\n') + '\n');
    const out = join(dir, 'no-close.scored.log');
    await scoreLogs([log], { model, out, threads: 2 });
    const text = readFileSync(out, 'latin1');
    expect(text).toBe(fullText.split('\n').filter((l) => l.startsWith('#') && !l.startsWith('#close')).join('\n') + '\n');
  });

  it('of another kind of log is refused, as one with records is', async () => {
    const log = join(dir, 'dns-header.log');
    writeFileSync(log, readFileSync(join(ZEEK_FIXTURES, 'zat/dns.log'), 'latin1').split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n');
    await expect(scoreLogs([log], { model, out: join(dir, 'dns.scored.log'), threads: 0 })).rejects.toThrow(NotConnLogError);
  });

  it('followed by a log with records: the header-only one adds nothing before the records', async () => {
    const empty = join(dir, 'first-empty.log');
    writeFileSync(empty, headerLines().join('\n') + '\n');
    const out = join(dir, 'two.scored.log');
    await scoreLogs([empty, CONN], { model, out, threads: 2 });
    const text = readFileSync(out, 'latin1');
    const block = fullText.split('\n').filter((l) => l.startsWith('#')).join('\n') + '\n';
    expect(text).toBe(block + fullText);
  });
});
