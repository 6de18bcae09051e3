// Scores kept for ranking them at the end (ROC-AUC, PR-AUC of `eval`), in the 8 bytes each takes
// as an f64, the precision the forest scores in. They are appended to runs (Float64Array chunks),
// which are sorted in place and then walked as one sorted sequence by a k-way merge. One growing
// array would need its old and new copies at once every time it grows (up to 3 × 8 bytes a score),
// and joining the runs into one array before sorting would need 2 × at the end. (The number arrays
// of scores and labels this replaced, sorted through an index with a comparator, grew `eval` by
// about 62 bytes a record.)

export interface RunLengths {
  /** Small, so that a small evaluation allocates little; each next run is twice as long… */
  first: number;
  /** …up to this: the most that is allocated and not yet used. */
  longest: number;
}

/** 8 KiB, growing to 8 MiB. */
const RUN_LENGTHS: RunLengths = { first: 1024, longest: 1 << 20 };

export class ScoreRuns {
  private readonly runs: Float64Array[] = [];
  /** The run being filled, and how much of it is. */
  private last = new Float64Array(0);
  private used = 0;
  private count = 0;
  private sorted = false;

  /** `lengths`: tests make runs short, to cross many run boundaries with few scores. */
  constructor(private readonly lengths: RunLengths = RUN_LENGTHS) {
    const { first, longest } = lengths;
    if (!(Number.isInteger(first) && first >= 1 && Number.isInteger(longest) && longest >= first)) {
      throw new RangeError(`run lengths must be integers with 1 ≤ first ≤ longest (got first ${first}, longest ${longest})`);
    }
  }

  get length(): number {
    return this.count;
  }

  push(score: number): void {
    // NaN equals nothing, itself included, so a walk could never move past one (RunWalk.skip); the
    // forest never gives one.
    if (Number.isNaN(score)) throw new RangeError('a score to rank is NaN');
    if (this.sorted) throw new Error('ScoreRuns.push after walk: the runs are already sorted');
    if (this.used === this.last.length) {
      this.last = new Float64Array(Math.min(this.lengths.longest, Math.max(this.lengths.first, 2 * this.last.length)));
      this.runs.push(this.last);
      this.used = 0;
    }
    this.last[this.used++] = score;
    this.count++;
  }

  /** The scores in ascending (or descending) order. No score can be added after the first walk. */
  walk(descending = false): RunWalk {
    if (!this.sorted) {
      if (this.runs.length > 0) this.runs[this.runs.length - 1] = this.last.subarray(0, this.used);
      // A typed array's own sort is numeric, in place, and needs no comparator call per pair.
      for (const run of this.runs) run.sort();
      this.sorted = true;
    }
    return new RunWalk(this.runs, descending);
  }
}

/** A k-way merge of sorted runs: a binary heap of runs keyed by the next value each has to give. */
export class RunWalk {
  private readonly heap: Uint32Array;
  private size = 0;
  /** Per run, the index of its next value. */
  private readonly cursor: Int32Array;
  private readonly step: 1 | -1;

  constructor(private readonly runs: readonly Float64Array[], private readonly descending: boolean) {
    this.heap = new Uint32Array(runs.length);
    this.cursor = new Int32Array(runs.length);
    this.step = descending ? -1 : 1;
    runs.forEach((run, r) => {
      if (run.length === 0) return;
      this.cursor[r] = descending ? run.length - 1 : 0;
      this.heap[this.size++] = r;
    });
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get done(): boolean {
    return this.size === 0;
  }

  /** The next value; only when not done. */
  peek(): number {
    return this.head(this.heap[0]);
  }

  /** Moves past every next value equal to `value` (-0 and 0 alike) and says how many there were. */
  skip(value: number): number {
    let n = 0;
    while (this.size > 0 && this.peek() === value) {
      this.advance();
      n++;
    }
    return n;
  }

  private advance(): void {
    const r = this.heap[0];
    const next = this.cursor[r] + this.step;
    if (next < 0 || next >= this.runs[r].length) this.heap[0] = this.heap[--this.size];
    else this.cursor[r] = next;
    if (this.size > 0) this.siftDown(0);
  }

  private head(r: number): number {
    return this.runs[r][this.cursor[r]];
  }

  /** Whether run a's next value comes before run b's. */
  private before(a: number, b: number): boolean {
    return this.descending ? this.head(a) > this.head(b) : this.head(a) < this.head(b);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const first = right < this.size && this.before(heap[right], heap[left]) ? right : left;
      if (!this.before(heap[first], heap[i])) return;
      [heap[i], heap[first]] = [heap[first], heap[i]];
      i = first;
    }
  }
}
