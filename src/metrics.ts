// Ranking metrics for evaluating scores against labels: ROC-AUC and PR-AUC (average precision),
// both tie-aware, as scikit-learn computes roc_auc_score and average_precision_score. The scores
// are kept per class (LabelledScores), 8 bytes a score: `eval` holds one per evaluated record.

import { ScoreRuns, type RunLengths } from './score-runs.js';

/** (score, label) pairs, held as the scores of each class: no label array, no index to sort. */
export class LabelledScores {
  readonly positives: ScoreRuns;
  readonly negatives: ScoreRuns;

  constructor(runLengths?: RunLengths) {
    this.positives = new ScoreRuns(runLengths);
    this.negatives = new ScoreRuns(runLengths);
  }

  /** Throws a RangeError for a NaN score: NaN has no rank. */
  add(score: number, positive: boolean): void {
    (positive ? this.positives : this.negatives).push(score);
  }

  get length(): number {
    return this.positives.length + this.negatives.length;
  }

  /** From parallel arrays; a label counts as positive when it is truthy (1, true). */
  static of(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): LabelledScores {
    const labelled = new LabelledScores();
    for (let i = 0; i < scores.length; i++) labelled.add(scores[i], Boolean(positive[i]));
    return labelled;
  }
}

/**
 * ROC-AUC: the probability that a random positive scores above a random negative, ties counting
 * one half (the Mann–Whitney U statistic). NaN when either class is empty; a NaN score is a RangeError.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  return rocAucOf(LabelledScores.of(scores, positive));
}

/**
 * PR-AUC as average precision: Σ (R_n − R_{n−1}) · P_n over score thresholds, highest first, tied
 * scores taken as one threshold. NaN when there is no positive; a NaN score is a RangeError.
 */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  return averagePrecisionOf(LabelledScores.of(scores, positive));
}

// The two walks below do the same floating-point operations in the same order as sorting all
// scores and walking the runs of tied ones (what this file did before the scores were kept per
// class), so they give the same values to the last bit.

export function rocAucOf(labelled: LabelledScores): number {
  const pos = labelled.positives.walk();
  const neg = labelled.negatives.walk();
  let nPos = 0;
  let nNeg = 0;
  let rankSumPos = 0;
  while (!pos.done || !neg.done) {
    const score = pos.done ? neg.peek() : neg.done ? pos.peek() : Math.min(pos.peek(), neg.peek());
    const tiedPos = pos.skip(score);
    const tiedNeg = neg.skip(score);
    // The run of tied scores takes the 0-based places first..last and shares the mean of their ranks.
    const first = nPos + nNeg;
    const last = first + tiedPos + tiedNeg - 1;
    const meanRank = (first + last) / 2 + 1;
    for (let k = 0; k < tiedPos; k++) rankSumPos += meanRank;
    nPos += tiedPos;
    nNeg += tiedNeg;
  }
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function averagePrecisionOf(labelled: LabelledScores): number {
  const totalPos = labelled.positives.length;
  if (totalPos === 0) return NaN;
  const pos = labelled.positives.walk(true);
  const neg = labelled.negatives.walk(true);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let lastRecall = 0;
  while (!pos.done || !neg.done) {
    const score = pos.done ? neg.peek() : neg.done ? pos.peek() : Math.max(pos.peek(), neg.peek());
    const tiedPos = pos.skip(score);
    tp += tiedPos;
    seen += tiedPos + neg.skip(score);
    const recall = tp / totalPos;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
  }
  return ap;
}
