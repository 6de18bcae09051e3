// Shared bits of the benchmark suites: flags, machine description, result files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export const quick = process.argv.includes('--quick');

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Median latency of a finished tinybench task, in ms; NaN when it failed. */
export function medianMs(task) {
  const r = task.result;
  return r && 'latency' in r ? r.latency.p50 : NaN;
}

/** Writes results as bench/results/<suite>-latest.json (tracked) — the table in bench/README.md comes from it. */
export function saveResults(suite, results) {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const body = JSON.stringify({ suite, date: new Date().toISOString(), quick, machine: machine(), results }, null, 2);
  writeFileSync(new URL(`${suite}${quick ? '-quick' : ''}-latest.json`, dir), body + '\n');
}

/** Deterministic heavy-tailed rows (log-normal-like, as byte and packet counts are). */
export function heavyTailedRows(nRows, nCols, seed = 1) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), (s + 0.5) / 4294967296);
  const data = new Float32Array(nRows * nCols);
  for (let i = 0; i < data.length; i++) {
    const g = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    data[i] = Math.exp(2 * g);
  }
  return data;
}
