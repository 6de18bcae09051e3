// What a person sees when the command line or the model is wrong: usage mistakes are one line on
// stderr and exit 2; a model that is not usable is the ModelFormatError's message and exit 1. Never
// a stack trace, never "this looks like a bug".

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/crc32.js';
import { CLI, REPO, assertBuilt, removeDir, runCli, tempDir, ZEEK_FIXTURES, type CliRun, fitZatModel } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
const HINT = ' (run with --help for usage)';

let dir: string;
let model: string;

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = await fitZatModel(dir);
});

afterAll(() => removeDir(dir));

function expectOneLine(run: CliRun, code: number, line: string | RegExp): void {
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.split('\n')).toHaveLength(2); // one line, then the final line end
  if (typeof line === 'string') expect(run.stderr).toBe(`${line}\n`);
  else expect(run.stderr).toMatch(line);
  expect(run.code).toBe(code);
}

describe('usage errors: one line on stderr, exit 2', () => {
  it('an unknown option', async () => {
    expectOneLine(await runCli([CONN, '--bogus']), 2, `zeek-iforest: unknown option '--bogus'${HINT}`);
  });

  it('an unknown option close to a known one, with the suggestion on the same line', async () => {
    expectOneLine(await runCli(['score', CONN, '-m', 'x', '--thread', '2']), 2,
      `zeek-iforest: unknown option '--thread' (Did you mean --threads?)${HINT}`);
  });

  it('score without -m', async () => {
    expectOneLine(await runCli(['score', CONN]), 2, `zeek-iforest: required option '-m, --model <file>' not specified${HINT}`);
  });

  for (const [args, bad] of [
    [['score', CONN, '-m', 'model.iforest', '--threads', 'two'], 'two'],
    [[CONN, '--threads', '1.5'], '1.5'],
  ] as const) {
    it(`--threads ${bad} (${args[0] === 'score' ? 'score' : 'one-go mode'})`, async () => {
      expectOneLine(await runCli(args), 2, `zeek-iforest: --threads must be an integer from 0 to 256 (got "${bad}")`);
    });
  }

  it('--contamination out of range', async () => {
    expectOneLine(await runCli(['fit', CONN, '-o', join(dir, 'never.iforest'), '--contamination', '0.9']), 2,
      `zeek-iforest: --contamination must be 'auto' or a number in (0, 0.5] (got "0.9")`);
  });

  it('fit -o -: a model is binary, so it is refused before any fitting, and no file named "-" appears', async () => {
    const cwd = join(dir, 'dash');
    mkdirSync(cwd);
    // A log that does not exist: the refusal comes first, before any input is opened.
    expectOneLine(await runCli(['fit', join(dir, 'no-such.log'), '-o', '-'], { cwd }), 2,
      'zeek-iforest: fit -o -: a model is binary and is not written to standard output; give a file name (./- for a file named -)');
    expect(readdirSync(cwd)).toEqual([]);
  });

  for (const option of ['--positive', '--negative']) {
    it(`eval ${option} with no label value in it: the option named, not the library's`, async () => {
      const args = option === '--positive' ? ['--positive', ' , '] : ['--positive', 'x', '--negative', ''];
      expectOneLine(await runCli(['eval', CONN, ...args]), 2,
        `zeek-iforest: ${option} must list at least one label value (got "${option === '--positive' ? ' , ' : ''}")`);
    });
  }

  it('a mistyped command that names no file: the command suggested', async () => {
    expectOneLine(await runCli(['scor', CONN, '-m', 'm.iforest']), 2,
      "zeek-iforest: unknown command 'scor' (did you mean score?); with no command, the arguments are logs, and there is no file scor");
    expectOneLine(await runCli(['evl', CONN]), 2,
      "zeek-iforest: unknown command 'evl' (did you mean eval?); with no command, the arguments are logs, and there is no file evl");
    expectOneLine(await runCli(['fti', CONN, '-o', 'x.iforest']), 2,
      "zeek-iforest: unknown command 'fti' (did you mean fit?); with no command, the arguments are logs, and there is no file fti");
  });

  it('standard input named twice: it can be read once', async () => {
    for (const args of [['score', '-', '-', '-m', model], ['fit', '-', CONN, '-', '-o', join(dir, 'twice.iforest')], ['eval', '-', '-', '--positive', 'x']]) {
      expectOneLine(await runCli(args, { input: readFileSync(CONN) }), 2, 'zeek-iforest: - (standard input) is given more than once; it can be read only once');
    }
  });

  it('eval of standard input without -m: it would be read twice (fit, then score)', async () => {
    for (const args of [['eval', '-', '--positive', 'malicious'], ['eval', CONN, '-', '--positive', 'malicious']]) {
      expectOneLine(await runCli(args, { input: readFileSync(CONN) }), 2,
        'zeek-iforest: eval without -m reads its logs twice (fit, then score), so it cannot take stdin: give a model fitted elsewhere with -m, or the log as a file');
    }
  });

  it('an output that is one of the inputs (also through a link): refused, and the log left as it was', async () => {
    const log = join(dir, 'self.log');
    cpSync(CONN, log);
    symlinkSync(log, join(dir, 'self-link.log'));
    for (const out of [log, join(dir, 'self-link.log')]) {
      expectOneLine(await runCli(['score', log, '-m', model, '-o', out]), 2,
        `zeek-iforest: the output ${out} is the input ${log}: scoring would replace the log with its scored copy; write to another file`);
      expect(readFileSync(log)).toEqual(readFileSync(CONN));
    }
  });

  it('-m - and an empty -m: what a model is read from', async () => {
    expectOneLine(await runCli(['score', CONN, '-m', '-']), 2,
      'zeek-iforest: -m -: a model is read from a file, not from standard input (it is read twice: its header, then the rest)');
    expectOneLine(await runCli(['score', CONN, '-m', '']), 2, 'zeek-iforest: -m needs the path of a model file written by `fit`');
  });

  it('--trees and --sample-size that make a forest larger than a model may hold, in the flags\' terms, for fit and the one-go mode', async () => {
    for (const command of [['fit', CONN, '-o', join(dir, 'big.iforest')], [CONN]]) {
      expectOneLine(await runCli([...command, '--trees', '86', '--sample-size', '65536']), 2,
        'zeek-iforest: --trees 86 with --sample-size 65536 makes a forest of 67,632,464 bytes (64.5 MiB), more than the 67,108,864 (64 MiB) a model may hold: use fewer trees or a smaller --sample-size');
    }
    // Just over the limit: the bytes show what "64.0 MiB" alone would hide.
    for (const command of [['fit', CONN, '-o', join(dir, 'big.iforest')]]) {
      expectOneLine(await runCli([...command, '--trees', '683', '--sample-size', '8192']), 2,
        'zeek-iforest: --trees 683 with --sample-size 8192 makes a forest of 67,136,168 bytes (64.0 MiB), more than the 67,108,864 (64 MiB) a model may hold: use fewer trees or a smaller --sample-size');
    }
    expect(existsSync(join(dir, 'big.iforest'))).toBe(false);
  });

  it('a model path that cannot be read: exit 1, as a log that cannot be read', async () => {
    expectOneLine(await runCli(['score', CONN, '-m', join(dir, 'missing.iforest')]), 1,
      `zeek-iforest: cannot read the model file ${join(dir, 'missing.iforest')}: no such file or directory`);
  });
});

