// The fast way in for the common case, an uncompressed log file: bytes are read straight into
// pooled buffers and handed on as pieces that end on a line end, so a piece can become a chunk
// as it is, with no copy (LineCutter.pushOwned). Only the unfinished line at the end of a read is
// copied, to the front of the next buffer. gzip files, pipes and stdin take the stream path
// (input.ts), which copies.

import { open, stat, type FileHandle } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import type { BufferPool } from '../buffer-pool.js';
import { describeReadError } from './input.js';

/**
 * Opens `path` for pieces, or returns null when it is not a plain regular file (gzip, a FIFO, a
 * device): those go through inputBytes. Errors opening it are left to inputBytes too, which words
 * them for the user.
 */
export async function openPlainFile(path: string): Promise<FileHandle | null> {
  // stat before open: opening a FIFO and closing it again would end its writer (SIGPIPE) or lose
  // what it wrote before the stream path opens it a second time.
  try {
    if (!(await stat(path)).isFile()) return null;
  } catch {
    return null;
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    if (bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
      await fh.close();
      return null;
    }
    return fh;
  } catch {
    await fh.close().catch(() => undefined);
    return null;
  }
}

/**
 * The bytes of an open file in pieces of about `readBytes`, each a view on its own pooled buffer
 * (offset 0). A piece ends on a line end unless it is the last one, or a single line fills a
 * whole buffer (the caller's slow path cuts such lines). The caller owns each piece's buffer
 * from then on. Closes the file.
 */
export async function* filePieces(fh: FileHandle, file: string, pool: BufferPool, readBytes: number): AsyncGenerator<Uint8Array> {
  try {
    let buf = pool.take();
    let filled = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, filled, Math.min(readBytes, buf.length - filled), null));
      } catch (err) {
        throw describeReadError(file, err);
      }
      filled += bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) yield buf.subarray(0, filled);
        return;
      }
      const view = Buffer.from(buf.buffer, buf.byteOffset, filled);
      const nl = view.lastIndexOf(0x0a);
      if (nl < 0 && filled < buf.length) continue; // the line goes on: read more behind it
      const end = nl < 0 ? filled : nl + 1;
      // Room for the unfinished line and more: a recycled buffer read into may be larger than
      // the pool's capacity, and so may what is left of it.
      const carry = filled - end;
      const next = carry < pool.capacity ? pool.take() : pool.take(carry + 1);
      // Copy the unfinished line before the piece is yielded: its buffer may be moved to a
      // worker (detached) as soon as the consumer has it.
      next.set(buf.subarray(end, filled), 0);
      const piece = buf.subarray(0, end);
      filled -= end;
      buf = next;
      yield piece;
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
