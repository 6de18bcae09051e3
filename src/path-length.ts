// The formulas of Liu, Ting & Zhou, "Isolation Forest", ICDM 2008. The one implementation of them:
// both engines take c(n) from cTable() so their leaf values agree to the bit (Math.log in V8 and
// AssemblyScript's log may differ in the last place).

const EULER_GAMMA = 0.5772156649;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points
 * (paper, eq. 1), used to normalise path lengths and to account for the unbuilt subtree below a
 * leaf of size n. c(n) = 2H(n−1) − 2(n−1)/n with H(i) ≈ ln(i) + γ; c(2) = 1; c(n ≤ 1) = 0.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** c(n) for n = 0..maxN, as the kernels read it. */
export function cTable(maxN: number): Float64Array {
  const table = new Float64Array(maxN + 1);
  for (let n = 0; n <= maxN; n++) table[n] = averagePathLength(n);
  return table;
}

/**
 * The anomaly score s(x, psi) = 2^(−E[h(x)] / c(psi)) (paper, eq. 2) from the sum of a row's path
 * lengths over all trees. In (0, 1]: close to 1 is an anomaly, well below 0.5 is normal, and
 * about 0.5 everywhere means the sample has no distinct anomaly.
 */
export function scoresFromPathSums(pathSums: Float64Array, trees: number, psi: number, out: Float64Array = pathSums): Float64Array {
  const scale = -1 / (trees * averagePathLength(psi));
  for (let i = 0; i < pathSums.length; i++) out[i] = 2 ** (pathSums[i] * scale);
  return out;
}
