// Exact copies of a row are scored once per batch. Real conn logs repeat themselves: a port scan,
// a beacon or a failed DNS lookup gives the same features again and again (16–69 % of the rows of
// a batch in the Stratosphere and IoT-23 captures), and a row's path lengths depend on its values
// alone. Finding the copies costs a hash of the row's bits (tens of ns); scoring one costs ~0.7 µs.
// Rows are equal when their f32 bits are equal, so the scores are exactly those of scoring every row.

/** Below this share of copies, a batch is scored row by row and the next few skip the search. */
const MIN_COPY_SHARE = 0.1;
/** Batches scored directly after a batch with few copies, before looking again. */
const SKIP_BATCHES = 8;
/** Smaller batches are not worth the search. */
const MIN_ROWS = 64;

export class DistinctRows {
  /** Open-addressing table: 1 + index of a distinct row, or 0 for an empty slot. */
  private slots = new Int32Array(0);
  /** The distinct rows, in order of first appearance. */
  rows = new Float32Array(0);
  /** For each input row, the index of its distinct row. */
  of = new Int32Array(0);
  private skip = 0;

  /**
   * Collapses the nRows × nCols rows of `x` into their distinct rows (this.rows, this.of) and
   * returns how many there are, or -1 when the batch should be scored as it is: too small, too few
   * copies, or a recent batch had too few.
   */
  collapse(x: Float32Array, nRows: number, nCols: number): number {
    if (nRows < MIN_ROWS || nCols === 0) return -1;
    if (this.skip > 0) {
      this.skip--;
      return -1;
    }
    this.reserve(nRows, nCols);
    const bits = new Uint32Array(x.buffer, x.byteOffset, nRows * nCols);
    const { slots, of } = this;
    const rows = new Uint32Array(this.rows.buffer, 0, nRows * nCols);
    const mask = slots.length - 1;
    slots.fill(0);
    let distinct = 0;
    for (let r = 0, o = 0; r < nRows; r++, o += nCols) {
      let h = nCols;
      for (let c = 0; c < nCols; c++) {
        h = Math.imul(h ^ bits[o + c], 0x9e3779b1);
        h ^= h >>> 15;
      }
      let slot = h & mask;
      for (;;) {
        const k = slots[slot];
        if (k === 0) {
          slots[slot] = distinct + 1;
          const d = distinct * nCols;
          for (let c = 0; c < nCols; c++) rows[d + c] = bits[o + c];
          of[r] = distinct++;
          break;
        }
        const d = (k - 1) * nCols;
        let c = 0;
        while (c < nCols && rows[d + c] === bits[o + c]) c++;
        if (c === nCols) {
          of[r] = k - 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    if (nRows - distinct < MIN_COPY_SHARE * nRows) {
      this.skip = SKIP_BATCHES;
      return -1;
    }
    return distinct;
  }

  private reserve(nRows: number, nCols: number): void {
    if (this.of.length < nRows) this.of = new Int32Array(nRows);
    if (this.rows.length < nRows * nCols) this.rows = new Float32Array(nRows * nCols);
    // At most half full, so probes stay short.
    let size = 1;
    while (size < 2 * nRows) size <<= 1;
    if (this.slots.length < size) this.slots = new Int32Array(size);
  }
}
