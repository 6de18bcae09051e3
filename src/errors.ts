// Errors a caller can tell apart and act on. Each message says what is wrong, where, and what to
// do next; none of them is a bug in zeek-iforest, so the CLI prints the message without a stack.

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

/** Shows a bad value in a message, briefly and unambiguously. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
