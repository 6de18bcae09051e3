// Reads the benchmark CSVs of test/fixtures/bench: header f0..f{d-1},label; label 1 = anomaly.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LabelledData {
  data: Float64Array;
  nCols: number;
  labels: Uint8Array;
}

export function readBenchCsv(name: string): LabelledData {
  const path = fileURLToPath(new URL(`../fixtures/bench/${name}`, import.meta.url));
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const nCols = lines[0].split(',').length - 1;
  const rows = lines.length - 1;
  const data = new Float64Array(rows * nCols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    for (let c = 0; c < nCols; c++) data[r * nCols + c] = Number(cells[c]);
    labels[r] = Number(cells[nCols]) === 1 ? 1 : 0;
  }
  return { data, nCols, labels };
}
