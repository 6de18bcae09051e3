// Usage errors: the user typed something we cannot use. One line, exit 2, no stack trace.

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
