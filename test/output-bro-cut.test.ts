// Scored Zeek TSV read back by another program: bro-cut, the Zeek project's column cutter (Debian's
// bro-aux package; zeek-cut is the same tool renamed). It finds columns by the #fields line of each
// header block, so it checks that our header blocks, separators and field counts are what Zeek
// tools expect. .ci/run installs bro-aux and sets ZEEK_IFOREST_REQUIRE_TOOLS=1, so in CI this file
// cannot pass by skipping; elsewhere it is skipped when bro-cut is not installed.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZeekLog } from '../src/zeek/reader.js';
import { ZEEK_FIXTURES, assertBuilt, removeDir, runCli, tempDir } from './helpers/e2e.js';

const hasBroCut = spawnSync('bro-cut', ['-h']).error === undefined;
const required = process.env.ZEEK_IFOREST_REQUIRE_TOOLS === '1';

function broCut(args: string[], input: Buffer): string[] {
  const run = spawnSync('bro-cut', args, { input, maxBuffer: 1 << 26 });
  expect(run.status).toBe(0);
  return run.stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

/** uid, score and flag of every record, as our own reader reads the scored file. */
async function ourColumns(path: string): Promise<string[]> {
  const reader = readZeekLog(path, {
    columns: [{ name: 'uid', kind: 'string' }, { name: 'anomaly_score', kind: 'string' }, { name: 'anomaly', kind: 'string' }],
  });
  const rows: string[] = [];
  for await (const b of reader.batches) {
    const [uid, score, flag] = ['uid', 'anomaly_score', 'anomaly'].map((f) => b.strings.get(f)!);
    for (let i = 0; i < b.length; i++) rows.push(`${uid[i]}\t${score[i]}\t${flag[i]}`);
  }
  return rows;
}

describe.runIf(hasBroCut || required)('bro-cut reads scored Zeek TSV', () => {
  let dir: string;
  let model: string;

  beforeAll(async () => {
    if (!hasBroCut) throw new Error('bro-cut is not installed: `apt-get install bro-aux` (ZEEK_IFOREST_REQUIRE_TOOLS=1 asks for it)');
    assertBuilt();
    dir = tempDir();
    model = join(dir, 'm.iforest');
    const fit = await runCli(['fit', join(ZEEK_FIXTURES, 'zat/conn.log'), '-o', model, '--contamination', '0.05']);
    expect(fit.code).toBe(0);
  });

  afterAll(() => removeDir(dir));

  it('finds anomaly_score and anomaly by name, typed double and bool, with the values our reader reads', async () => {
    const out = join(dir, 'scored.log');
    const run = await runCli(['score', join(ZEEK_FIXTURES, 'zat/conn.log'), '-m', model, '-o', out, '--threads', '2']);
    expect(run.code).toBe(0);
    const bytes = readFileSync(out);
    const header = broCut(['-c', 'uid', 'anomaly_score', 'anomaly'], bytes).filter((l) => l.startsWith('#'));
    expect(header).toContain('#fields\tuid\tanomaly_score\tanomaly');
    expect(header).toContain('#types\tstring\tdouble\tbool');
    const cut = broCut(['uid', 'anomaly_score', 'anomaly'], bytes);
    const ours = await ourColumns(out);
    expect(cut.length).toBe(360);
    expect(cut).toEqual(ours);
    expect(cut.filter((l) => l.endsWith('\tT')).length).toBeGreaterThan(0);
    expect(cut.every((l) => /^C\w+\t0\.\d{1,6}\t[TF]$/.test(l))).toBe(true);
  });

  it('follows every header block of a joined log (each block ends with its #close)', async () => {
    const one = readFileSync(join(ZEEK_FIXTURES, 'zat/conn.log'), 'latin1');
    // Two logs back to back, the second with its columns in another order: bro-cut must re-read
    // #fields at the second block, which our output starts with a header of its own.
    const lines = one.split('\n');
    const reversed = (cells: string[]): string => cells.reverse().join('\t');
    const second = lines
      .map((l) => {
        if (l.startsWith('#fields') || l.startsWith('#types')) {
          const [keyword, ...cells] = l.split('\t');
          return `${keyword}\t${reversed(cells)}`;
        }
        return l.startsWith('#') || l === '' ? l : reversed(l.split('\t'));
      })
      .join('\n');
    expect(second).not.toBe(one);
    const joined = join(dir, 'joined.log');
    writeFileSync(joined, one + second, 'latin1');
    const out = join(dir, 'joined-scored.log');
    const run = await runCli(['score', joined, '-m', model, '-o', out]);
    expect(run.code).toBe(0);
    const bytes = readFileSync(out);
    const cut = broCut(['uid', 'anomaly_score'], bytes);
    expect(cut.length).toBe(720);
    expect(cut.slice(360)).toEqual(cut.slice(0, 360));
    const blocks = broCut(['-C', 'uid'], bytes).filter((l) => l.startsWith('#fields'));
    expect(blocks).toEqual(['#fields\tuid', '#fields\tuid']);
    expect(bytes.toString('latin1').match(/^#close\t/gm)).toHaveLength(2);
  });
});
