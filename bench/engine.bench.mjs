// Engine benchmark: fit and score, WASM kernel vs the pure-TS twin, side by side in one run.
// 100 trees × 256 samples on 10 heavy-tailed features at 10k, 100k and 1M rows; AUC on a real
// data set beside the timings. Run: npm run bench (or npm run bench -- --quick).
import { Bench } from 'tinybench';
import { readFileSync } from 'node:fs';
import { IsolationForest } from '../dist/index.js';
import { WasmKernel, kernelModule } from '../dist/kernel.js';
import { rocAuc } from '../dist/metrics.js';
import { heavyTailedRows, medianMs, quick, saveResults } from './common.mjs';

const N_COLS = 10;
const sizes = quick ? [10_000] : [10_000, 100_000, 1_000_000];
const results = [];

const setup = new Bench({ name: 'kernel setup', time: quick ? 100 : 500 });
setup.add('compile WASM module (cold, uncached)', () => new WebAssembly.Module(readFileSync(new URL('../build/release.wasm', import.meta.url))));
setup.add('instantiate kernel (module cached)', () => new WasmKernel(kernelModule()));
await setup.run();
for (const task of setup.tasks) results.push({ task: task.name, rows: 0, msMedian: medianMs(task), nsPerRow: null });

for (const nRows of sizes) {
  const data = heavyTailedRows(nRows, N_COLS, nRows);
  const rows = { data, nCols: N_COLS };
  const forests = {
    wasm: IsolationForest.fitSync(rows, { engine: 'wasm', seed: 1 }),
    ts: IsolationForest.fitSync(rows, { engine: 'ts', seed: 1 }),
  };
  const time = quick ? 300 : nRows >= 1_000_000 ? 4000 : 1500;
  const bench = new Bench({ name: `${nRows} rows`, time, iterations: 3, warmupIterations: 2 });
  let seed = 1;
  for (const engine of ['wasm', 'ts']) {
    bench.add(`fit ${engine}`, () => { IsolationForest.fitSync(rows, { engine, seed: seed++ }); });
  }
  for (const engine of ['wasm', 'ts']) {
    bench.add(`score ${engine}`, () => { forests[engine].scoreDense(data, nRows); });
  }
  await bench.run();
  const byName = Object.fromEntries(bench.tasks.map((t) => [t.name, medianMs(t)]));
  for (const task of bench.tasks) {
    const ms = byName[task.name];
    results.push({ task: task.name, rows: nRows, msMedian: ms, nsPerRow: task.name.startsWith('score') ? (ms * 1e6) / nRows : null });
  }
  results.push({ task: 'score ts / wasm (same run)', rows: nRows, ratio: byName['score ts'] / byName['score wasm'] });
  results.push({ task: 'fit ts / wasm (same run)', rows: nRows, ratio: byName['fit ts'] / byName['fit wasm'] });
}

// Copies of a row within a batch are scored once (src/distinct-rows.ts). Batches of 8,192 rows
// (the reader's batch) in which a share of the rows repeat earlier ones, as scans and beacons do
// in real conn logs; 0 % shows what the search costs when it finds nothing.
{
  const nRows = quick ? 65_536 : 262_144;
  const base = heavyTailedRows(nRows, N_COLS, 7);
  const forest = IsolationForest.fitSync({ data: base, nCols: N_COLS }, { seed: 1 });
  const bench = new Bench({ name: 'copies', time: quick ? 300 : 1500, iterations: 3, warmupIterations: 2 });
  const BATCH = 8192;
  for (const share of [0, 0.25, 0.5, 0.9]) {
    const data = base.slice();
    // In each batch, row r (beyond the first) is a copy of an earlier row of the batch with probability `share`.
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let r = 0; r < nRows; r++) {
      const first = r - (r % BATCH);
      if (r > first && next() < share) {
        const from = first + Math.floor(next() * (r - first));
        data.copyWithin(r * N_COLS, from * N_COLS, (from + 1) * N_COLS);
      }
    }
    bench.add(`score wasm, ${share * 100} % copies per batch`, () => {
      for (let r = 0; r < nRows; r += BATCH) forest.scoreDense(data.subarray(r * N_COLS, (r + BATCH) * N_COLS), Math.min(BATCH, nRows - r));
    });
  }
  await bench.run();
  for (const task of bench.tasks) {
    const ms = medianMs(task);
    results.push({ task: task.name, rows: nRows, msMedian: ms, nsPerRow: (ms * 1e6) / nRows });
  }
}

// Quality beside speed (scikit-learn's bench_isolation_forest.py does the same).
const csv = readFileSync(new URL('../test/fixtures/bench/shuttle_adbench.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const nCols = csv[0].split(',').length - 1;
const shuttle = new Float32Array(csv.length * nCols);
const labels = new Uint8Array(csv.length);
csv.forEach((line, r) => {
  const cells = line.split(',');
  for (let c = 0; c < nCols; c++) shuttle[r * nCols + c] = Number(cells[c]);
  labels[r] = cells[nCols] === '1' ? 1 : 0;
});
for (const engine of ['wasm', 'ts']) {
  const t0 = performance.now();
  const forest = IsolationForest.fitSync({ data: shuttle, nCols }, { engine, seed: 1 });
  const t1 = performance.now();
  const scores = forest.score({ data: shuttle, nCols });
  const t2 = performance.now();
  results.push({ task: `shuttle (49,097 × 9) ${engine}: fit + score, ROC-AUC ${rocAuc(scores, labels).toFixed(4)}`, rows: csv.length, msMedian: t2 - t0, fitMs: t1 - t0, nsPerRow: ((t2 - t1) * 1e6) / csv.length });
}

console.table(results.map((r) => ({
  task: r.task,
  rows: r.rows || '',
  'ms (median)': r.msMedian === undefined ? '' : r.msMedian.toFixed(2),
  'ns/row': r.nsPerRow ? r.nsPerRow.toFixed(0) : '',
  ratio: r.ratio ? `${r.ratio.toFixed(2)}×` : '',
})));
saveResults('engine', results);
