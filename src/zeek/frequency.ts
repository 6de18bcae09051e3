// Streaming value counts for categorical fields, and the frequency code learnt from them.
// Counts are exact over every training record (not a sample), so the code of a value does not
// depend on which records the reservoir happened to keep.

/** Key of one categorical value in a table: the value as written, or null when unset. */
export type CategoryKey = string | null;

/**
 * The frequency code of a value seen `count` times in `total` records: log10 of its relative
 * frequency, in [-log10(total), 0]. Why a log: isolation splits are drawn uniformly in value space,
 * so on a log scale a split separates values by orders of magnitude of rarity (1 in 10^3 versus
 * 1 in 10^6), the way an analyst reads rarity; raw frequencies would crowd every rare value into a
 * sliver next to 0. Why not rank: rank spaces a value seen once and one seen twice as far apart as
 * 40 % and 50 %, and depends on how many other values there are.
 */
export function frequencyCode(count: number, total: number): number {
  return Math.log10(count / total);
}

/**
 * The code of a value never seen in training: that of a value seen once, the rarest code a table
 * over `total` records can hold. It is ≤ every learnt code, and since random splits fall between a
 * node's minimum and maximum, a value at or below the minimum follows the rarest value's path.
 */
export function unseenCode(total: number): number {
  return total > 0 ? frequencyCode(1, total) : 0;
}

/**
 * Gives a copy of a string that does not share memory with the string it was cut from: V8 may
 * keep a whole decoded chunk alive behind a short sliced string, and these keys live as long as
 * the learner does.
 */
function detach(s: string): string {
  return (' ' + s).slice(1);
}

/**
 * Dense ids and exact counts for the distinct values of one field. Bounded: once `maxDistinct`
 * values are tracked, further new values are counted in `overflow` only (they are rarer than the
 * table cut-off in any realistic log, and then get the unseen code).
 */
export class ValueCounter {
  readonly keys: CategoryKey[] = [];
  readonly counts: number[] = [];
  overflow = 0;
  total = 0;
  private readonly ids = new Map<CategoryKey, number>();

  constructor(readonly maxDistinct: number) {}

  /** Counts one occurrence; returns the value's id, or -1 if it could not be tracked. */
  add(value: CategoryKey): number {
    this.total++;
    let id = this.ids.get(value);
    if (id !== undefined) {
      this.counts[id]++;
      return id;
    }
    if (this.keys.length >= this.maxDistinct) {
      this.overflow++;
      return -1;
    }
    id = this.keys.length;
    const key = value === null ? null : detach(value);
    this.ids.set(key, id);
    this.keys.push(key);
    this.counts.push(1);
    return id;
  }
}

/** A learnt frequency table, as stored in the feature spec. */
export interface FrequencyTable {
  /** Training records counted (every record, not a sample). */
  total: number;
  /** Values seen more than once, most frequent first (ties: by value, null first), at most maxCategories. */
  values: CategoryKey[];
  /** Occurrences of each value in training, for people reading the model. */
  counts: number[];
  /** The feature value of each entry: frequencyCode(count, total). Scoring reads these, never recomputes. */
  codes: number[];
  /** Code of any value not in `values`. */
  unseenCode: number;
}

function compareKeys(a: CategoryKey, b: CategoryKey): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * Freezes the counts into a table of at most `maxCategories` entries, deterministically ordered.
 * Values seen once are left out: their code is the unseen code, so storing them changes no
 * feature value, and a port scan (tens of thousands of ports seen once) then costs nothing.
 */
export function buildFrequencyTable(counter: ValueCounter, maxCategories: number): FrequencyTable {
  const order = counter.keys.map((_, i) => i).filter((i) => counter.counts[i] > 1);
  order.sort((x, y) => counter.counts[y] - counter.counts[x] || compareKeys(counter.keys[x], counter.keys[y]));
  order.length = Math.min(order.length, maxCategories);
  const total = counter.total;
  return {
    total,
    values: order.map((i) => counter.keys[i]),
    counts: order.map((i) => counter.counts[i]),
    codes: order.map((i) => frequencyCode(counter.counts[i], total)),
    unseenCode: unseenCode(total),
  };
}
