// The bytes of an input: a path, '-' for standard input, or any readable stream. gzip is
// recognised by its magic bytes (1f 8b), never by the name, and inflated on the fly; concatenated
// gzip members (rotated logs joined with cat) inflate as one stream.

import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ZeekReadError } from './errors.js';

export type Source = string | NodeJS.ReadableStream;

/** The name used in messages for a source. */
export function sourceName(source: Source): string {
  if (typeof source === 'string') return source === '-' ? 'stdin' : source;
  const p = (source as { path?: unknown }).path;
  if (typeof p === 'string') return p;
  return source === process.stdin ? 'stdin' : 'stream';
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`the input stream gave a ${typeof v}, expected bytes`);
}

/** A message for a person, from an I/O or zlib error. */
export function describeReadError(file: string, err: unknown): ZeekReadError {
  if (err instanceof ZeekReadError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') return new ZeekReadError(file, 'cannot read: no such file', { cause: err });
  if (code === 'EISDIR') return new ZeekReadError(file, 'cannot read: it is a directory', { cause: err });
  if (code === 'EACCES') return new ZeekReadError(file, 'cannot read: permission denied', { cause: err });
  if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
    return new ZeekReadError(
      file,
      `gzip data is corrupt or truncated (${msg}); the lines before this point were read`,
      { cause: err },
    );
  }
  return new ZeekReadError(file, `cannot read: ${msg}`, { cause: err });
}

/**
 * The decompressed bytes of `source`, in pieces as they arrive. Errors come out as ZeekReadError.
 */
export async function* inputBytes(source: Source, file: string): AsyncGenerator<Buffer> {
  const stream: AsyncIterable<unknown> =
    typeof source === 'string'
      ? source === '-'
        ? process.stdin
        : createReadStream(source, { highWaterMark: 1 << 20 })
      : (source as unknown as AsyncIterable<unknown>);
  const it = stream[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<unknown>> => {
    try {
      return await it.next();
    } catch (err) {
      throw describeReadError(file, err);
    }
  };
  try {
    // Enough bytes to see the magic number.
    const head: Buffer[] = [];
    let headLen = 0;
    let done = false;
    while (headLen < 2) {
      const r = await next();
      if (r.done === true) {
        done = true;
        break;
      }
      const b = toBuffer(r.value);
      if (b.length === 0) continue;
      head.push(b);
      headLen += b.length;
    }
    const first = head.length === 1 ? head[0] : Buffer.concat(head);
    const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    if (!gzip) {
      if (first.length > 0) yield first;
      while (!done) {
        const r = await next();
        if (r.done === true) break;
        const b = toBuffer(r.value);
        if (b.length > 0) yield b;
      }
      return;
    }
    async function* compressed(): AsyncGenerator<Buffer> {
      yield first;
      for (;;) {
        const r = await next();
        if (r.done === true) return;
        yield toBuffer(r.value);
      }
    }
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    pipeline(Readable.from(compressed(), { objectMode: false }), gunzip, () => {
      // Errors reach the consumer through the gunzip iterator below.
    });
    try {
      for await (const out of gunzip) yield out as Buffer;
    } catch (err) {
      throw describeReadError(file, err);
    } finally {
      gunzip.destroy();
    }
  } finally {
    await it.return?.();
  }
}
