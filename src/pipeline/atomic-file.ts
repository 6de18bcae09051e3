// Output files appear whole or not at all: we write to a temporary file beside the target and
// rename it into place at the end (rename is atomic within a directory). On an error, or Ctrl-C,
// the temporary file is removed, so no half-written file ever carries the output's name.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OptionError } from '../errors.js';

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
  return error.message;
}

export class AtomicFile {
  readonly tempPath: string;
  private fd: number | null;

  constructor(readonly path: string) {
    installSignalHandlers();
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
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
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
  }

  /** Closes and renames into place. */
  commit(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tempPath, this.path);
    live.delete(this);
  }

  /** Closes and removes the temporary file; the target is untouched. */
  discard(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* already closed by the OS at exit */ }
      this.fd = null;
    }
    try { unlinkSync(this.tempPath); } catch { /* never created or already gone */ }
    live.delete(this);
  }
}
