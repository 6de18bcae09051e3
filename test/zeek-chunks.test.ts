// readChunks: whole lines, right line numbers, the header in force at each chunk start, content
// detection (gzip, JSON), and the same records whatever the chunk size.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseChunk, readChunks, type Chunk, type ZeekHeader } from '../src/zeek/index.js';
import { fixture, num, readAll, rowsOf, str } from './zeek-helpers.js';

async function chunksOf(source: Parameters<typeof readChunks>[0], chunkBytes: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of readChunks(source, { chunkBytes })) out.push(c);
  return out;
}

const multi = Buffer.concat([
  readFileSync(fixture('btest/opt.basic_conn.log')),
  readFileSync(fixture('synthetic/iot23-quirk.conn.log.labeled')),
  readFileSync(fixture('zat/conn.log')),
  readFileSync(fixture('synthetic/node-name-truncated.conn.log')),
]);
const COLS = [...num('orig_bytes', 'duration', 'id.resp_p'), ...str('uid', 'label', '_node_name', 'proto')];

describe('readChunks', () => {
  it.each([1, 100, 4096, 1 << 22])('cuts on line ends and numbers lines (chunkBytes %i)', async (chunkBytes) => {
    const chunks = await chunksOf(Readable.from([multi]), chunkBytes);
    expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(multi)).toBe(true);
    let line = 1;
    for (const [i, c] of chunks.entries()) {
      expect(c.firstLine).toBe(line);
      const nl = c.bytes.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
      if (i < chunks.length - 1) expect(c.bytes.at(-1)).toBe(10);
      line += nl + (c.bytes.at(-1) === 10 ? 0 : 1);
      // Owns its memory, so a pool can transfer it.
      expect(c.bytes.byteOffset).toBe(0);
      expect(c.bytes.buffer.byteLength).toBe(c.bytes.length);
    }
    expect(chunks.at(-1)!.bytesRead).toBe(multi.length);
  });

  it('gives each chunk the header parseChunk ends the previous one with', async () => {
    const chunks = await chunksOf(Readable.from([multi]), 300);
    let header: ZeekHeader | null = null;
    for (const c of chunks) {
      expect(c.header).toEqual(header);
      header = parseChunk(c.bytes, c.firstLine, c.header, { file: 'x', columns: COLS, strict: false, maxLineBytes: 1 << 20 }).header;
    }
  });

  it.each([1, 37, 512, 65536])('gives the same records and counts for any chunk size (%i)', async (chunkBytes) => {
    const whole = await readAll(Readable.from([multi]), COLS, { chunkBytes: 1 << 24 });
    const cut = await readAll(Readable.from([multi]), COLS, { chunkBytes });
    expect(cut.rows).toEqual(whole.rows);
    expect(cut.stats).toEqual(whole.stats);
    expect(whole.stats).toMatchObject({ records: 34 + 4 + 360 + 3, rejected: 1 });
  });

  it('detects gzip and JSON from content, not names, and skips a UTF-8 byte order mark', async () => {
    const json = readFileSync(fixture('zat/json_conn.log'));
    const gz = await chunksOf(Readable.from([gzipSync(json)]), 1 << 20);
    expect(gz[0]).toMatchObject({ format: 'json', header: { format: 'json' }, file: 'stream' });
    const bom = await readAll(Readable.from([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json])]), num('ts'));
    expect(bom.stats).toMatchObject({ records: 50, rejected: 0, bytesRead: json.length + 3 });
    const tsv = await chunksOf(fixture('brim/dns-sample.log.gz'), 1 << 20);
    expect(tsv[0]).toMatchObject({ format: 'tsv', header: null, firstLine: 1 });
  });

  it('reads paths and gives records identical to a stream of the same bytes', async () => {
    const a = await readAll(fixture('brim/dns-sample.json.gz'), [...num('ts'), ...str('query')], { chunkBytes: 50_000 });
    const b = await readAll(Readable.from([readFileSync(fixture('brim/dns-sample.json.gz'))]), [...num('ts'), ...str('query')]);
    expect(rowsOf(a.batches)).toEqual(rowsOf(b.batches));
    expect(a.batches.length).toBeGreaterThan(1);
  });

  it('yields one empty chunk for an empty input, which parseChunk reports', async () => {
    const chunks = await chunksOf(Readable.from([Buffer.alloc(0)]), 100);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ firstLine: 1, bytesRead: 0 });
    const { stats } = await readAll(Readable.from([]), num('ts'), { file: 'empty.log' });
    expect(stats.firstRejections).toEqual([{ file: 'empty.log', line: 1, field: null, reason: 'the input is empty: no header and no records' }]);
  });
});
