// Fit a forest on numeric rows, score new ones, save the model and reload it.
// Run: node examples/basic.mjs   (after npm ci)
import { IsolationForest } from 'zeek-iforest';

// 1,000 points of a 2-D Gaussian cluster around (0, 0), from a seeded generator so every run is alike.
let state = 7;
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const rows = Array.from({ length: 1000 }, () => [normal(), normal()]);

const forest = await IsolationForest.fit(rows, { trees: 100, sampleSize: 256, seed: 42, contamination: 0.01 });
const probes = [[0, 0], [1, -1], [6, 6]];
console.log('scores: ', Array.from(forest.score(probes), (s) => s.toFixed(3)).join('  '));
console.log('anomaly:', Array.from(forest.predict(probes)).join('  '), `(threshold ${forest.threshold.toFixed(3)})`);

const bytes = forest.toBytes();
const reloaded = await IsolationForest.fromBytes(bytes, { engine: 'ts' });
console.log(`model: ${bytes.length} bytes; the TS twin scores it identically:`,
  reloaded.score(probes).every((s, i) => s === forest.score(probes)[i]));
