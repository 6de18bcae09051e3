// src/metrics.ts as it was at commit 1cf7343, before the scores were kept per class in typed
// arrays: the oracle that test/metrics-ranking.test.ts holds the lean implementation to, bit for bit.
// Not to be changed: it is what "the same values as before" means.

/**
 * ROC-AUC: the probability that a random positive scores above a random negative, ties counting
 * one half (the Mann–Whitney U statistic). NaN when either class is empty.
 */
export function rocAucBefore(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  const order = rankOrder(scores);
  let nPos = 0;
  let nNeg = 0;
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    // A run of tied scores shares the mean of its ranks.
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const meanRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        nPos++;
        rankSumPos += meanRank;
      } else {
        nNeg++;
      }
    }
    i = j + 1;
  }
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * PR-AUC as average precision: Σ (R_n − R_{n−1}) · P_n over score thresholds, highest first, tied
 * scores taken as one threshold. NaN when there is no positive.
 */
export function averagePrecisionBefore(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  const order = rankOrder(scores).reverse();
  let totalPos = 0;
  for (let i = 0; i < order.length; i++) if (positive[order[i]]) totalPos++;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) if (positive[order[k]]) tp++;
    seen += j - i + 1;
    const recall = tp / totalPos;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
    i = j + 1;
  }
  return ap;
}

/** Indices sorted by ascending score. */
function rankOrder(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[a] - scores[b]);
}
