// The progress line: on a terminal only, at most four times a second, with bytes, percent, rows/s
// and ETA when the total is known (a file), without them when it is not (stdin); cleared at the end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../src/pipeline/progress.js';

/** A stand-in for process.stderr that records what is written. */
function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

const CLEAR = '\r\x1b[K';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-25T00:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('Progress', () => {
  it('on a terminal: bytes of the total, percent, rows/s and ETA, then a cleared line', () => {
    const t = terminal(true);
    const p = new Progress(1e9, true, t.stream);
    vi.advanceTimersByTime(2000);
    p.update(250e6, 2_000_000);
    // 2 s for a quarter: 6 s to go; 2,000,000 rows in 2 s.
    expect(t.written).toEqual([`${CLEAR}250.0 MB / 1.00 GB  25%  1,000,000 rows/s  ETA 6 s`]);
    p.done();
    expect(t.written.at(-1)).toBe(CLEAR);
  });

  it('redraws at most every 250 ms', () => {
    const t = terminal(true);
    const p = new Progress(1e9, true, t.stream);
    vi.advanceTimersByTime(1000);
    p.update(1e6, 10);
    vi.advanceTimersByTime(100);
    p.update(2e6, 20);
    vi.advanceTimersByTime(100);
    p.update(3e6, 30);
    expect(t.written).toHaveLength(1);
    vi.advanceTimersByTime(100);
    p.update(4e6, 40);
    expect(t.written).toHaveLength(2);
    expect(t.written[1]).toMatch(/^\r\x1b\[K4\.0 MB \/ 1\.00 GB {2}0% {2}31 rows\/s {2}ETA \d+ s$/);
  });

  it('with no known total (stdin): bytes and rows/s only', () => {
    const t = terminal(true);
    const p = new Progress(null, true, t.stream);
    vi.advanceTimersByTime(4000);
    p.update(12.34e6, 400);
    expect(t.written).toEqual([`${CLEAR}12.3 MB  100 rows/s`]);
  });

  it('writes nothing when stderr is not a terminal, or when not asked for', () => {
    for (const [isTTY, wanted] of [[false, true], [true, false]] as const) {
      const t = terminal(isTTY);
      const p = new Progress(1e9, wanted, t.stream);
      vi.advanceTimersByTime(1000);
      p.update(1e6, 10);
      p.done();
      expect(t.written).toEqual([]);
    }
  });
});