describe('unusable models: the ModelFormatError message, exit 1, no stack', () => {
  it('a model with one byte flipped fails its checksum', async () => {
    const bytes = readFileSync(model);
    bytes[bytes.length >> 1] ^= 0xff;
    const bad = join(dir, 'flipped.iforest');
    writeFileSync(bad, bytes);
    expectOneLine(await runCli(['score', CONN, '-m', bad, '-o', join(dir, 'out.log')]), 1,
      /^zeek-iforest: \S+flipped\.iforest: not a usable zeek-iforest model: checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file is truncated or corrupted\n$/);
  });

  it('a truncated model', async () => {
    const bad = join(dir, 'truncated.iforest');
    writeFileSync(bad, readFileSync(model).subarray(0, 100));
    expectOneLine(await runCli(['eval', CONN, '--positive', 'x', '-m', bad]), 1,
      /^zeek-iforest: \S+truncated\.iforest: not a usable zeek-iforest model: .*truncated or corrupted\n$/);
  });

  it('a directory given as the model, to score and to eval: as a directory given as a log is, exit 1', async () => {
    expectOneLine(await runCli(['score', CONN, '-m', dir]), 1, `zeek-iforest: ${dir}: is a directory, not a model file`);
    expectOneLine(await runCli(['eval', CONN, '--positive', 'x', '-m', dir]), 1, `zeek-iforest: ${dir}: is a directory, not a model file`);
    // The log case it now matches.
    expectOneLine(await runCli(['score', dir, '-m', model]), 1, `zeek-iforest: ${dir}: cannot read: it is a directory`);
  });

  it('an empty file and a log given as the model', async () => {
    const empty = join(dir, 'empty.iforest');
    writeFileSync(empty, '');
    expectOneLine(await runCli(['score', CONN, '-m', empty]), 1,
      `zeek-iforest: ${empty}: not a usable zeek-iforest model: the file is 0 bytes, too short to be a model`);
    expectOneLine(await runCli(['score', CONN, '-m', CONN]), 1,
      `zeek-iforest: ${CONN}: not a usable zeek-iforest model: it does not start with the ZIFOREST magic bytes (is this a model file written by \`zeek-iforest fit\`?)`);
  });

  // QA: `-m /dev/zero` grew to 4.5 GB in 10 s, the model being read whole before its magic was
  // looked at. Run with 2 GB of address space (ulimit -v), a reader without a bound fails with
  // another message instead of taking the machine's memory; the time limit only ends a run that
  // would never end, it measures nothing. (The model is refused before any WASM memory is asked for.)
  it.skipIf(process.platform === 'win32')('a device that never ends, refused after its first bytes', () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      const run = spawnSync('sh', ['-c', 'ulimit -v 2000000 && exec "$0" "$@"', process.execPath, CLI, 'score', CONN, '-m', device], { encoding: 'utf8', timeout: 60_000 });
      expect(run.signal, `${device} was still being read after 60 s`).toBeNull();
      expectOneLine({ code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }, 1,
        `zeek-iforest: ${device}: not a usable zeek-iforest model: it does not start with the ZIFOREST magic bytes (is this a model file written by \`zeek-iforest fit\`?)`);
    }
  });

  // QA: a resealed model with nCols 17 (its spec lists 16) scored with the wrong row stride; with
  // nCols 1000 a worker failed with "Invalid typed array length" and "this looks like a bug".
  it('a resealed model whose column count is not its spec\'s number of features', async () => {
    for (const nCols of [17, 1000]) {
      const bytes = readFileSync(model);
      bytes.writeUInt32LE(nCols, 28);
      bytes.writeUInt32LE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
      const bad = join(dir, `ncols${nCols}.iforest`);
      writeFileSync(bad, bytes);
      expectOneLine(await runCli(['score', CONN, '-m', bad, '-o', join(dir, 'out.log'), '--threads', '2']), 1,
        `zeek-iforest: ${bad}: not a usable zeek-iforest model: nCols = ${nCols}, but the feature spec lists 16 features`);
    }
  });
});

describe('an unbuilt WASM kernel: one line that says how to build it, exit 1', () => {
  it('score with the default engine names the missing file and the two ways on; --engine ts still works', async () => {
    // A copy of the built package without build/release.wasm (node_modules shared with the repo).
    const pkg = join(dir, 'unbuilt');
    mkdirSync(pkg);
    cpSync(join(REPO, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(pkg, 'node_modules'));
    const cli = join(pkg, 'dist/cli/main.js');
    const run = (args: string[]): CliRun => {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    };
    expectOneLine(run(['score', CONN, '-m', model, '-o', join(dir, 'unbuilt.log')]), 1,
      `zeek-iforest: cannot read the WASM kernel at ${join(pkg, 'build/release.wasm')}: run \`npm run build\` (or \`npm ci\`) first, or use the TypeScript engine (--engine ts; engine: 'ts' in the API)`);
    const ts = run(['score', CONN, '-m', model, '-o', join(dir, 'unbuilt-ts.log'), '--engine', 'ts']);
    expect(ts.code, ts.stderr).toBe(0);
    expect(readFileSync(join(dir, 'unbuilt-ts.log'), 'utf8').split('\n').length).toBeGreaterThan(360);
  });
});
