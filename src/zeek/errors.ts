// Errors raised by the Zeek log readers. Bad input is the user's problem, not a bug: the message
// names the file, the line and the field, so a CLI can print it without a stack trace.

import type { Rejection } from './types.js';

/** `file:line: field: problem`, or `file:line: problem` when the line as a whole is bad. */
export function formatRejection(r: Rejection): string {
  return r.field === null
    ? `${r.file}:${r.line}: ${r.reason}`
    : `${r.file}:${r.line}: ${r.field}: ${r.reason}`;
}

/** A bad input line met in strict mode. The message is the same text a rejection would report. */
export class ZeekParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly field: string | null;
  readonly reason: string;

  constructor(rejection: Rejection) {
    super(formatRejection(rejection));
    this.name = 'ZeekParseError';
    this.file = rejection.file;
    this.line = rejection.line;
    this.field = rejection.field;
    this.reason = rejection.reason;
  }
}

/**
 * The input could not be read at all, or stopped being readable: a missing file, a corrupt or
 * truncated gzip stream. Lines read before the failure have already been delivered.
 */
export class ZeekReadError extends Error {
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'ZeekReadError';
    this.file = file;
  }
}
