// Shared helpers for the zeek-*.test.ts files: read a fixture into plain records, check counts.
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { parseChunk, readZeekLog } from '../src/zeek/index.js';
import type { ChunkResult, ColumnRequest, ReadStats, RecordBatch } from '../src/zeek/index.js';

export function fixture(rel: string): string {
  return fileURLToPath(new URL(`./fixtures/zeek/${rel}`, import.meta.url));
}

export const num = (...names: string[]): ColumnRequest[] => names.map((name) => ({ name, kind: 'number' }));
export const str = (...names: string[]): ColumnRequest[] => names.map((name) => ({ name, kind: 'string' }));

export type Row = Record<string, number | string | null> & { line: number };

/** The records of some batches as plain objects: { line, <column>: value }. */
export function rowsOf(batches: RecordBatch[]): Row[] {
  const rows: Row[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const r: Row = { line: b.lines[i] };
      for (const [k, a] of b.numbers) r[k] = a[i];
      for (const [k, a] of b.strings) r[k] = a[i];
      rows.push(r);
    }
  }
  return rows;
}

export async function readAll(
  source: Parameters<typeof readZeekLog>[0],
  columns: ColumnRequest[],
  options: Partial<Parameters<typeof readZeekLog>[1]> = {},
): Promise<{ batches: RecordBatch[]; rows: Row[]; stats: ReadStats }> {
  const reader = readZeekLog(source, { columns, ...options });
  const batches: RecordBatch[] = [];
  for await (const b of reader.batches) batches.push(b);
  return { batches, rows: rowsOf(batches), stats: reader.stats() };
}

export function parseText(text: string | Uint8Array, columns: ColumnRequest[], strict = false, maxLineBytes = 1 << 20): ChunkResult {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return parseChunk(bytes, 1, null, { file: 'test.log', columns, strict, maxLineBytes });
}

/** Every line is a record, a header line or a rejection. */
export function expectCountsAddUp(s: Pick<ReadStats, 'linesRead' | 'records' | 'headerLines' | 'rejected' | 'rejectedByReason'>): void {
  expect(s.records + s.headerLines + s.rejected).toBe(s.linesRead);
  expect(Object.values(s.rejectedByReason).reduce((a, b) => a + b, 0)).toBe(s.rejected);
}

export function chunkCounts(r: ChunkResult): { linesRead: number; records: number; headerLines: number; rejected: number; rejectedByReason: Record<string, number> } {
  return {
    linesRead: r.linesRead,
    records: r.batches.reduce((a, b) => a + b.length, 0),
    headerLines: r.headerLines,
    rejected: r.rejected,
    rejectedByReason: r.rejectedByReason,
  };
}
