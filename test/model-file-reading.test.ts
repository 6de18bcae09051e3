// Reading a model file from a path (readModelFile, what the CLI's -m does) without trusting its
// size: the fixed header says how long the file must be, and nothing past that is read. QA found
// `-m /dev/zero` growing to 4.5 GB in 10 s and `-m big.log` read whole before its magic was looked at.

import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolationForest, ModelFormatError } from '../src/index.js';
import { readModelFile } from '../src/model-file.js';
import { removeDir, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

const NOT_MAGIC = 'not a usable zeek-iforest model: it does not start with the ZIFOREST magic bytes (is this a model file written by `zeek-iforest fit`?)';

let dir: string;
let good: Uint8Array;
let goodPath: string;

beforeAll(() => {
  dir = tempDir();
  const data = Float64Array.from({ length: 300 * 3 }, (_, i) => Math.sin(i) * 100);
  good = IsolationForest.fitSync({ data, nCols: 3 }, { trees: 5, sampleSize: 64, seed: 3, featureSpec: { name: 'test', features: ['a', 'b', 'c'] } }).toBytes();
  goodPath = join(dir, 'good.iforest');
  writeFileSync(goodPath, good);
});

afterAll(() => removeDir(dir));

function readError(path: string): Error {
  try {
    readModelFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    return error as Error;
  }
  throw new Error(`${path} was read as a valid model`);
}

/**
 * Starts a process that writes `head` and then up to `zeros` zero bytes into the FIFO, 64 KiB at
 * a time, and reports how many it wrote in all and whether a closed reader stopped it (EPIPE).
 * It gets everything from its arguments and a file: readModelFile blocks this thread from the
 * moment it opens the FIFO, so nothing could be sent to the writer's stdin until it returns.
 */
function fifoWriter(fifo: string, head: Uint8Array, zeros: number): Promise<{ written: number; stopped: boolean }> {
  const headPath = `${fifo}.head`;
  writeFileSync(headPath, head);
  const script = `
    const fs = require('node:fs');
    const [fifo, headPath, zeros] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const head = fs.readFileSync(headPath);
    const fd = fs.openSync(fifo, 'w');
    let written = 0, stopped = false;
    const write = (b) => { let at = 0; while (at < b.length) { const n = fs.writeSync(fd, b, at); at += n; written += n; } };
    try {
      write(head);
      const block = Buffer.alloc(65536);
      while (written - head.length < zeros) write(block.subarray(0, Math.min(block.length, zeros - (written - head.length))));
    } catch (e) {
      if (e.code !== 'EPIPE') throw e;
      stopped = true;
    }
    fs.closeSync(fd);
    process.stdout.write(JSON.stringify({ written, stopped }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, fifo, headPath, String(zeros)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the FIFO writer exited with ${code}`))));
  });
}

describe('readModelFile reads a regular file no further than its header declares', () => {
  it('gives the bytes of a valid model', () => {
    expect(Buffer.from(readModelFile(goodPath)).equals(Buffer.from(good))).toBe(true);
  });

  it('reads into shared memory, which a forest loaded with copy: false keeps a view of (one copy for every worker)', () => {
    const bytes = readModelFile(goodPath);
    expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    const shared = IsolationForest.fromBytesSync(bytes, { copy: false });
    expect(shared.forestBytes.buffer).toBe(bytes.buffer);
    const copied = IsolationForest.fromBytesSync(bytes);
    expect(copied.forestBytes.buffer).not.toBe(bytes.buffer);
    expect(Buffer.from(copied.forestBytes).equals(Buffer.from(shared.forestBytes))).toBe(true);
  });

  it('refuses a log given as the model after its first bytes, naming the file', () => {
    // A few MB of a real conn.log: the magic is wrong, whatever follows.
    const log = join(dir, 'big.log');
    const conn = readFileSync(join(ZEEK_FIXTURES, 'zat/conn.log'));
    writeFileSync(log, Buffer.concat(Array.from({ length: Math.ceil(4e6 / conn.length) }, () => conn)));
    expect(readError(log).message).toBe(`${log}: ${NOT_MAGIC}`);
    // The same log made 100 GiB long (sparse): read whole, Node would refuse it (over 2 GiB) with
    // another error, so the same message shows that the reader stopped at the header.
    truncateSync(log, 100 * 2 ** 30);
    expect(readError(log).message).toBe(`${log}: ${NOT_MAGIC}`);
  });

  it('refuses a file longer than its header declares without reading it', () => {
    const longer = join(dir, 'appended.iforest');
    writeFileSync(longer, good);
    appendFileSync(longer, Buffer.alloc(3 << 20));
    expect(readError(longer).message).toBe(
      `${longer}: not a usable zeek-iforest model: the file is ${good.length + (3 << 20)} bytes, more than the ${good.length} its header declares`,
    );
    // 100 GiB (sparse): read whole it would be refused by Node (over 2 GiB) or fill memory, with
    // another message; a size check on the header's word refuses it as it is.
    const sparse = join(dir, 'sparse.iforest');
    writeFileSync(sparse, good);
    truncateSync(sparse, 100 * 2 ** 30);
    expect(readError(sparse).message).toBe(
      `${sparse}: not a usable zeek-iforest model: the file is ${100 * 2 ** 30} bytes, more than the ${good.length} its header declares`,
    );
  });

  it('names the file in every other refusal, from the short file to the checksum', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'the file is 0 bytes, too short to be a model'],
      [good.subarray(0, 40), 'the file is truncated (40 bytes)'],
      [good.subarray(0, good.length - 1), 'checksum mismatch'],
    ];
    for (const [bytes, what] of cases) {
      const path = join(dir, 'short.iforest');
      writeFileSync(path, bytes);
      expect(readError(path).message.startsWith(`${path}: not a usable zeek-iforest model: ${what}`), `${bytes.length} bytes`).toBe(true);
    }
  });

  it('leaves errors of the file system as they are, for the CLI to word', () => {
    expect(() => readModelFile(join(dir, 'missing.iforest'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readModelFile(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});

describe.skipIf(process.platform === 'win32')('readModelFile stops a stream where its header says the model ends', () => {
  // /dev/zero and /dev/urandom are read by the CLI in test/cli-usage-errors.test.ts, in a child
  // process with a time limit: read here, a reader without a bound would hang the test run.

  it('refuses a FIFO that goes on past the model, and stops reading it', async () => {
    const fifo = join(dir, 'endless.fifo');
    execFileSync('mkfifo', [fifo]);
    // 256 MiB of zeros after a valid model: a reader that reads it all (and then finds the
    // checksum wrong) takes them all; one that stops after the model closes the pipe on the writer.
    const zeros = 256 << 20;
    const writer = fifoWriter(fifo, good, zeros);
    expect(readError(fifo).message).toBe(`${fifo}: not a usable zeek-iforest model: it goes on past the ${good.length} bytes its header declares`);
    const { written, stopped } = await writer;
    expect(stopped).toBe(true);
    expect(written).toBeLessThan(good.length + zeros);
  });

  it('reads a valid model from a FIFO, and refuses one cut short', async () => {
    const fifo = join(dir, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    let writer = fifoWriter(fifo, good, 0);
    expect(Buffer.from(readModelFile(fifo)).equals(Buffer.from(good))).toBe(true);
    expect(await writer).toEqual({ written: good.length, stopped: false });
    writer = fifoWriter(fifo, good.subarray(0, 1000), 0);
    expect(readError(fifo).message).toMatch(new RegExp(`^${fifo}: not a usable zeek-iforest model: checksum mismatch .*: the file is truncated or corrupted$`));
    await writer;
  });
});
