// Logs with several header blocks (rotated logs joined with cat, or several inputs): each block's
// records come out under that block's header, extended with the score fields, whatever the chunk
// size (down to one line per chunk, so that every header change falls on a cut) and thread count.
// Fixtures: zat (MIT) and Zeek btest baselines (BSD-3-Clause), whose field sets differ.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { assertBuilt, directiveCells, removeDir, sha256, splitZeek, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

// Neighbours have different headers, so each block needs its own header in the output.
const FILES = [
  'zat/conn.log',
  'btest/scripts.base.protocols.ssh.basic_conn.log',
  'zat/conn.log',
  'btest/core.tunnels.teredo_conn.log',
].map((f) => join(ZEEK_FIXTURES, f));

let dir: string;
let model: Uint8Array;
let joined: string;
let expected: Buffer;

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = (await fitLogs([FILES[0]], { trees: 20 })).forest.toBytes();
  // Each log scored alone, then put end to end: what the joined log must give.
  const parts: Buffer[] = [];
  for (const [i, f] of FILES.entries()) {
    const out = join(dir, `alone-${i}.log`);
    await scoreLogs([f], { model, out, threads: 0 });
    parts.push(readFileSync(out));
  }
  expected = Buffer.concat(parts);
  joined = join(dir, 'joined.log');
  writeFileSync(joined, Buffer.concat(FILES.map((f) => readFileSync(f))));
});

afterAll(() => removeDir(dir));

describe('several header blocks', () => {
  it('the blocks scored alone, end to end, are what the joined log gives', () => {
    // Four headers, each with the score fields, and the records of each file in order.
    const out = splitZeek(expected.toString('latin1'));
    expect(out.directives.filter((d) => d.startsWith('#fields')).map((d) => d.split('\t').slice(-2))).toEqual(Array(4).fill(['anomaly_score', 'anomaly']));
    const inputRecords = FILES.flatMap((f) => splitZeek(readFileSync(f, 'latin1')).records.map((r) => r.text));
    expect(out.records.map((r) => r.text.split('\t').slice(0, -2).join('\t'))).toEqual(inputRecords);
    expect(directiveCells(out.directives, '#types').slice(-2)).toEqual(['double', 'bool']);
    // Each block ends with its input's own #close line, right after its last record.
    const closes = FILES.map((f) => readFileSync(f, 'latin1').trimEnd().split('\n').at(-1));
    expect(closes.every((c) => c?.startsWith('#close'))).toBe(true);
    const lines = expected.toString('latin1').trimEnd().split('\n');
    const closeAt = lines.flatMap((l, i) => (l.startsWith('#close') ? [i] : []));
    expect(closeAt.map((i) => lines[i])).toEqual(closes);
    expect(closeAt.at(-1)).toBe(lines.length - 1);
    for (const i of closeAt.slice(0, -1)) expect(lines[i + 1]).toMatch(/^#separator /);
  });

  it('a block identical to the one before it still gets its header after the #close', async () => {
    const twice = join(dir, 'twice.log');
    const log = readFileSync(FILES[0]);
    writeFileSync(twice, Buffer.concat([log, log]));
    const once = join(dir, 'once.scored.log');
    await scoreLogs([FILES[0]], { model, out: once, threads: 0 });
    for (const [threads, chunkBytes] of [[0, 1], [2, 100], [2, 4 << 20]]) {
      const out = join(dir, `twice-${threads}-${chunkBytes}.scored.log`);
      await scoreLogs([twice], { model, out, threads, chunkBytes });
      expect(readFileSync(out, 'latin1')).toBe(readFileSync(once, 'latin1').repeat(2));
    }
  });

  it('JSON output carries no #close line', async () => {
    const out = join(dir, 'joined.json');
    await scoreLogs([joined], { model, out, threads: 2, format: 'json', chunkBytes: 100 });
    const text = readFileSync(out, 'latin1');
    expect(text).not.toContain('#close');
    expect(text.trimEnd().split('\n').every((l) => l.startsWith('{'))).toBe(true);
  });

  for (const chunkBytes of [1, 100, 4096, 4 << 20]) {
    it(`chunkBytes ${chunkBytes}: the same bytes inline and with 2 threads, every line accounted for`, async () => {
      for (const threads of [0, 2]) {
        const out = join(dir, `joined-${chunkBytes}-${threads}.log`);
        const result = await scoreLogs([joined], { model, out, threads, chunkBytes });
        expect(sha256(readFileSync(out))).toBe(sha256(expected));
        const f = result.files[0];
        const lines = readFileSync(joined, 'latin1').trimEnd().split('\n');
        expect(f.linesRead).toBe(lines.length);
        expect(f.headerLines).toBe(lines.filter((l) => l.startsWith('#')).length);
        expect(f.rejected).toBe(0);
        expect(f.records).toBe(f.linesRead - f.headerLines);
      }
    });
  }

  it('the four logs given as four inputs: the same bytes, and statistics per input', async () => {
    const out = join(dir, 'four-inputs.log');
    const result = await scoreLogs(FILES, { model, out, threads: 2, chunkBytes: 1000 });
    expect(sha256(readFileSync(out))).toBe(sha256(expected));
    expect(result.files.map((f) => f.file)).toEqual(FILES);
    result.files.forEach((f, i) => {
      expect(f.records).toBe(splitZeek(readFileSync(FILES[i], 'latin1')).records.length);
      expect(f.linesRead).toBe(f.records + f.headerLines + f.rejected);
    });
  });
});
