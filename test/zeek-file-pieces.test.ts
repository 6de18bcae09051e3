// readChunks on a plain file reads it straight into pooled buffers (file-pieces.ts) and turns
// whole-line pieces into chunks without a copy (LineCutter.pushOwned). That path must give exactly
// what the stream path gives for the same bytes: the same bytes in the chunks, the same records,
// rejections and line numbers, whatever the chunk size, the line limit, the line counting mode,
// the pool's buffer size, and whether chunk buffers are given back for reuse as the pipeline does.
import fc from 'fast-check';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferPool } from '../src/buffer-pool.js';
import { chunkBufferBytes, readChunks, type Chunk } from '../src/zeek/chunks.js';
import { openPlainFile } from '../src/zeek/file-pieces.js';
import { parseChunk, type Rejection, type Source, type ZeekHeader } from '../src/zeek/index.js';
import { removeDir, REPO, tempDir } from './helpers/e2e.js';
import { fixture, num, rowsOf, str, type Row } from './zeek-helpers.js';

const COLS = [...num('ts', 'orig_bytes', 'duration', 'id.resp_p'), ...str('uid', 'proto', 'query', 'label')];
const CHUNK_BYTES = [1, 7, 100, 4096, 1 << 16, 1 << 20];
const MAX_LINE_BYTES = [64, 300, 1 << 20];

/** A pool that counts the buffers filePieces asks for (take() without a size: only it does that). */
class CountingPool extends BufferPool {
  pieceBuffers = 0;
  override take(min?: number): Uint8Array {
    if (min === undefined) this.pieceBuffers++;
    return super.take(min);
  }
}

interface Reading {
  bytes: Buffer;
  rows: Row[];
  rejections: Rejection[];
  counts: { linesRead: number; headerLines: number; rejected: number; rejectedByReason: Record<string, number> };
  /** The header in force at the end, as parseChunk leaves it. */
  header: ZeekHeader | null;
  format: string | undefined;
  bytesRead: number;
}

interface ReadOptions {
  chunkBytes: number;
  maxLineBytes: number;
  countLines: boolean;
  pool?: BufferPool;
  /** Give each chunk's buffer back to the pool once parsed, as the pipeline does. */
  recycle?: boolean;
  /** Called with each chunk before its buffer is given back. */
  onChunk?: (c: Chunk) => void;
}

/** Reads `source` and parses every chunk at once, copying out all results before the buffer is reused. */
async function readThrough(source: Source, o: ReadOptions): Promise<Reading> {
  const parse = { file: 't', columns: COLS, strict: false, maxLineBytes: o.maxLineBytes, maxRejectionsKept: 1_000_000 };
  const parts: Buffer[] = [];
  const rows: Row[] = [];
  const rejections: Rejection[] = [];
  const counts = { linesRead: 0, headerLines: 0, rejected: 0, rejectedByReason: {} as Record<string, number> };
  let header: ZeekHeader | null = null;
  let format: string | undefined;
  let bytesRead = 0;
  let line = 1;
  const badChunks: string[] = [];
  for await (const c of readChunks(source, { file: 't', chunkBytes: o.chunkBytes, maxLineBytes: o.maxLineBytes, countLines: o.countLines, pool: o.pool })) {
    o.onChunk?.(c);
    // Line numbers as each mode gives them: counted by the reader, or by the caller from the
    // parse results (the worker pool's way). Checked without expect: there are many chunks.
    if (c.firstLine !== (o.countLines ? line : 0)) badChunks.push(`firstLine ${c.firstLine} where line ${line}`);
    if (c.bytesRead < bytesRead) badChunks.push(`bytesRead ${c.bytesRead} after ${bytesRead}`);
    const r = parseChunk(c.bytes, line, c.header, parse);
    line += r.linesRead;
    parts.push(Buffer.from(c.bytes));
    rows.push(...rowsOf(r.batches));
    rejections.push(...r.rejections);
    counts.linesRead += r.linesRead;
    counts.headerLines += r.headerLines;
    counts.rejected += r.rejected;
    for (const [k, n] of Object.entries(r.rejectedByReason)) counts.rejectedByReason[k] = (counts.rejectedByReason[k] ?? 0) + n;
    header = r.header;
    format = c.format;
    bytesRead = c.bytesRead;
    if (o.recycle) o.pool!.give(c.bytes.buffer);
  }
  expect(badChunks).toEqual([]);
  return { bytes: Buffer.concat(parts), rows, rejections, counts, header, format, bytesRead };
}

