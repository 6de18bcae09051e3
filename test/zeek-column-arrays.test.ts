// ColumnArrays: the worker pool parses every chunk into the same recycled typed columns. A batch
// parsed into recycled storage must read exactly as one parsed into fresh arrays, however dirty
// the storage is from earlier chunks (bad lines, other headers, JSON), and the store must hand
// back only what it was given.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ColumnArrays, MAX_BATCH_RECORDS } from '../src/zeek/batch.js';
import { parseChunk, type RecordBatch } from '../src/zeek/index.js';
import { fixture, num, str } from './zeek-helpers.js';

const COLS = [...num('orig_bytes', 'duration', 'id.resp_p', 'local_orig', 'missing_number'), ...str('proto', 'history', 'missing_string')];
const OPTIONS = { file: 't', columns: COLS, strict: false, maxLineBytes: 1 << 20 };

/** Every value of a batch, as plain data (NaN kept as the string "NaN" so toEqual compares it). */
function contents(b: RecordBatch): unknown {
  const nums = Object.fromEntries([...b.numbers].map(([k, v]) => [k, Array.from(v, (x) => (Number.isNaN(x) ? 'NaN' : x))]));
  const strs = Object.fromEntries([...b.strings].map(([k, v]) => [k, v.slice(0, b.length)]));
  return { length: b.length, lines: Array.from(b.lines), starts: Array.from(b.starts), ends: Array.from(b.ends), nums, strs };
}

const inputs = [
  'zat/conn.log',
  'btest/opt.basic_conn.log',
  'synthetic/node-name-truncated.conn.log',
  'synthetic/iot23-quirk.conn.log.labeled',
  'zat/json_conn.log',
].map((f) => readFileSync(fixture(f)));

describe('ColumnArrays', () => {
  it('batches parsed into recycled storage read the same as into fresh arrays, in any order of inputs', () => {
    const arrays = new ColumnArrays();
    // Twice over, so the second round parses into storage dirtied by every input.
    for (const bytes of [...inputs, ...inputs.slice().reverse()]) {
      const fresh = parseChunk(bytes, 1, null, OPTIONS);
      const reused = parseChunk(bytes, 1, null, { ...OPTIONS, arrays });
      expect(reused.batches.length).toBe(fresh.batches.length);
      expect(reused.batches.length).toBeGreaterThan(0);
      reused.batches.forEach((b, i) => expect(contents(b)).toEqual(contents(fresh.batches[i])));
      expect(reused.rejected).toBe(fresh.rejected);
      arrays.recycle(reused.batches);
    }
  });

  it('reuses the same storage once given back, and views it without copying', () => {
    const arrays = new ColumnArrays();
    const first = parseChunk(inputs[0], 1, null, { ...OPTIONS, arrays }).batches[0];
    const buffer = first.numbers.get('orig_bytes')!.buffer;
    expect(buffer.byteLength).toBe(MAX_BATCH_RECORDS * 8);
    arrays.recycle([first]);
    const second = parseChunk(inputs[0], 1, null, { ...OPTIONS, arrays }).batches[0];
    const buffers = [...second.numbers.values()].map((a) => a.buffer).concat([second.lines.buffer]);
    expect(buffers).toContain(buffer);
    // Fresh arrays (no store) are exact-size copies, never views on a larger array.
    const plain = parseChunk(inputs[0], 1, null, OPTIONS).batches[0];
    expect(plain.numbers.get('orig_bytes')!.buffer.byteLength).toBe(plain.length * 8);
  });

  it('keeps a buffer once however often it is given back, and refuses arrays of other sizes', () => {
    const arrays = new ColumnArrays();
    const batch = parseChunk(inputs[0], 1, null, { ...OPTIONS, arrays }).batches[0];
    arrays.recycle([batch, batch]);
    const handedOut = new Set<ArrayBufferLike>();
    // 1 lines + 5 numbers = 6 float64 arrays went back; the 7th must be new.
    for (let i = 0; i < 7; i++) handedOut.add(arrays.float64().buffer);
    expect(handedOut.size).toBe(7);
    const before = new Set<ArrayBufferLike>([batch.lines.buffer, ...[...batch.numbers.values()].map((a) => a.buffer)]);
    expect([...handedOut].filter((b) => before.has(b)).length).toBe(6);
    // Exact-size arrays of a batch parsed without a store are not taken.
    const other = new ColumnArrays();
    const plain = parseChunk(inputs[0], 1, null, OPTIONS).batches[0];
    expect(plain.length).toBeLessThan(MAX_BATCH_RECORDS);
    other.recycle([plain]);
    const plainBuffers = new Set<ArrayBufferLike>([plain.lines.buffer, ...[...plain.numbers.values()].map((a) => a.buffer)]);
    expect(plainBuffers.has(other.float64().buffer)).toBe(false);
  });
});

describe('ColumnArrays against hostile chunks', () => {
  it('lends its full-size arrays to one batch per chunk, however many batches the chunk has', () => {
    // A header block before every record: 2,000 batches of one record in one chunk. Were each to
    // take full-size recycled columns, this chunk alone would hold 2,000 × 6 × 64 KiB.
    const fields = '#separator \\x09\n#fields\tts\tid.resp_p\torig_bytes\tduration\tlocal_orig\tproto\thistory\n#types\ttime\tport\tcount\tinterval\tbool\tenum\tstring\n';
    const text = Array.from({ length: 2000 }, (_, i) => `${fields}${i}.5\t80\t${i}\t0.5\tT\ttcp\tShAdDaFf\n`).join('');
    let lent = 0;
    class Counting extends ColumnArrays {
      override float64(): Float64Array {
        lent++;
        return super.float64();
      }
    }
    const result = parseChunk(Buffer.from(text), 1, null, { ...OPTIONS, arrays: new Counting() });
    expect(result.batches).toHaveLength(2000);
    expect(result.batches.reduce((n, b) => n + b.length, 0)).toBe(2000);
    // lines + 5 number columns, for the first batch only.
    expect(lent).toBe(6);
    expect(result.batches[1].numbers.get('orig_bytes')!.buffer.byteLength).toBeLessThan(MAX_BATCH_RECORDS * 8);
  });

  it('holds one batch of arrays however many chunks of two batches go round', () => {
    // 9,000 records: a full batch of 8,192 (recycled columns) and one of 808 (grown, its own).
    const header = '#separator \\x09\n#fields\tts\tid.resp_p\torig_bytes\tduration\tlocal_orig\tproto\thistory\n#types\ttime\tport\tcount\tinterval\tbool\tenum\tstring\n';
    const text = header + Array.from({ length: 9000 }, (_, i) => `${i}.5\t80\t${i}\t0.5\tT\ttcp\tShAdDaFf\n`).join('');
    const arrays = new ColumnArrays();
    const sizes: number[] = [];
    for (let round = 0; round < 5; round++) {
      const result = parseChunk(Buffer.from(text), 1, null, { ...OPTIONS, arrays });
      expect(result.batches.map((b) => b.length)).toEqual([8192, 808]);
      arrays.recycle(result.batches);
      sizes.push(arrays.idle);
    }
    // lines + 5 number columns (float64) + starts + ends (uint32), every round.
    expect(sizes).toEqual([8, 8, 8, 8, 8]);
  });
});
