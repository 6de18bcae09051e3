// Bad lines, many of them on chunk boundaries: with 4 KiB chunks a generated log is cut ~100 times,
// and lines are corrupted at both sides of most cuts, plus the first and last records. Every line
// must be scored or reported rejected with `file:line: field: problem`, the counts must add up, and
// the lines missing from the output must be exactly the corrupted ones. Corruptions keep the line's
// length, so the cuts are where they were in the clean log (checked).

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { scoreLogs } from '../src/pipeline/score-logs.js';
import { readChunks } from '../src/zeek/chunks.js';
import { formatRejection, ZeekParseError } from '../src/zeek/errors.js';
import { assertBuilt, linesOf, removeDir, runCli, sha256, splitZeek, tempDir, writeGeneratedLog } from './helpers/e2e.js';

const ROWS = 3_000;
const CHUNK = 4096;
const ORIG_PKTS = 16; // cell index in the generated (Zeek 6/7) conn field set

type Kind = 'bad number' | 'field count' | 'binary data';

let dir: string;
let clean: string;
let bad: string;
let model: Uint8Array;
let modelPath: string;
/** 1-based line → how it was corrupted, in line order. */
let corrupted: Map<number, Kind>;
let cleanLines: string[];
let chunkStarts: number[];

async function chunkFirstLines(path: string): Promise<number[]> {
  const starts: number[] = [];
  for await (const c of readChunks(path, { chunkBytes: CHUNK })) starts.push(c.firstLine);
  return starts;
}

/** The same line, the same length, made bad in one of three ways. */
function corrupt(line: string, kind: Kind): string {
  const cells = line.split('\t');
  if (kind === 'bad number') cells[ORIG_PKTS] = 'x'.repeat(cells[ORIG_PKTS].length);
  else if (kind === 'binary data') cells[1] = `\x01${cells[1].slice(1)}`;
  else return line.replace('\t', ' ');
  return cells.join('\t');
}

