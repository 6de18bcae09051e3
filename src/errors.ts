// Errors a caller can tell apart and act on. Each message says what is wrong, where, and what to
// do next; none of them is a bug in zeek-iforest, so the CLI prints the message without a stack.

import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/** An option has a bad value: the message names the option and the value. */
export class OptionError extends TypeError {
  override name = 'OptionError';
}

/** Input rows are unusable (shape, NaN, ±Infinity): the message names the row and column. */
export class InputError extends RangeError {
  override name = 'InputError';
}

/** The WebAssembly kernel has not been built (or was removed): the message says how to build it. */
export class KernelMissingError extends Error {
  override name = 'KernelMissingError';
}

/** A model file is truncated, corrupted, from another version, or hostile. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/**
 * An output could not be written: the disk is full, a quota is exceeded, an I/O error, a file
 * size limit. The user's environment, not a bug: the message names the output and the system's
 * reason (the system's error is the cause).
 */
export class WriteError extends Error {
  override name = 'WriteError';
}

/** The system's words for a failed call ("no space left on device"), without the call and path. */
export function systemReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null | undefined;
  const errno = e?.errno;
  if (typeof errno === 'number') {
    const words = getSystemErrorMap().get(errno)?.[1];
    if (words !== undefined) return words;
    // An errno libuv has no name for comes as code 'UNKNOWN' (EDQUOT on Linux): the OS's table names it.
    const name = Object.entries(constants.errno).find(([, n]) => n === -errno)?.[0];
    if (name === 'EDQUOT') return 'disk quota exceeded';
    if (name !== undefined) return name;
  }
  return e?.code ?? (e instanceof Error ? e.message : String(e));
}

/** Shows a bad value in a message, briefly and unambiguously. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
