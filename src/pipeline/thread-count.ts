// How many worker threads a scoring run starts: what was asked for, or by default every core for
// a big input and none (the calling thread) for a small one; never more than the workers that
// can have a chunk, nor than the copies of the forest the memory budget holds.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Source } from '../zeek/input.js';

/**
 * Most bytes of forest copies the workers may hold together (each WASM instance has its own): a
 * run starts no more workers than fit, and at least one. The default model (306 KB) is far
 * from it; all 8 workers start for forests up to 16 MiB, and a forest at the format's limit
 * (LIMITS.maxForestBytes, 64 MiB) gets two, so that a model file, hostile but valid, cannot make
 * a run take gigabytes.
 */
export const FOREST_COPIES_BYTES = 128 * 1024 * 1024;

/**
 * Inputs smaller than this are scored on the calling thread unless a thread count is asked for:
 * starting the workers, warming up each one's compiler and letting them settle before they stop
 * costs more than they save. Measured with the CLI on this 2-core machine (plain TSV, 3 runs
 * each): 4 MB took 0.21 s on the main thread against 0.45 s with 2 threads, 16 MB 0.32 against
 * 0.57 s, 48 MB 0.61–0.66 against 0.73–0.79 s.
 */
export const INLINE_BELOW_BYTES = 16 << 20;
/**
 * What a gzip file counts for against INLINE_BELOW_BYTES, per byte: its bytes inflate on the main
 * thread anyway, and conn logs compress 3 to 10 times (3.3 for the zat sample, 2.6 for generated
 * logs), so a high guess sends a big log to the workers rather than a small one to one thread.
 */
const GZIP_WEIGHT = 8;

/** 0 (the calling thread) for inputs that are files and small, else every core. */
function defaultThreads(sources: readonly Source[]): number {
  if (!sources.every((s) => typeof s === 'string' && s !== '-')) return availableParallelism();
  let weight = 0;
  for (const path of sources as string[]) {
    const size = fileSize(path);
    if (size === null) return availableParallelism();
    weight += isGzipFile(path) ? GZIP_WEIGHT * size : size;
  }
  return weight < INLINE_BELOW_BYTES ? 0 : availableParallelism();
}

/** A regular file's size; null for anything else (a FIFO, a missing file: the reader reports it). */
function fileSize(path: string): number | null {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}

function isGzipFile(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } catch {
    // Unreadable: the reader says why, whatever the thread count.
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * The worker threads to start: `asked` (undefined: the default for `sources`), at most
 * `maxWorkers`, and no more than FOREST_COPIES_BYTES of forest copies hold (at least one when
 * any was asked for). 0 scores on the calling thread, which holds the one copy it needs.
 */
export function workerCount(asked: number | undefined, sources: readonly Source[], forestBytes: number, maxWorkers: number): number {
  const wanted = Math.min(maxWorkers, asked ?? defaultThreads(sources));
  return Math.min(wanted, Math.max(1, Math.floor(FOREST_COPIES_BYTES / Math.max(1, forestBytes))));
}
