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

export function addChunk(stats: ReadStats, c: ChunkCounts): void {
  stats.bytesRead += c.bytes;
  stats.linesRead += c.linesRead;
  stats.records += c.records;
  stats.headerLines += c.headerLines;
  stats.rejected += c.rejected;
  for (const [reason, n] of Object.entries(c.rejectedByReason)) stats.rejectedByReason[reason] = (stats.rejectedByReason[reason] ?? 0) + n;
  for (const r of c.rejections) if (stats.firstRejections.length < REJECTIONS_KEPT) stats.firstRejections.push(r);
}
