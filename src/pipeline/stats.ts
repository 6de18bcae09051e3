// Read statistics, merged chunk by chunk in input order, so every input line is accounted for:
// linesRead = records + headerLines + rejected, per file.

import type { ReadStats, Rejection } from '../zeek/types.js';

export { emptyStats } from '../zeek/reader.js';

/** The first rejections kept per file, with their reasons; all of them are counted. */
export const REJECTIONS_KEPT = 10;

export interface ChunkCounts {
  bytes: number;
  linesRead: number;
  records: number;
  headerLines: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  rejections: Rejection[];
}

/**
 * A 0-byte input. The reader counts it as one rejected line ("the input is empty"), so that it
 * cannot pass unnoticed and every count still adds up; a person is told it is empty.
 */
export function isEmptyInput(stats: ReadStats): boolean {
  return stats.linesRead === 1 && stats.rejected === 1 && stats.rejectedByReason['empty input'] === 1;
}

/** "a.log is empty", "a.log and b.log are empty", "the 3 inputs a.log, b.log, c.log are empty". */
export function emptyInputs(files: readonly ReadStats[]): string {
  const names = files.filter(isEmptyInput).map((f) => f.file);
  if (names.length === 1) return `${names[0]} is empty`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are empty`;
  return `the ${names.length} inputs ${names.join(', ')} are empty`;
}

export function addChunk(stats: ReadStats, c: ChunkCounts): void {
  stats.bytesRead += c.bytes;
  stats.linesRead += c.linesRead;
  stats.records += c.records;
  stats.headerLines += c.headerLines;
  stats.rejected += c.rejected;
  for (const [reason, n] of Object.entries(c.rejectedByReason)) stats.rejectedByReason[reason] = (stats.rejectedByReason[reason] ?? 0) + n;
  for (const r of c.rejections) if (stats.firstRejections.length < REJECTIONS_KEPT) stats.firstRejections.push(r);
}