function expectSameReading(file: Reading, stream: Reading, label: string): void {
  expect(file.bytes.equals(stream.bytes), `${label}: chunk bytes`).toBe(true);
  expect(file.rows, `${label}: records`).toEqual(stream.rows);
  expect(file.rejections, `${label}: rejections`).toEqual(stream.rejections);
  expect(file.counts, `${label}: counts`).toEqual(stream.counts);
  expect(file.header, `${label}: final header`).toEqual(stream.header);
  expect(file.format, `${label}: format`).toBe(stream.format);
  expect(file.bytesRead, `${label}: bytesRead`).toBe(stream.bytesRead);
}

const fx = (rel: string): Buffer => readFileSync(fixture(rel));
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
/** The prefix of `b` that ends on the last line end at or before `n` bytes. */
const lines = (b: Buffer, n: number): Buffer => b.subarray(0, b.lastIndexOf(0x0a, n - 1) + 1);

const conn = fx('zat/conn.log');
const connHeader = lines(conn, conn.indexOf('\n1379') + 1);
const connRecords = conn.subarray(connHeader.length, conn.indexOf('\n#close') + 1);
const jsonConn = fx('zat/json_conn.log');
/** conn.log cut to a few kB (header, records, #close), for the edge cases: the matrix is big. */
const connSmall = Buffer.concat([connHeader, lines(connRecords, 6000), conn.subarray(conn.indexOf('\n#close') + 1)]);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const INPUTS: [string, Buffer][] = [
  ['zat/conn.log', conn],
  ['zat/json_conn.log', jsonConn],
  ['zat/json_dns.log', fx('zat/json_dns.log')],
  ['zat/dns.log', fx('zat/dns.log')],
  ['synthetic/escapes.log', fx('synthetic/escapes.log')],
  // Bigger than a read (64 KiB), so pieces carry unfinished lines over to the next buffer.
  ['brim/dns-sample.log (gunzipped, first 100 kB)', lines(gunzipSync(fx('brim/dns-sample.log.gz')), 100_000)],
  ['brim/dns-sample.json (gunzipped, first 100 kB)', lines(gunzipSync(fx('brim/dns-sample.json.gz')), 100_000)],
  ['several header blocks', Buffer.concat([fx('btest/opt.basic_conn.log'), fx('synthetic/iot23-quirk.conn.log.labeled'), conn, fx('synthetic/node-name-truncated.conn.log'), fx('btest/core.cisco-fabric-path_conn.log')])],
  ['UTF-8 BOM, TSV', Buffer.concat([BOM, connSmall])],
  ['UTF-8 BOM, JSON', Buffer.concat([BOM, jsonConn])],
  ['UTF-8 BOM only', BOM],
  ['UTF-8 BOM and a line end', Buffer.concat([BOM, text('\n')])],
  ['CRLF lines, TSV', text(connSmall.toString('latin1').replace(/\n/g, '\r\n'))],
  ['CRLF lines, JSON', text(jsonConn.toString('latin1').replace(/\n/g, '\r\n'))],
  ['no final line end (a record)', Buffer.concat([connHeader, lines(connRecords, 6000).subarray(0, -1)])],
  ['no final line end (#close)', connSmall.subarray(0, -1)],
  ['empty file', Buffer.alloc(0)],
  ['header only', connHeader],
  ['blank lines only', text('\n\n\r\n\n')],
  ['blank lines around and inside a log', Buffer.concat([text('\n\r\n\n'), connHeader, text('\n'), connRecords.subarray(0, 2000), text('\n\n\r\n'), lines(connRecords, 6000).subarray(2000), text('\n\n')])],
  // Over-long lines: over 64 and 300 bytes; over a pool buffer for the small limits (64 KiB +
  // maxLineBytes + 1), so a piece has no line end; over every pool buffer (2 MiB + 1 at most).
  ['over-long lines', Buffer.concat([connHeader, connRecords.subarray(0, 500), text(`1.0\t${'x'.repeat(400)}\n`), connRecords.subarray(500, 900), text(`2.0\t${'y'.repeat(70_000)}\r\n`), connRecords.subarray(900, 5000), text(`3.0\t${'z'.repeat(2_200_000)}\n4.0\tC4\n`), text('w'.repeat(80_000))])],
  ['a single over-long line without a line end', text('q'.repeat(150_000))],
  ['an over-long first line, then JSON', Buffer.concat([text(`{"ts":${'1'.repeat(400)}}\n`), jsonConn])],
  ['an over-long line right at a read boundary', Buffer.concat([text(`${'a'.repeat(99)}\n`.repeat(655)), text(`${'b'.repeat(100_000)}\n`), connSmall])],
];

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

