// The temp-then-rename guarantee, through the built CLI: Ctrl-C mid-run leaves neither the output's
// name nor a `.partial` temporary file behind, and a run that fails leaves an existing output file
// as it was. A replaced file keeps its permissions, and a symlink (even a dangling one) stays one.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, createReadStream, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { assertBuilt, CLI, REPO, removeDir, runCli, tempDir, writeGeneratedLog, ZEEK_FIXTURES } from './helpers/e2e.js';

// Big enough that scoring with one thread is still running when the signal comes (~26 MB).
const BIG_ROWS = 200_000;

let dir: string;
let big: string;
let model: string;

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  big = writeGeneratedLog(join(dir, 'big.log'), { rows: BIG_ROWS, seed: 9 });
  const small = writeGeneratedLog(join(dir, 'small.log'), { rows: 5_000, seed: 10 });
  model = join(dir, 'model.iforest');
  writeFileSync(model, (await fitLogs([small], { seed: 1 })).forest.toBytes());
});

afterAll(() => removeDir(dir));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `score … -o out`, waits until its temporary file has bytes in it (so the run is mid-write),
 * sends SIGINT, and returns how it ended and what the output directory then holds.
 */
async function interrupt(args: string[], outDir: string, feed?: Buffer, sent: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; sawPartial: string; left: string[] }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.on('error', () => undefined);
  // stdin stays open when fed: the run cannot finish before the signal.
  if (feed) child.stdin.write(feed);
  else child.stdin.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  let sawPartial = '';
  for (let waited = 0; !done && waited < 30_000 && sawPartial === ''; waited += 5) {
    const partial = readdirSync(outDir).find((n) => n.endsWith('.partial'));
    if (partial !== undefined && statSync(join(outDir, partial), { throwIfNoEntry: false })?.size) sawPartial = partial;
    else await sleep(5);
  }
  if (sawPartial !== '') child.kill(sent);
  const { code, signal } = await exited;
  if (!child.stdin.destroyed) child.stdin.destroy();
  return { code, signal, stderr, sawPartial, left: readdirSync(outDir) };
}

describe('Ctrl-C mid-run', () => {
  it('on a large log with --threads 1: ends by SIGINT (exit 130 in a shell), and neither the output nor its temporary file remains', async () => {
    const outDir = join(dir, 'sigint-file');
    mkdirSync(outDir);
    const r = await interrupt(['score', big, '-m', model, '-o', join(outDir, 'scored.log'), '--threads', '1'], outDir);
    // The run was caught mid-write: a temporary file beside the target, with bytes in it.
    expect(r.sawPartial).toMatch(/^\.scored\.log\.\d+\.partial$/);
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(r.left).toEqual([]);
  });

  it('SIGTERM and SIGHUP, with 2 threads: the same, each ending the run by its own signal', async () => {
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      const outDir = join(dir, `signal-${signal}`);
      mkdirSync(outDir);
      const r = await interrupt(['score', big, '-m', model, '-o', join(outDir, 'scored.log'), '--threads', '2'], outDir, undefined, signal);
      expect(r.sawPartial).toMatch(/^\.scored\.log\.\d+\.partial$/);
      expect([r.code, r.signal]).toEqual([null, signal]);
      expect(r.left).toEqual([]);
    }
  });

  it('reading stdin (the writer still has more to send): the same', async () => {
    const outDir = join(dir, 'sigint-stdin');
    mkdirSync(outDir);
    // 16 MB of the log: several 4 MiB chunks, so output is written, but never the end of input.
    const feed = readFileSync(big).subarray(0, 16 << 20);
    const r = await interrupt(['score', '-', '-m', model, '-o', join(outDir, 'scored.log'), '--threads', '1'], outDir, feed);
    expect(r.sawPartial).toMatch(/^\.scored\.log\.\d+\.partial$/);
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(r.left).toEqual([]);
  });
});

