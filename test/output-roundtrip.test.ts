// The writers' output read back by the project's own reader: scored Zeek TSV must parse with no
// rejection and carry the scores in its new columns, as Zeek tools would see them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateConnLogString } from '../src/gen/conn-generator.js';
import { formatJsonRecordsBytes } from '../src/output/json-writer.js';
import { formatZeekRecords, sameZeekLayout, zeekHeaderWithScore } from '../src/output/zeek-writer.js';
import { readZeekLog } from '../src/zeek/reader.js';
import type { ZeekHeader } from '../src/zeek/types.js';

const dir = mkdtempSync(join(tmpdir(), 'output-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scoreFile(input: string, output: string): Promise<number[]> {
  const reader = readZeekLog(input, { columns: [], chunkBytes: 64 * 1024 });
  const parts: Uint8Array[] = [];
  const written: number[] = [];
  let last: ZeekHeader | null = null;
  for await (const b of reader.batches) {
    const scores = Float64Array.from({ length: b.length }, (_, i) => 0.25 + ((written.length + i) % 500) / 1000);
    const flags = Uint8Array.from(scores, (s) => (s > 0.7 ? 1 : 0));
    if (b.header.format === 'tsv') {
      if (last === null || !sameZeekLayout(last, b.header)) parts.push(Buffer.from(zeekHeaderWithScore(b.header, true)));
      last = b.header;
      parts.push(formatZeekRecords(b, scores, flags).slice());
    } else {
      parts.push(formatJsonRecordsBytes(b, scores, flags).slice());
    }
    written.push(...scores);
  }
  expect(reader.stats().rejected).toBe(0);
  writeFileSync(output, Buffer.concat(parts));
  return written;
}

describe('scored output read back', () => {
  for (const format of ['tsv', 'json'] as const) {
    it(`${format}: every record comes back with its score and flag, nothing rejected`, async () => {
      const input = join(dir, `in.${format}`);
      const output = join(dir, `out.${format}`);
      writeFileSync(input, generateConnLogString({ rows: 5000, seed: 2, labels: true, anomalyRate: 0.02, format }));
      const scores = await scoreFile(input, output);
      const back = readZeekLog(output, {
        columns: [{ name: 'anomaly_score', kind: 'number' }, { name: 'anomaly', kind: 'number' }, { name: 'label', kind: 'string' }],
      });
      const got: number[] = [];
      let headers = 0;
      for await (const b of back.batches) {
        const s = b.numbers.get('anomaly_score')!;
        const f = b.numbers.get('anomaly')!;
        for (let i = 0; i < b.length; i++) {
          got.push(s[i]);
          expect(f[i]).toBe(s[i] > 0.7 ? 1 : 0);
          expect(b.strings.get('label')![i]).toMatch(/^(Benign|Malicious)$/);
        }
        if (format === 'tsv') expect(b.header.types.slice(-2)).toEqual(['double', 'bool']);
        headers++;
      }
      expect(back.stats().rejected).toBe(0);
      expect(got.length).toBe(5000);
      got.forEach((g, i) => expect(g).toBeCloseTo(scores[i], 6));
      if (format === 'tsv') expect(back.stats().headerLines).toBe(8); // one header block, not one per chunk
      expect(headers).toBeGreaterThan(0);
    });
  }
});
