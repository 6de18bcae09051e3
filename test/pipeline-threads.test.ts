// Output bytes do not depend on how the work is spread: thread count (0 = inline, 1, 2, 8), chunk
// size, output to a path or a stream, the library or the CLI. A generated log of about 2.6 MB cut
// into 32 KiB chunks gives ~80 chunks, so the pool reorders plenty of them.

import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { MAX_WORKERS, scoreLogs, type ScoreLogsOptions, type ScoreLogsResult } from '../src/pipeline/score-logs.js';
import { FOREST_COPIES_BYTES, INLINE_BELOW_BYTES } from '../src/pipeline/thread-count.js';
import { assertBuilt, directiveCells, removeDir, runCli, sha256, splitZeek, tempDir, writeGeneratedLog } from './helpers/e2e.js';

const ROWS = 20_000;
const CHUNK = 32 << 10;
const THREADS = [0, 1, 2, 8, 32];

let dir: string;
let log: string;
let modelPath: string;
let model: Uint8Array;

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  log = writeGeneratedLog(join(dir, 'gen.log'), { rows: ROWS, seed: 42 });
  const fitted = await fitLogs([log], { trees: 50, seed: 3, contamination: 0.01 });
  model = fitted.forest.toBytes();
  modelPath = join(dir, 'gen.iforest');
  writeFileSync(modelPath, model);
});

afterAll(() => removeDir(dir));

async function scoreTo(name: string, options: Partial<ScoreLogsOptions>): Promise<{ path: string; result: ScoreLogsResult }> {
  const path = join(dir, name);
  const result = await scoreLogs([log], { model, out: path, chunkBytes: CHUNK, ...options });
  return { path, result };
}

/** What must not change with the thread count: counts and the top table (not the timing). */
function invariant(r: ScoreLogsResult): unknown {
  return { files: r.files, records: r.records, rejected: r.rejected, anomalies: r.anomalies, top: r.top.map((c) => [c.line, c.score, c.reason]) };
}