/** The rejection message for corrupted line `origin` of the clean log, met as `file:line`. */
function expectedMessage(file: string, line: number, kind: Kind, origin = line): string | RegExp {
  if (kind === 'bad number') {
    const n = cleanLines[origin - 1].split('\t')[ORIG_PKTS].length;
    return `${file}:${line}: orig_pkts: not a count (digits only): "${'x'.repeat(n)}"`;
  }
  if (kind === 'field count') return `${file}:${line}: expected 22 fields, found 21`;
  return new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: control byte 0x01 at byte \\d+ \\(not Zeek TSV text\\)$`);
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  clean = writeGeneratedLog(join(dir, 'clean.log'), { rows: ROWS, seed: 5 });
  const fitted = await fitLogs([clean], { trees: 20, seed: 1 });
  model = fitted.forest.toBytes();
  modelPath = join(dir, 'clean.iforest');
  writeFileSync(modelPath, model);

  cleanLines = linesOf(readFileSync(clean, 'latin1'));
  chunkStarts = await chunkFirstLines(clean);
  const kinds: Kind[] = ['bad number', 'field count', 'binary data'];
  const picks = new Set<number>();
  const firstRecord = cleanLines.findIndex((l) => !l.startsWith('#')) + 1;
  const lastRecord = cleanLines.length - [...cleanLines].reverse().findIndex((l) => !l.startsWith('#'));
  picks.add(firstRecord).add(lastRecord);
  // Both sides of two cuts in three: the last line of a chunk and the first of the next.
  chunkStarts.slice(1).forEach((start, k) => {
    if (k % 3 === 2) return;
    if (k % 3 === 0) picks.add(start - 1);
    picks.add(start);
  });
  corrupted = new Map([...picks].filter((l) => !cleanLines[l - 1].startsWith('#')).sort((a, b) => a - b).map((l, i) => [l, kinds[i % 3]]));
  const lines = cleanLines.map((l, i) => (corrupted.has(i + 1) ? corrupt(l, corrupted.get(i + 1)!) : l));
  bad = join(dir, 'bad.log');
  writeFileSync(bad, lines.join('\n') + '\n', 'latin1');
});

afterAll(() => removeDir(dir));

describe('bad lines on chunk boundaries', () => {
  it('the corruptions sit on the cuts, which did not move', async () => {
    expect(chunkStarts.length).toBeGreaterThan(80);
    expect(await chunkFirstLines(bad)).toEqual(chunkStarts);
    const starts = new Set(chunkStarts);
    const onStart = [...corrupted.keys()].filter((l) => starts.has(l)).length;
    const onEnd = [...corrupted.keys()].filter((l) => starts.has(l + 1)).length;
    expect(onStart).toBeGreaterThan(50);
    expect(onEnd).toBeGreaterThan(25);
  });

  it('every line is scored or rejected, the counts add up, and the rejected lines are the corrupted ones', async () => {
    const out = join(dir, 'bad.scored.log');
    const result = await scoreLogs([bad], { model, out, chunkBytes: CHUNK, threads: 2 });
    const f = result.files[0];
    expect(f.linesRead).toBe(cleanLines.length);
    expect(f.linesRead).toBe(f.records + f.headerLines + f.rejected);
    expect(f.rejected).toBe(corrupted.size);
    expect(result.rejected).toBe(corrupted.size);
    expect(result.records).toBe(ROWS - corrupted.size);
    const byKind: Record<string, number> = {};
    for (const k of corrupted.values()) byKind[k] = (byKind[k] ?? 0) + 1;
    expect(f.rejectedByReason).toEqual(byKind);

    // The first rejections are kept with their reasons: the first corrupted lines, each named.
    const first = [...corrupted].slice(0, f.firstRejections.length);
    expect(f.firstRejections.length).toBe(10);
    f.firstRejections.forEach((r, i) => {
      const [line, kind] = first[i];
      expect(r.line).toBe(line);
      const message = formatRejection(r);
      const expected = expectedMessage(bad, line, kind);
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    });

    // The output holds every other record, in order, with its cells unchanged: so the lines
    // missing from it are exactly the corrupted ones.
    const kept = cleanLines.filter((l, i) => !l.startsWith('#') && !corrupted.has(i + 1));
    const records = splitZeek(readFileSync(out, 'latin1')).records.map((r) => r.text.split('\t').slice(0, -2).join('\t'));
    expect(records.length).toBe(kept.length);
    const firstDifference = records.findIndex((r, i) => r !== kept[i]);
    expect(firstDifference).toBe(-1);

    // And inline scoring with one big chunk agrees, byte for byte and count for count.
    const inline = await scoreLogs([bad], { model, out: join(dir, 'bad.inline.log'), threads: 0 });
    expect(inline.files[0]).toEqual(f);
    expect(sha256(readFileSync(join(dir, 'bad.inline.log')))).toBe(sha256(readFileSync(out)));
  });

  it('the reasons of every rejected line, from the CLI, name file, line and field', async () => {
    // The CLI keeps the first 10 per file in --json; a log of only the corrupted lines shows them all.
    const only = join(dir, 'only-bad.log');
    const header = cleanLines.filter((l) => l.startsWith('#') && !l.startsWith('#close'));
    const badLines = linesOf(readFileSync(bad, 'latin1'));
    const picked = [...corrupted].slice(0, 9);
    writeFileSync(only, [...header, ...picked.map(([l]) => badLines[l - 1]), cleanLines[9], cleanLines[10]].join('\n') + '\n', 'latin1');
    const run = await runCli(['score', only, '-m', modelPath, '-o', join(dir, 'only.scored.log'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { files: { linesRead: number; records: number; headerLines: number; rejected: number; firstRejections: string[] }[] };
    expect(summary.files[0]).toMatchObject({ linesRead: header.length + 11, records: 2, headerLines: header.length, rejected: 9 });
    summary.files[0].firstRejections.forEach((message, i) => {
      const expected = expectedMessage(only, header.length + 1 + i, picked[i][1], picked[i][0]);
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
    });
  });
});

describe('strict mode', () => {
  const firstBad = (): [number, Kind] => [...corrupted][0];

  it('the library stops at the first bad line with a ZeekParseError, inline and in the pool', async () => {
    for (const threads of [0, 2]) {
      const out = join(dir, `strict-${threads}.log`);
      const error = await scoreLogs([bad], { model, out, chunkBytes: CHUNK, threads, strict: true }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ZeekParseError);
      const [line, kind] = firstBad();
      expect((error as ZeekParseError).line).toBe(line);
      const expected = expectedMessage(bad, line, kind);
      if (typeof expected === 'string') expect((error as Error).message).toBe(expected);
      else expect((error as Error).message).toMatch(expected);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--strict: exit 1, the message on one line, and no output file, not even a temporary one', async () => {
    const sub = join(dir, 'strict-cli');
    mkdirSync(sub);
    // A bad line late in the input, so that output has been written before it is met.
    const late = [...corrupted.keys()].at(-3)!;
    const lines = cleanLines.map((l, i) => (i + 1 === late ? corrupt(l, 'field count') : l));
    const input = join(sub, 'late-bad.log');
    writeFileSync(input, lines.join('\n') + '\n', 'latin1');
    const out = join(sub, 'out.log');
    const run = await runCli(['score', input, '-m', modelPath, '-o', out, '--strict', '--threads', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`zeek-iforest: ${input}:${late}: expected 22 fields, found 21\n`);
    expect(readdirSync(sub)).toEqual(['late-bad.log']);
  });
});
