// Output files appear whole or not at all: we write to a temporary file beside the target and
// rename it into place at the end (rename is atomic within a directory). On an error, or Ctrl-C,
// the temporary file is removed, so no half-written file ever carries the output's name.
// An output that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written to
// directly: renaming a file over it would replace the device itself.
// A write that fails (a full disk, a quota, an I/O error, a file size limit) is a WriteError naming
// the output: the user's environment, not a bug.

import { closeSync, openSync, realpathSync, renameSync, statSync, unlinkSync, write, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OptionError, WriteError, systemReason } from '../errors.js';

const live = new Set<AtomicFile>();
let handlersInstalled = false;

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const f of live) f.discard();
      // 128 + signal number, as a shell reports a process killed by it.
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
    });
  }
  process.once('exit', () => {
    for (const f of live) f.discard();
  });
}

function cannotCreate(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return `its directory ${dirname(error.path ?? '')} does not exist`;
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS') return `no permission to create files in ${dirname(error.path ?? '')}`;
  return systemReason(error);
}

/** What an existing output path is: a file to replace (through its symlinks), something to write into, or nothing yet. */
function existingTarget(path: string): { kind: 'file'; realPath: string } | { kind: 'special' } | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return null;
  // Not realpath for the rest: /dev/stdout on a pipe resolves to "pipe:[…]", which is no path.
  return st.isFile() ? { kind: 'file', realPath: realpathSync(path) } : { kind: 'special' };
}

export class AtomicFile {
  /** Where bytes are written until commit(); the target itself when it is not a regular file. */
  readonly tempPath: string;
  /** The file renamed into place: `path`, or what its symlinks lead to. */
  private readonly target: string;
  private readonly direct: boolean;
  private fd: number | null;

  constructor(readonly path: string) {
    installSignalHandlers();
    const existing = existingTarget(path);
    this.direct = existing?.kind === 'special';
    this.target = existing?.kind === 'file' ? existing.realPath : path;
    this.tempPath = this.direct ? path : join(dirname(this.target), `.${basename(this.target)}.${process.pid}.partial`);
    try {
      this.fd = openSync(this.tempPath, 'w');
    } catch (error) {
      // The user named the output, not the temporary file: say what is wrong with theirs.
      throw new OptionError(`cannot write the output file ${path}: ${cannotCreate(error as NodeJS.ErrnoException)}`, { cause: error });
    }
    live.add(this);
  }

  write(bytes: Uint8Array | string): void {
    if (this.fd === null) throw new Error(`${this.path}: already closed`);
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
    } catch (error) {
      throw this.cannotWrite(error);
    }
  }

  /**
   * write() on libuv's thread pool: the main thread stays free to hand the workers their next
   * chunks while the kernel copies the bytes. The bytes must not change until it resolves.
   */
  async writeInBackground(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const fd = this.fd;
      if (fd === null) throw new Error(`${this.path}: already closed`);
      done += await new Promise<number>((resolve, reject) => {
        write(fd, bytes, done, bytes.length - done, null, (error, n) => (error ? reject(this.cannotWrite(error)) : resolve(n)));
      });
    }
  }

  /** Closes and renames into place. */
  commit(): void {
    if (this.fd === null) return;
    try {
      // A network file system may report a full disk or a quota only when the file is closed.
      // The descriptor is gone even when close fails: never close its number twice.
      const fd = this.fd;
      this.fd = null;
      closeSync(fd);
      if (!this.direct) renameSync(this.tempPath, this.target);
    } catch (error) {
      // Still live: discard() (or the exit handler) removes the temporary file.
      throw this.cannotWrite(error);
    }
    live.delete(this);
  }

  /** The user named the output, not the temporary file: the message names theirs. */
  private cannotWrite(error: unknown): WriteError {
    return new WriteError(`cannot write the output file ${this.path}: ${systemReason(error)}`, { cause: error });
  }

  /** Closes and removes the temporary file; the target is untouched. */
  discard(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* already closed by the OS at exit */ }
      this.fd = null;
    }
    if (!this.direct) {
      try { unlinkSync(this.tempPath); } catch { /* never created or already gone */ }
    }
    live.delete(this);
  }
}