describe('scoreLogs output across threads', () => {
  it('Zeek TSV: the same bytes for threads 0, 1, 2, 8 and 32, and the same counts and top records', async () => {
    const runs = [];
    for (const threads of THREADS) runs.push(await scoreTo(`zeek-${threads}.log`, { threads, top: 10 }));
    // More workers than chunks in flight would sit idle, each a V8 isolate: 32 asked, 8 started.
    expect(runs.map((r) => r.result.threads)).toEqual([0, 1, 2, 8, 8]);
    const hashes = runs.map((r) => sha256(readFileSync(r.path)));
    expect(new Set(hashes).size).toBe(1);
    for (const r of runs) expect(invariant(r.result)).toEqual(invariant(runs[0].result));
    const first = runs[0].result;
    expect(first.records).toBe(ROWS);
    expect(first.rejected).toBe(0);
    expect(first.files[0].linesRead).toBe(first.records + first.files[0].headerLines);
    // Small chunks: the pool really had many chunks to reorder.
    expect(first.files[0].bytesRead / CHUNK).toBeGreaterThan(60);
    // With contamination 0.01 the threshold flags about 1% of records (the fit sample is all of them).
    expect(first.anomalies).toBeGreaterThan(ROWS * 0.005);
    expect(first.anomalies).toBeLessThan(ROWS * 0.02);

    // Input order: every record, with its original cells, in the order of the input.
    const input = splitZeek(readFileSync(log, 'latin1'));
    const output = splitZeek(readFileSync(runs[0].path, 'latin1'));
    expect(output.records).toHaveLength(input.records.length);
    const originals = output.records.map((r) => r.text.slice(0, r.text.lastIndexOf('\t', r.text.lastIndexOf('\t') - 1)));
    const firstDifference = originals.findIndex((text, i) => text !== input.records[i].text);
    expect(firstDifference).toBe(-1);
    expect(directiveCells(output.directives, '#fields').slice(-2)).toEqual(['anomaly_score', 'anomaly']);
  });

  it('JSON lines: the same bytes for threads 0, 1, 2, 8 and 32; every line has the original fields and the score', async () => {
    const runs = [];
    for (const threads of THREADS) runs.push(await scoreTo(`json-${threads}.log`, { threads, format: 'json', top: 0 }));
    expect(new Set(runs.map((r) => sha256(readFileSync(r.path)))).size).toBe(1);

    const input = splitZeek(readFileSync(log, 'latin1'));
    const fields = directiveCells(input.directives, '#fields');
    const tsvOut = splitZeek(readFileSync(join(dir, 'zeek-0.log'), 'latin1')).records;
    const lines = readFileSync(runs[0].path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS);
    // Problems are collected rather than asserted one by one: 20,000 lines × 22 fields of expect() is slow.
    const problems: string[] = [];
    lines.forEach((line, i) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      const cells = input.records[i].text.split('\t');
      fields.forEach((name, k) => {
        // Zeek's JSON writer leaves unset fields out; every set one is there.
        if ((cells[k] === '-') === name in o) problems.push(`line ${i + 1}: ${name} is ${name in o ? 'present' : 'missing'} but the TSV cell is ${cells[k]}`);
      });
      if (o.uid !== cells[1]) problems.push(`line ${i + 1}: uid ${String(o.uid)}, expected ${cells[1]}`);
      const tsvScore = Number(tsvOut[i].text.split('\t').at(-2));
      if (typeof o.anomaly_score !== 'number' || Math.abs(o.anomaly_score - tsvScore) > 1e-6) problems.push(`line ${i + 1}: anomaly_score ${String(o.anomaly_score)}, TSV ${tsvScore}`);
      if (o.anomaly !== tsvOut[i].text.endsWith('\tT')) problems.push(`line ${i + 1}: anomaly ${String(o.anomaly)}`);
    });
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('the WASM engine (WASM TSV parser and writer) and the TS engine (JavaScript throughout) write the same bytes', async () => {
    // A copy of the log with lines the WASM parser hands back to JavaScript: negative and
    // exponent numbers, an ISO time, a value that is no number, a field too many, \r\n ends.
    const lines = readFileSync(log, 'utf8').split('\n');
    const body = lines.map((l, i) => {
      if (l.startsWith('#') || l === '' || i % 97 !== 0) return l;
      const cells = l.split('\t');
      const k = (i / 97) % 6;
      if (k === 0) cells[8] = '-1.5';
      if (k === 1) cells[9] = '1e3';
      if (k === 2) cells[0] = '2024-01-01T00:00:00Z';
      if (k === 3) cells[10] = 'maybe';
      if (k === 4) cells.push('extra');
      return k === 5 ? `${l}\r\n` : cells.join('\t');
    });
    const mixed = join(dir, 'mixed.log');
    writeFileSync(mixed, body.join('\n'));
    const outputs = [];
    for (const engine of ['wasm', 'ts'] as const) {
      for (const threads of [0, 2]) {
        const path = join(dir, `engine-${engine}-${threads}.log`);
        const result = await scoreLogs([mixed], { model, out: path, chunkBytes: CHUNK, threads, engine });
        outputs.push({ bytes: sha256(readFileSync(path)), counts: invariant(result) });
      }
    }
    expect(outputs.every((o) => o.bytes === outputs[0].bytes)).toBe(true);
    for (const o of outputs) expect(o.counts).toEqual(outputs[0].counts);
    const counts = outputs[0].counts as { rejected: number; records: number };
    expect(counts.rejected).toBeGreaterThan(0);
    expect(counts.records).toBeGreaterThan(ROWS * 0.98);
  });

  it('a stream as output and the default chunk size give the same bytes', async () => {
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        parts.push(Buffer.from(chunk));
        done();
      },
    });
    await scoreLogs([log], { model, out: sink, threads: 2, chunkBytes: CHUNK });
    const expected = sha256(readFileSync(join(dir, 'zeek-0.log')));
    expect(sha256(Buffer.concat(parts))).toBe(expected);
    const big = await scoreLogs([log], { model, out: join(dir, 'zeek-default-chunk.log'), threads: 1 });
    expect(big.records).toBe(ROWS);
    expect(sha256(readFileSync(join(dir, 'zeek-default-chunk.log')))).toBe(expected);
  });

  it('the CLI writes the same bytes as the library, with --threads 1 and 2, TSV and JSON', async () => {
    const runs = await Promise.all([
      runCli(['score', log, '-m', modelPath, '-o', join(dir, 'cli-1.log'), '--threads', '1']),
      runCli(['score', log, '-m', modelPath, '-o', join(dir, 'cli-2.json'), '--threads', '2', '--format', 'json']),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(sha256(readFileSync(join(dir, 'cli-1.log')))).toBe(sha256(readFileSync(join(dir, 'zeek-0.log'))));
    expect(sha256(readFileSync(join(dir, 'cli-2.json')))).toBe(sha256(readFileSync(join(dir, 'json-0.log'))));
  });
});