describe('a failed run leaves an existing output file untouched', () => {
  const before = 'an earlier run wrote this\n';
  // A last record cut off mid-field: rejected, and fatal with --strict.
  const truncated = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');

  it('score --strict meeting a bad line', async () => {
    const outDir = join(dir, 'strict');
    mkdirSync(outDir);
    const out = join(outDir, 'scored.log');
    writeFileSync(out, before);
    const run = await runCli(['score', truncated, '-m', model, '-o', out, '--strict', '--threads', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`zeek-iforest: ${truncated}:12: expected 22 fields, found 10 (last line has no line end: cut off mid-write?)\n`);
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(readdirSync(outDir)).toEqual(['scored.log']);
  });

  it('score with a corrupted model', async () => {
    const outDir = join(dir, 'bad-model');
    mkdirSync(outDir);
    const out = join(outDir, 'scored.log');
    writeFileSync(out, before);
    const bytes = readFileSync(model);
    bytes[bytes.length - 5] ^= 0x55;
    const badModel = join(dir, 'corrupted.iforest');
    writeFileSync(badModel, bytes);
    const run = await runCli(['score', truncated, '-m', badModel, '-o', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^zeek-iforest: \S+corrupted\.iforest: not a usable zeek-iforest model: checksum mismatch .*\n$/);
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(readdirSync(outDir)).toEqual(['scored.log']);
  });

  it('fit on an input with fewer than 2 records keeps the previous model', async () => {
    const outDir = join(dir, 'fit-fails');
    mkdirSync(outDir);
    const out = join(outDir, 'model.iforest');
    writeFileSync(out, before);
    const empty = join(dir, 'header-only.log');
    writeFileSync(empty, readFileSync(big, 'latin1').split('\n').slice(0, 8).join('\n') + '\n', 'latin1');
    const run = await runCli(['fit', empty, '-o', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('zeek-iforest: fitting needs at least 2 records, but the input gave 0 (0 lines rejected)\n');
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(readdirSync(outDir)).toEqual(['model.iforest']);
  });
});

describe('outputs that are not regular files', () => {
  it('-o a FIFO: the records arrive through it, and it stays a FIFO (nothing renamed over it)', async () => {
    const outDir = join(dir, 'fifo');
    mkdirSync(outDir);
    const fifo = join(outDir, 'scored.fifo');
    execFileSync('mkfifo', [fifo]);
    const small = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');
    // The reader opens the FIFO as the CLI does; both block until the other end is open.
    const received = new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      createReadStream(fifo).on('data', (b) => chunks.push(b as Buffer)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
    });
    const run = await runCli(['score', small, '-m', model, '-o', fifo, '--threads', '1']);
    expect(run.code).toBe(0);
    const expected = await runCli(['score', small, '-m', model, '--threads', '1']);
    expect(await received).toBe(expected.stdout);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(outDir)).toEqual(['scored.fifo']);
  });

  it('-o a symlink to a file: the file it points to is replaced, and the link stays a link', async () => {
    const outDir = join(dir, 'symlink');
    mkdirSync(outDir);
    const real = join(outDir, 'real.log');
    writeFileSync(real, 'old\n');
    const link = join(outDir, 'link.log');
    symlinkSync(real, link);
    const small = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');
    const run = await runCli(['score', small, '-m', model, '-o', link, '--threads', '1']);
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^#separator \\x09\n/);
    expect(readdirSync(outDir).sort()).toEqual(['link.log', 'real.log']);
  });
});

describe.skipIf(process.platform === 'win32')('a replaced output keeps what made it what it was', () => {
  const small = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');

  // 0o666 is wider than the usual umask (022) lets a new file be: it must be set past it.
  for (const mode of [0o600, 0o666]) {
    it(`an existing ${mode.toString(8)} output is still ${mode.toString(8)} after score -o replaces it`, async () => {
      const outDir = join(dir, `mode-${mode.toString(8)}`);
      mkdirSync(outDir);
      const out = join(outDir, 'scored.log');
      writeFileSync(out, 'old\n');
      chmodSync(out, mode);
      const run = await runCli(['score', small, '-m', model, '-o', out, '--threads', '1']);
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toMatch(/^#separator \\x09\n/);
      expect(statSync(out).mode & 0o777).toBe(mode);
    });
  }

  it('a private model stays private when fit replaces it', async () => {
    const out = join(dir, 'private.iforest');
    writeFileSync(out, 'old');
    chmodSync(out, 0o600);
    const run = await runCli(['fit', small, '-o', out, '--trees', '5']);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 8).toString('latin1')).toBe('ZIFOREST');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('-o a dangling symlink (through a chain of two): the file it leads to is created, and the links stay links', async () => {
    const outDir = join(dir, 'dangling');
    mkdirSync(join(outDir, 'logs'), { recursive: true });
    const first = join(outDir, 'first.log');
    symlinkSync('second.log', first);
    symlinkSync('logs/scored.log', join(outDir, 'second.log'));
    const run = await runCli(['score', small, '-m', model, '-o', first, '--threads', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(readlinkSync(first)).toBe('second.log');
    expect(readlinkSync(join(outDir, 'second.log'))).toBe('logs/scored.log');
    expect(readFileSync(join(outDir, 'logs/scored.log'), 'utf8')).toMatch(/^#separator \\x09\n/);
    expect(readdirSync(join(outDir, 'logs'))).toEqual(['scored.log']);
  });

  it('-o a symlink loop: one line, exit 1', async () => {
    const outDir = join(dir, 'loop');
    mkdirSync(outDir);
    symlinkSync('b.log', join(outDir, 'a.log'));
    symlinkSync('a.log', join(outDir, 'b.log'));
    const run = await runCli(['score', small, '-m', model, '-o', join(outDir, 'a.log')]);
    expect(run.stderr).toBe(`zeek-iforest: cannot write the output file ${join(outDir, 'a.log')}: too many symbolic links encountered\n`);
    expect(run.code).toBe(1);
  });
});
