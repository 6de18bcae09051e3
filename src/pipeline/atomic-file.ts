// Output files appear whole or not at all: we write to a temporary file beside the target and
// rename it into place at the end (rename is atomic within a directory). On an error, or Ctrl-C,
// the temporary file is removed, so no half-written file ever carries the output's name.
// An output that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written to
// directly: renaming a file over it would replace the device itself.
// A replaced file keeps its permission bits (as editors do), and a symlink keeps being a symlink:
// the file at its end is replaced, or created when the link leads nowhere yet.
// A write that fails (a full disk, a quota, an I/O error, a file size limit) is a WriteError naming
// the output: the user's environment, not a bug.

import { closeSync, fchmodSync, openSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, write, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OptionError, WriteError, systemReason } from '../errors.js';

const live = new Set<AtomicFile>();
let handlersInstalled = false;

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const f of live) f.discard();
      // Then die of the signal itself, as an interrupted program should (the shell reports 128 +
      // its number: 130 for Ctrl-C), with no listener left, so the default action ends us at
      // once. process.exit() ran Node's teardown instead, and on Node 20 that aborted the
      // process now and then (NodePlatform::ForIsolate, 1 in 20 Ctrl-C's here) while worker
      // threads were still running: a native stack dump where a quiet stop belongs.
      process.kill(process.pid, signal);
    });
  }
  process.once('exit', () => {
    for (const f of live) f.discard();
  });
}

function cannotCreate(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `its directory ${dirname(error.path ?? '')} does not exist`;
  if (error.code === 'ENOTDIR') return `${dirname(error.path ?? '')} is not a directory`;
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS') return `no permission to create files in ${dirname(error.path ?? '')}`;
  return systemReason(error);
}

/**
 * What an output path is: a file to replace (through its symlinks; `mode`, its permission bits), a
 * device or FIFO to write into, or a new file (at the end of a dangling symlink, if it is one).
 */
function existingTarget(path: string): { kind: 'file'; realPath: string; mode: number } | { kind: 'special' } | { kind: 'new'; path: string } {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return { kind: 'new', path: danglingEnd(path) ?? path };
  // Not realpath for the rest: /dev/stdout on a pipe resolves to "pipe:[…]", which is no path.
  return st.isFile() ? { kind: 'file', realPath: realpathSync(path), mode: st.mode & 0o777 } : { kind: 'special' };
}

/**
 * Where a symlink that leads to nothing leads, through a chain of links; null when `path` is no
 * symlink. Renaming over the link itself would turn it into a regular file.
 */
function danglingEnd(path: string): string | null {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = readlinkSync(at);
    } catch {
      return at === path ? null : at; // not a link (or nothing there): the end
    }
    at = resolve(dirname(at), link);
  }
  return null; // statSync would have said ELOOP first
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
    try {
      const existing = existingTarget(path);
      this.direct = existing.kind === 'special';
      this.target = existing.kind === 'file' ? existing.realPath : existing.kind === 'new' ? existing.path : path;
      this.tempPath = this.direct ? path : join(dirname(this.target), `.${basename(this.target)}.${process.pid}.partial`);
      // Created with the replaced file's permissions, so a private file's contents are never in a
      // more open temporary file; then set exactly, past the umask. Owners are not copied (only
      // root could), and a file system that refuses chmod keeps the default mode, as before.
      const mode = existing.kind === 'file' ? existing.mode : undefined;
      this.fd = openSync(this.tempPath, 'w', mode ?? 0o666);
      if (mode !== undefined) {
        try { fchmodSync(this.fd, mode); } catch { /* see above */ }
      }
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