describe('the default thread count', () => {
  it('is 0 (the calling thread) for files under INLINE_BELOW_BYTES, gzip counting 8 times its size; every core for more, and for streams', async () => {
    const cores = Math.min(MAX_WORKERS, availableParallelism());
    /** The threads a run used; `copies`: how many times the inputs hold the log. */
    const threadsFor = async (sources: Parameters<typeof scoreLogs>[0], copies = sources.length): Promise<number> => {
      const result = await scoreLogs(sources, { model, out: null, top: 0 });
      expect(result.records).toBe(ROWS * copies);
      return result.threads;
    };
    const text = readFileSync(log);
    expect(text.length * 7).toBeGreaterThan(INLINE_BELOW_BYTES);
    expect(await threadsFor([log])).toBe(0);
    // Seven small files are one big input.
    expect(await threadsFor(Array(7).fill(log))).toBe(cores);
    // gzip: the log compressed weighs 8 times its size, still under the line; seven copies joined
    // and compressed are less than 16 MiB on disk but more by weight.
    const gz = join(dir, 'gen.log.gz');
    writeFileSync(gz, gzipSync(text, { level: 1 }));
    expect(await threadsFor([gz])).toBe(0);
    const joinedGz = join(dir, 'joined.log.gz');
    writeFileSync(joinedGz, gzipSync(Buffer.concat(Array(7).fill(text)), { level: 1 }));
    expect(statSync(joinedGz).size).toBeLessThan(INLINE_BELOW_BYTES);
    expect(statSync(joinedGz).size * 8).toBeGreaterThan(INLINE_BELOW_BYTES);
    expect(await threadsFor([joinedGz], 7)).toBe(cores);
    // A stream's size is not known.
    expect(await threadsFor([createReadStream(log)])).toBe(cores);
  });
});

describe('big forests', () => {
  it('get fewer workers: no more than FOREST_COPIES_BYTES of forest copies, and the same bytes as one thread', async () => {
    // 427 trees of ψ = 8,192 (height 13): 42 MB of forest, so three workers fit in 128 MiB.
    const fitted = await fitLogs([log], { trees: 427, sampleSize: 8192, seed: 5 });
    const forestBytes = fitted.forest.forestBytes.length;
    expect(forestBytes).toBeGreaterThan(FOREST_COPIES_BYTES / 4);
    expect(forestBytes).toBeLessThan(FOREST_COPIES_BYTES / 3);
    const big = fitted.forest.toBytes();
    const eight = await scoreLogs([log], { model: big, out: join(dir, 'big-8.log'), threads: 8, top: 0 });
    expect(eight.threads).toBe(3);
    const one = await scoreLogs([log], { model: big, out: join(dir, 'big-0.log'), threads: 0, top: 0 });
    expect(sha256(readFileSync(join(dir, 'big-8.log')))).toBe(sha256(readFileSync(join(dir, 'big-0.log'))));
    expect(one.records).toBe(ROWS);
  });
});
