// Turns the row shapes the API accepts into the one the engines use: f32, row-major, finite.

import { InputError, OptionError, show } from './errors.js';

/** A dense matrix: nRows = data.length / nCols, row-major. */
export interface Matrix {
  data: Float32Array | Float64Array;
  nCols: number;
}

/** Rows as the public API accepts them. */
export type Rows = Matrix | readonly (readonly number[])[];

/** Validated rows: f32, row-major, every value finite in f32. */
export interface DenseRows {
  data: Float32Array;
  nRows: number;
  nCols: number;
}

/**
 * Validates and converts rows. `expectCols` (when given) is the column count a fitted model needs.
 * Float32Array input is used as is, without a copy.
 */
export function toDenseRows(rows: Rows, expectCols?: number): DenseRows {
  let dense: DenseRows;
  if (Array.isArray(rows)) {
    const nRows = rows.length;
    const nCols = nRows > 0 ? (rows[0] as readonly number[]).length : (expectCols ?? 0);
    const data = new Float32Array(nRows * nCols);
    for (let r = 0; r < nRows; r++) {
      const row = rows[r] as readonly number[];
      if (!Array.isArray(row) || row.length !== nCols) {
        throw new InputError(`row ${r} has ${Array.isArray(row) ? row.length : show(row)} values, expected ${nCols} like row 0`);
      }
      for (let c = 0; c < nCols; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw new InputError(`row ${r}, column ${c}: ${show(v)} is not a number`);
        data[r * nCols + c] = v;
      }
    }
    dense = { data, nRows, nCols };
  } else if (rows !== null && typeof rows === 'object' && 'data' in rows && 'nCols' in rows) {
    const { data, nCols } = rows as Matrix;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new OptionError(`rows.data must be a Float32Array or Float64Array (got ${show(data)})`);
    }
    if (!Number.isInteger(nCols) || nCols < 1) throw new OptionError(`rows.nCols must be a positive integer (got ${show(nCols)})`);
    if (data.length % nCols !== 0) {
      throw new InputError(`rows.data has ${data.length} values, which is not a whole number of rows of ${nCols} columns`);
    }
    dense = { data: data instanceof Float32Array ? data : Float32Array.from(data), nRows: data.length / nCols, nCols };
  } else {
    throw new OptionError(`rows must be an array of number arrays or { data: Float32Array | Float64Array, nCols } (got ${show(rows)})`);
  }
  if (expectCols !== undefined && dense.nRows > 0 && dense.nCols !== expectCols) {
    throw new InputError(`rows have ${dense.nCols} columns but the model was fitted on ${expectCols}`);
  }
  assertFinite(dense, rows);
  return dense;
}

function assertFinite(dense: DenseRows, original: Rows): void {
  const { data, nCols } = dense;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    // v - v is 0 for every finite v, NaN for NaN and ±Infinity: one test, no branch per kind.
    if (v - v !== 0) {
      const row = Math.floor(k / nCols);
      const col = k % nCols;
      const given = Array.isArray(original) ? (original[row] as number[])[col] : (original as Matrix).data[k];
      const why = Number.isFinite(given) ? `${given} is outside the f32 range` : `${given} is not a finite number`;
      throw new InputError(`row ${row}, column ${col}: ${why}; remove or impute it before fitting or scoring`);
    }
  }
}
