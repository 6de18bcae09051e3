import { describe, expect, it } from 'vitest';
import { averagePathLength, scoresFromPathSums } from '../src/path-length.js';

describe('c(n), the average path length of an unsuccessful BST search (Liu et al. 2008, eq. 1)', () => {
  it('is 0 for n ≤ 1 and 1 for n = 2', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
  });

  it('matches 2H(n−1) − 2(n−1)/n at n = 5 and n = 999 (scikit-learn test_iforest.py)', () => {
    // Values worked by hand: H(4) ≈ ln 4 + γ = 1.9635100260, H(998) ≈ 7.4829689412 (computed with Python's math.log).
    expect(averagePathLength(5)).toBeCloseTo(2 * (Math.log(4) + 0.5772156649) - (2 * 4) / 5, 12);
    expect(averagePathLength(5)).toBeCloseTo(2.327020052, 8);
    expect(averagePathLength(999)).toBeCloseTo(2 * (Math.log(998) + 0.5772156649) - (2 * 998) / 999, 12);
    expect(averagePathLength(999)).toBeCloseTo(12.967939884, 8);
  });

  it('gives s = 0.5 when the mean path length equals c(psi), and s → 1 as it shrinks', () => {
    const trees = 10;
    const psi = 256;
    const c = averagePathLength(psi);
    const s = scoresFromPathSums(Float64Array.of(trees * c, 0, trees * 2 * c), trees, psi);
    expect(s[0]).toBeCloseTo(0.5, 14);
    expect(s[1]).toBe(1);
    expect(s[2]).toBeCloseTo(0.25, 14);
  });
});
