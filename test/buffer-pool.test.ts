// BufferPool: chunk and output buffers go round between the reader, the workers and the writer, so
// the pool must hand out big-enough buffers it owns, keep a bounded number, and never keep one it
// can no longer use (too small, or moved to a worker).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/buffer-pool.js';

/** Moves `buffer` away, as postMessage with a transfer list does: it is left detached (0 bytes). */
function detach(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] });
}

describe('BufferPool', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses capacity %s', (capacity) => {
    expect(() => new BufferPool(capacity, 1)).toThrow(new RangeError(`BufferPool: capacity must be a positive integer, got ${capacity}`));
  });

  it('hands out buffers of at least the size asked, each owning its whole ArrayBuffer', () => {
    const pool = new BufferPool(100, 4);
    for (const min of [undefined, 1, 99, 100, 101, 5000]) {
      const b = pool.take(min);
      expect(b.length).toBeGreaterThanOrEqual(min ?? 100);
      // Transferable as it is: no offset into a shared slab, nothing else in the ArrayBuffer.
      expect(b.buffer).toBeInstanceOf(ArrayBuffer);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(b.length);
    }
    expect(pool.idle).toBe(0);
  });

  it('hands a kept buffer out again, the same ArrayBuffer', () => {
    const pool = new BufferPool(64, 2);
    const a = pool.take();
    const b = pool.take();
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(a.buffer);
    pool.give(b.buffer);
    expect(pool.idle).toBe(2);
    const again = [pool.take(), pool.take()];
    expect(new Set(again.map((x) => x.buffer))).toEqual(new Set([a.buffer, b.buffer]));
    expect(again.every((x) => x.length === 64)).toBe(true);
    expect(pool.idle).toBe(0);
    // Empty again: the next one is fresh.
    const fresh = pool.take();
    expect([a.buffer, b.buffer]).not.toContain(fresh.buffer);
  });

  it('keeps at most maxKept buffers', () => {
    const pool = new BufferPool(16, 3);
    const given = Array.from({ length: 5 }, () => pool.take().buffer);
    for (const [i, buf] of given.entries()) {
      pool.give(buf);
      expect(pool.idle).toBe(Math.min(i + 1, 3));
    }
    const back = new Set([pool.take().buffer, pool.take().buffer, pool.take().buffer]);
    expect(back).toEqual(new Set(given.slice(0, 3)));
    expect(given.slice(3)).not.toContain(pool.take().buffer);

    const none = new BufferPool(16, 0);
    const b = none.take();
    none.give(b.buffer);
    expect(none.idle).toBe(0);
    expect(none.take().buffer).not.toBe(b.buffer);
  });

  it('drops undersized buffers, keeps bigger ones', () => {
    const pool = new BufferPool(100, 4);
    pool.give(new ArrayBuffer(99));
    pool.give(pool.take(50).buffer); // a fresh buffer of 50 bytes: under capacity
    pool.give(new ArrayBuffer(0));
    expect(pool.idle).toBe(0);
    const big = new ArrayBuffer(250);
    pool.give(big);
    expect(pool.idle).toBe(1);
    const b = pool.take();
    expect(b.buffer).toBe(big);
    expect(b.length).toBe(250);
  });

  it('drops detached (transferred) buffers and anything that is not an ArrayBuffer', () => {
    const pool = new BufferPool(32, 4);
    const b = pool.take();
    detach(b.buffer as ArrayBuffer);
    expect(b.buffer.byteLength).toBe(0);
    pool.give(b.buffer);
    pool.give(new SharedArrayBuffer(64));
    expect(pool.idle).toBe(0);
    // A kept buffer is never a detached one, so what comes out is usable.
    pool.give(pool.take().buffer);
    expect(pool.take().length).toBe(32);
  });

  it('answers take(min > capacity) with a kept buffer only when one is that big, and leaves the others for later', () => {
    const pool = new BufferPool(100, 4);
    const kept = pool.take();
    pool.give(kept.buffer);
    const big = pool.take(101);
    expect(big.length).toBeGreaterThanOrEqual(101);
    expect(big.buffer).not.toBe(kept.buffer);
    expect(pool.idle).toBe(1);
    // A writer's output grown past capacity, given back: it serves the next large take.
    pool.give(big.buffer);
    expect(pool.take(101).buffer).toBe(big.buffer);
    expect(pool.take().buffer).toBe(kept.buffer);
  });

  it('holds to its contract over any sequence of takes and gives', () => {
    type Op = { kind: 'take'; min: number | undefined } | { kind: 'give'; size: number } | { kind: 'return'; detached: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('take' as const), min: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('give' as const), size: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ kind: fc.constant('return' as const), detached: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, maxKept, ops) => {
        const pool = new BufferPool(capacity, maxKept);
        const model: ArrayBuffer[] = []; // what the pool should hold
        const out: ArrayBuffer[] = []; // taken and not yet returned
        for (const o of ops) {
          if (o.kind === 'take') {
            const want = o.min ?? capacity;
            const b = pool.take(o.min);
            expect(b.length).toBeGreaterThanOrEqual(want);
            expect(b.byteOffset).toBe(0);
            // Any kept buffer big enough serves (kept ones are all at least capacity).
            const fits = model.filter((m) => m.byteLength >= want);
            if (fits.length > 0) {
              expect(fits).toContain(b.buffer);
              model.splice(model.indexOf(b.buffer as ArrayBuffer), 1);
            } else {
              expect(model).not.toContain(b.buffer);
              expect(b.length).toBe(want);
            }
            out.push(b.buffer as ArrayBuffer);
          } else {
            const buf = o.kind === 'give' ? new ArrayBuffer(o.size) : out.pop();
            if (buf === undefined) continue;
            if (o.kind === 'return' && o.detached) detach(buf);
            pool.give(buf);
            if (buf.byteLength >= capacity && model.length < maxKept) model.push(buf);
          }
          expect(pool.idle).toBe(model.length);
          expect(pool.idle).toBeLessThanOrEqual(maxKept);
        }
      }),
      { numRuns: 300 },
    );
  });
});
