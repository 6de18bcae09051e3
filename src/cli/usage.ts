// Usage errors: the user typed something we cannot use. One line, exit 2, no stack trace.

import { connFeatureColumns } from '../zeek/features.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseInteger(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

export function parseContamination(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!(n > 0 && n <= 0.5)) throw new UsageError(`--contamination must be 'auto' or a number in (0, 0.5] (got "${value}")`);
  return n;
}

export function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** eval --positive/--negative: a list of label values, not an empty one (`--positive ""`). */
export function parseLabels(name: string): (value: string) => string[] {
  return (value) => {
    const labels = parseList(value);
    if (labels.length === 0) throw new UsageError(`${name} must list at least one label value (got ${JSON.stringify(value)})`);
    return labels;
  };
}

/**
 * fit -o: a model is binary, and nothing reads one from stdin (-m takes a file), so `-` is refused
 * rather than written to a terminal or made a file named "-".
 */
export function parseModelOutput(value: string): string {
  if (value === '-') throw new UsageError('fit -o -: a model is binary and is not written to standard output; give a file name (./- for a file named -)');
  return value;
}

/** --features: names checked against the conn feature catalogue now, not after a pass over the logs. */
export function parseFeatures(value: string): string[] {
  const names = parseList(value);
  try {
    connFeatureColumns({ features: names });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^options\.features/, '--features'));
  }
  return names;
}