let n = 0;
function writeTemp(bytes: Uint8Array, suffix = '.log'): string {
  const path = join(dir, `in-${n++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

describe('readChunks on a plain file', () => {
  it.each(INPUTS)('gives what the stream path gives: %s', async (name, bytes) => {
    const path = writeTemp(bytes);
    for (const countLines of [true, false]) {
      for (const chunkBytes of CHUNK_BYTES) {
        for (const maxLineBytes of MAX_LINE_BYTES) {
          const label = `${name}, countLines ${countLines}, chunkBytes ${chunkBytes}, maxLineBytes ${maxLineBytes}`;
          const pool = new CountingPool(chunkBufferBytes(chunkBytes, maxLineBytes), 0);
          const file = await readThrough(path, { chunkBytes, maxLineBytes, countLines, pool });
          const stream = await readThrough(Readable.from([bytes]), { chunkBytes, maxLineBytes, countLines });
          expect(pool.pieceBuffers, `${label}: read through file pieces`).toBeGreaterThan(0);
          expectSameReading(file, stream, label);
          expect(file.bytesRead, label).toBe(bytes.length);
        }
      }
    }
  });

  it('hands whole-line pieces on without copying them', async () => {
    const bytes = gunzipSync(fx('brim/dns-sample.log.gz'));
    const path = writeTemp(bytes);
    const pool = new BufferPool(chunkBufferBytes(1 << 16, 1 << 20), 0);
    let chunks = 0;
    let views = 0;
    const file = await readThrough(path, {
      chunkBytes: 1 << 16, maxLineBytes: 1 << 20, countLines: false, pool,
      onChunk: (c) => {
        chunks++;
        // A piece buffer is pool-sized; a copied chunk gets a buffer of its own size.
        if (c.bytes.buffer.byteLength === pool.capacity && c.bytes.length < pool.capacity) views++;
      },
    });
    expect(file.bytes.equals(bytes)).toBe(true);
    expect(chunks).toBeGreaterThan(4);
    expect(views).toBeGreaterThanOrEqual(chunks - 1);
  });

  it('is unchanged when every chunk buffer goes back to a pool shared by all reads, as in the pipeline', async () => {
    const paths = INPUTS.map(([, bytes]) => writeTemp(bytes));
    // The pipeline's mode (countLines false); the smaller chunk sizes take the copying path.
    for (const [chunkBytes, maxLineBytes] of [[100, 300], [4096, 64], [1 << 16, 64], [1 << 16, 1 << 20], [1 << 20, 300]]) {
      // One pool for every file, as score-logs has for all its sources.
      const pool = new BufferPool(chunkBufferBytes(chunkBytes, maxLineBytes), 6);
      const seen = new Set<ArrayBufferLike>();
      let reused = 0;
      const onChunk = (c: Chunk): void => {
        if (seen.has(c.bytes.buffer)) reused++;
        seen.add(c.bytes.buffer);
      };
      for (const [i, [name, bytes]] of INPUTS.entries()) {
        const label = `${name}, chunkBytes ${chunkBytes}, maxLineBytes ${maxLineBytes}, recycled`;
        const file = await readThrough(paths[i], { chunkBytes, maxLineBytes, countLines: false, pool, recycle: true, onChunk });
        const stream = await readThrough(Readable.from([bytes]), { chunkBytes, maxLineBytes, countLines: false });
        expectSameReading(file, stream, label);
      }
      // Whole-line pieces become chunks when a read is under two chunks: then the pool does go
      // round, later chunks coming in buffers earlier ones gave back.
      if (chunkBytes >= 1 << 16) expect(reused, `chunkBytes ${chunkBytes}, maxLineBytes ${maxLineBytes}`).toBeGreaterThan(10);
      expect(pool.idle).toBeLessThanOrEqual(6);
    }
  });

  // Lines outgrow such buffers, so pieces without a line end are common (chunkBufferBytes says
  // smaller buffers work, through the copying path). Small inputs: a 3-byte buffer is a read per
  // 3 bytes.
  const SMALL_INPUTS: [string, Buffer][] = [
    ['TSV', Buffer.concat([connHeader, lines(connRecords, 1500)])],
    ['UTF-8 BOM, JSON, CRLF', Buffer.concat([BOM, text(lines(jsonConn, 1500).toString('latin1').replace(/\n/g, '\r\n'))])],
    ['over-long lines, no final line end', Buffer.concat([connHeader, lines(connRecords, 300), text(`1.0\t${'x'.repeat(400)}\n2.0\t${'y'.repeat(2000)}\r\n`), lines(connRecords, 300), text('w'.repeat(500))])],
    ['a single over-long line without a line end', text('q'.repeat(3000))],
    ['blank lines, then JSON', Buffer.concat([text('\n\r\n\n'), lines(jsonConn, 800)])],
  ];

  it.each([3, 16, 100, 1000, 70_000])('works with pool buffers of %i bytes, smaller than lines and reads', async (capacity) => {
    for (const [name, bytes] of SMALL_INPUTS) {
      const path = writeTemp(bytes);
      for (const [chunkBytes, maxLineBytes, countLines] of [[1, 64, true], [7, 300, false], [100, 300, true], [4096, 1 << 20, false], [1 << 16, 64, true]] as const) {
        {
          const label = `${name}, pool buffers ${capacity}, chunkBytes ${chunkBytes}, maxLineBytes ${maxLineBytes}, countLines ${countLines}`;
          const pool = new CountingPool(capacity, 0);
          const file = await readThrough(path, { chunkBytes, maxLineBytes, countLines, pool });
          const stream = await readThrough(Readable.from([bytes]), { chunkBytes, maxLineBytes, countLines });
          expectSameReading(file, stream, label);
          expect(pool.pieceBuffers, label).toBeGreaterThanOrEqual(Math.floor(bytes.length / capacity));
        }
      }
    }
  });

  // Regression (found writing this file): LineCutter.push looked for the byte order mark only in
  // the first piece it got, so a BOM split over pieces stayed in the chunk, and the first line no
  // longer started with '#' or '{'. From a file that needs pool buffers under 3 bytes; a stream
  // whose first piece is 2 bytes (inputBytes gathers 2 for the gzip magic) did the same.
  it('strips a UTF-8 BOM read in pieces of 2 bytes', async () => {
    const bytes = Buffer.concat([BOM, text('#fields\tts\n1.5\n')]);
    const file = await readThrough(writeTemp(bytes), { chunkBytes: 100, maxLineBytes: 300, countLines: true, pool: new BufferPool(2, 0) });
    expect(file.bytes.toString('latin1')).toBe('#fields\tts\n1.5\n');
  });

  // Regression (found writing this file): filePieces copied the unfinished line into a fresh
  // pool.take(), which is `capacity` bytes, but the buffer it was read into can be bigger (a
  // recycled chunk buffer the cutter had to allocate over capacity). A carry-over longer than
  // capacity then threw "offset is out of bounds", reported as a ZeekReadError. The pipeline's
  // pool (chunkBufferBytes, never smaller than a read) cannot carry that much; a library caller's
  // smaller pool can.
  it('works with a small pool whose buffers are recycled', async () => {
    const pool = new BufferPool(100, 4);
    // A 501-byte chunk (over capacity, so allocated apart) goes back to the pool and is kept...
    const first = text(`${'x'.repeat(500)}\n`);
    // ...and this file is read into it: 499 bytes of an unfinished line to carry over.
    const second = text(`a\n${'y'.repeat(600)}\n`);
    for (const bytes of [first, second]) {
      const o = { chunkBytes: 1, maxLineBytes: 1 << 20, countLines: true };
      const file = await readThrough(writeTemp(bytes), { ...o, pool, recycle: true });
      expectSameReading(file, await readThrough(Readable.from([bytes]), o), 'recycled small pool');
    }
  });

  // Regression (found by the property below): before the format was known, LineCutter.startHeader
  // skipped every '\r' and '\n' to find the first line, so '\r\r' counted as blank and a '{' line
  // after it made the chunk JSON; chunk() and parseChunk take '\r\r' as a line of its own (TSV,
  // a bad record). Whether the '{' shared a chunk with it then changed line 1's rejection. The
  // stream path showed it between chunk sizes too (1 against 4096); here the file path ends its
  // first piece after '\r\r\n' (the last line has no line end), where the stream path does not.
  it("reads a '\\r\\r' line before JSON as the stream path does", async () => {
    const bytes = text('\r\r\n{"ts":1}');
    const o = { chunkBytes: 100, maxLineBytes: 300, countLines: true };
    const file = await readThrough(writeTemp(bytes), o);
    expectSameReading(file, await readThrough(Readable.from([bytes]), o), "'\\r\\r' then JSON");
  });

  it('agrees with the stream path on arbitrary logs, pool sizes and recycling', async () => {
    const blockA = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tproto\n#types\ttime\tstring\tenum';
    const blockB = '#separator \\x09\n#fields\tts\tproto\n#types\ttime\tenum';
    const line = fc.oneof(
      fc.constantFrom(blockA, blockB, '#close\t2020', '', '\r', '{"ts":1,"proto":"tcp"}', '{', '1.5\tC1\ttcp', '2.5\tudp'),
      fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, ' ')),
      fc.integer({ min: 60, max: 700 }).map((k) => 'y'.repeat(k)),
    );
    const poolKind = fc.oneof(
      fc.constant({ kind: 'default' as const }),
      // Not under 3 bytes: see the known bug with a split byte order mark above.
      fc.record({ kind: fc.constant('small' as const), capacity: fc.integer({ min: 3, max: 600 }) }),
      fc.constant({ kind: 'recycled' as const }),
    );
    // Files are written once per run and reused, so the property stays cheap.
    const path = join(dir, 'property.log');
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 40 }), fc.boolean(), fc.boolean(), fc.boolean(),
        fc.integer({ min: 1, max: 400 }), fc.integer({ min: 32, max: 400 }), fc.boolean(), poolKind,
        async (ls, crlf, bom, finalEnd, chunkBytes, maxLineBytes, countLines, pk) => {
          // Not a lone '\r' before CRLF: see the known bug with a '\r\r' line above.
          const body = ls.map((l) => (crlf && l === '\r' ? '' : l)).join(crlf ? '\r\n' : '\n') + (finalEnd && ls.length > 0 ? '\n' : '');
          const bytes = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(body)]);
          writeFileSync(path, bytes);
          const pool = pk.kind === 'small' ? new BufferPool(pk.capacity, 0)
            : pk.kind === 'recycled' ? new BufferPool(chunkBufferBytes(chunkBytes, maxLineBytes), 3)
              : undefined;
          const o = { chunkBytes, maxLineBytes, countLines };
          const file = await readThrough(path, { ...o, pool, recycle: pk.kind === 'recycled' });
          // A second read through the same, now well-stocked, pool.
          const again = pk.kind === 'recycled' ? await readThrough(path, { ...o, pool, recycle: true }) : file;
          const stream = await readThrough(Readable.from([bytes]), o);
          expectSameReading(file, stream, 'property');
          expectSameReading(again, stream, 'property, second read');
        }),
      { numRuns: 150 },
    );
  });
});

describe('readChunks on what is not a plain file', () => {
  it('opens only plain, uncompressed regular files for pieces', async () => {
    const plain = await openPlainFile(writeTemp(conn));
    expect(plain).not.toBeNull();
    await plain!.close();
    // One byte of a gzip magic is not gzip.
    const short = await openPlainFile(writeTemp(Buffer.from([0x1f])));
    expect(short).not.toBeNull();
    await short!.close();
    const empty = await openPlainFile(writeTemp(Buffer.alloc(0)));
    expect(empty).not.toBeNull();
    await empty!.close();
    expect(await openPlainFile(writeTemp(gzipSync(conn), '.gz'))).toBeNull();
    expect(await openPlainFile(dir)).toBeNull();
    expect(await openPlainFile(join(dir, 'missing.log'))).toBeNull();
  });

  it.skipIf(process.platform === 'win32')('reads a device through the stream path', async () => {
    // /dev/null reads like an empty file, but is no regular file: not for pieces.
    expect(await openPlainFile('/dev/null')).toBeNull();
    const pool = new CountingPool(chunkBufferBytes(100, 300), 0);
    const file = await readThrough('/dev/null', { chunkBytes: 100, maxLineBytes: 300, countLines: true, pool });
    expectSameReading(file, await readThrough(Readable.from([]), { chunkBytes: 100, maxLineBytes: 300, countLines: true }), '/dev/null');
    expect(file.counts.rejectedByReason).toEqual({ 'empty input': 1 });
    expect(pool.pieceBuffers).toBe(0);
  });

  it('reads a gzip file through the stream path, with the same result as its bytes', async () => {
    const bytes = Buffer.concat([fx('btest/opt.basic_conn.log'), conn, Buffer.concat([BOM, jsonConn])]);
    // Named .log: gzip is told by its magic bytes, not by the name.
    const path = writeTemp(gzipSync(bytes), '.log');
    for (const [chunkBytes, maxLineBytes] of [[1, 64], [4096, 300], [1 << 20, 1 << 20]]) {
      for (const countLines of [true, false]) {
        const pool = new CountingPool(chunkBufferBytes(chunkBytes, maxLineBytes), 4);
        const label = `gzip, chunkBytes ${chunkBytes}, maxLineBytes ${maxLineBytes}, countLines ${countLines}`;
        const file = await readThrough(path, { chunkBytes, maxLineBytes, countLines, pool, recycle: true });
        const stream = await readThrough(Readable.from([bytes]), { chunkBytes, maxLineBytes, countLines });
        expectSameReading(file, stream, label);
        // No line is over 1 MiB, and the BOM is mid-stream (not stripped): all bytes come through.
        if (maxLineBytes === 1 << 20) expect(file.bytes.equals(bytes), label).toBe(true);
        expect(pool.pieceBuffers, label).toBe(0);
      }
    }
  });

  it('leaves a missing file and a directory to the stream path, which words the error', async () => {
    const missing = join(dir, 'missing.log');
    await expect(readThrough(missing, { chunkBytes: 100, maxLineBytes: 300, countLines: true })).rejects.toThrow(`t: cannot read: no such file`);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    await expect(readThrough(sub, { chunkBytes: 100, maxLineBytes: 300, countLines: true })).rejects.toThrow(`t: cannot read: it is a directory`);
  });

  it.skipIf(process.platform === 'win32')('reads a FIFO through the stream path', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const bytes = conn; // under the 64 KiB a pipe holds, so it is written before anyone reads
    expect(bytes.length).toBeLessThan(1 << 16);
    // Opened for reading and writing, a FIFO never blocks (Linux), and this end keeps the pipe
    // and its contents alive while readChunks looks at the path and opens it for the stream.
    const holder = openSync(fifo, constants.O_RDWR);
    let closed = false;
    try {
      writeSync(holder, bytes);
      expect(await openPlainFile(fifo)).toBeNull();
      const pool = new CountingPool(chunkBufferBytes(100, 300), 0);
      const file = await readThrough(fifo, {
        chunkBytes: 100, maxLineBytes: 300, countLines: true, pool,
        // The reader has the bytes once it gives a chunk: close the writing end for its EOF.
        onChunk: () => {
          if (!closed) closeSync(holder);
          closed = true;
        },
      });
      const stream = await readThrough(Readable.from([bytes]), { chunkBytes: 100, maxLineBytes: 300, countLines: true });
      expectSameReading(file, stream, 'FIFO');
      expect(file.bytes.equals(bytes)).toBe(true);
      expect(pool.pieceBuffers).toBe(0);
    } finally {
      if (!closed) closeSync(holder);
    }
  });

  // Regression (found writing this file): openPlainFile opened a FIFO to look at it and closed it
  // again before the stream path opened it anew. A writer already writing then died of SIGPIPE,
  // or what it had written was lost. Now the path is looked at with stat, never opened twice.
  it.skipIf(process.platform === 'win32')('reads a FIFO whose writer is another process, and the writer finishes cleanly', async () => {
    const fifo = join(dir, 'fifo-writer');
    execFileSync('mkfifo', [fifo]);
    // Several pipe buffers' worth, so the writer is blocked mid-write while the reader starts.
    const bytes = Buffer.concat(Array.from({ length: 8 }, () => conn));
    const source = join(dir, 'fifo-source.log');
    writeFileSync(source, bytes);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', source, fifo], { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => writer.on('exit', (code, signal) => resolve({ code, signal })));
    const file = await readThrough(fifo, { chunkBytes: 4096, maxLineBytes: 1 << 20, countLines: true });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(file.bytes.equals(bytes)).toBe(true);
  });

  it('reads "-" from standard input through the stream path', async () => {
    const chunksJs = pathToFileURL(join(REPO, 'dist/zeek/chunks.js')).href;
    const script = `
      import { createHash } from 'node:crypto';
      import { readChunks } from ${JSON.stringify(chunksJs)};
      const h = createHash('sha256');
      let bytesRead = 0, files = new Set();
      for await (const c of readChunks('-', { chunkBytes: 100, maxLineBytes: 300 })) { h.update(c.bytes); bytesRead = c.bytesRead; files.add(c.file); }
      console.log(JSON.stringify({ sha: h.digest('hex'), bytesRead, files: [...files] }));
    `;
    const bytes = Buffer.concat([BOM, conn]);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: bytes, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const stream = await readThrough(Readable.from([bytes]), { chunkBytes: 100, maxLineBytes: 300, countLines: true });
    expect(JSON.parse(run.stdout)).toEqual({ sha: createHash('sha256').update(stream.bytes).digest('hex'), bytesRead: bytes.length, files: ['stdin'] });
  });
});
