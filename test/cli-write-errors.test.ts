// An output that cannot be written (a full disk, a quota, an I/O error, a file size limit) is the
// user's environment, not a bug: one line naming the output and the system's reason, exit 1, no
// stack trace, and, for an output file, no partial file and an existing one left as it was.
// /dev/full (Linux) answers every write with ENOSPC; a file size limit (ulimit -f) gives EFBIG on
// a regular file.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, REPO, removeDir, runCli, tempDir, ZEEK_FIXTURES, type CliRun, fitZatModel } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
const onLinux = process.platform === 'linux' && existsSync('/dev/full');

let dir: string;
let model: string;

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = await fitZatModel(dir);
});

afterAll(() => removeDir(dir));

/** Runs the CLI with its stdout on /dev/full. */
function runToFullDisk(args: readonly string[]): Promise<CliRun> {
  const full = openSync('/dev/full', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', full, 'pipe'] });
    closeSync(full);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
  });
}

describe.skipIf(!onLinux)('a full disk', () => {
  for (const args of [['--threads', '2'], ['--threads', '0', '--format', 'json']]) {
    it(`standard output on /dev/full (${args.join(' ')}): one line, exit 1`, async () => {
      const run = await runToFullDisk(['score', CONN, '-m', model, ...args]);
      expect(run.stderr).toBe('zeek-iforest: cannot write standard output: no space left on device\n');
      expect(run.code).toBe(1);
    });
  }

  it('fit --json with its summary going to /dev/full: one line, exit 1', async () => {
    const run = await runToFullDisk(['fit', CONN, '-o', join(dir, 'fit-json.iforest'), '--json']);
    expect(run.stderr).toBe('zeek-iforest: cannot write standard output: no space left on device\n');
    expect(run.code).toBe(1);
  });

  it('-o /dev/full, for score and for fit: one line naming the output, exit 1', async () => {
    const score = await runCli(['score', CONN, '-m', model, '-o', '/dev/full']);
    expect(score.stderr).toBe('zeek-iforest: cannot write the output file /dev/full: no space left on device\n');
    expect(score.code).toBe(1);
    const fit = await runCli(['fit', CONN, '-o', '/dev/full', '--trees', '20']);
    expect(fit.stderr).toBe('zeek-iforest: cannot write the output file /dev/full: no space left on device\n');
    expect(fit.code).toBe(1);
  });
});

describe.skipIf(!onLinux)('a file size limit (EFBIG) on a regular output file', () => {
  it('one line, exit 1; the existing output is left as it was and no temporary file remains', async () => {
    const outDir = join(dir, 'limited');
    const out = join(outDir, 'scored.log');
    await runCli(['score', CONN, '-m', model, '-o', join(dir, 'unlimited.log')]);
    // The scored log is ~50 KB; the limit lets 10 KB through, so the failure comes mid-write.
    expect(readFileSync(join(dir, 'unlimited.log')).length).toBeGreaterThan(40_000);
    mkdirSync(outDir);
    writeFileSync(out, 'an earlier run wrote this\n');
    // SIGXFSZ ignored (inherited through exec), so the write fails with EFBIG instead of killing node.
    const run = await new Promise<CliRun>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', 'trap "" XFSZ; ulimit -f 20; exec "$@"', 'sh', process.execPath, CLI, 'score', CONN, '-m', model, '-o', out, '--threads', '1'],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expect(run.stderr).toBe(`zeek-iforest: cannot write the output file ${out}: file too large\n`);
    expect(run.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('an earlier run wrote this\n');
    expect(readdirSync(outDir)).toEqual(['scored.log']);
  });
});
