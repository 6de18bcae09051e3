// Runs every benchmark suite in bench/ in turn, each in its own process so one suite's JIT state
// and heap do not colour the next. Flags (e.g. --quick) are passed through.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = ['engine.bench.mjs', 'reader.bench.mjs', 'pipeline.bench.mjs'];
let failed = false;
for (const suite of suites) {
  const path = new URL(`./${suite}`, import.meta.url);
  if (!existsSync(path)) continue;
  console.log(`\n# ${suite}`);
  const run = spawnSync(process.execPath, [path.pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
