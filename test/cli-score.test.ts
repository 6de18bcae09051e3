// fit → score through the built CLI, on real fixture logs (zat: MIT; the synthetic file is this
// project's own): the Zeek TSV output is the input with two more cells per record, in input order,
// under the input's header with the new fields declared; JSON output carries the same records and
// scores; gzip input and stdin give the same bytes as the plain file.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, directiveCells, REPO, removeDir, runCli, sha256, splitZeek, tempDir, writeGeneratedLog, ZEEK_FIXTURES } from './helpers/e2e.js';

const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');
// Zeek's JSON writer's output (zat: MIT).
const JSON_CONN = join(ZEEK_FIXTURES, 'zat/json_conn.log');
// Another field set (a leading _node_name, 22 conn fields) and a last record cut off: 1 rejected.
const TRUNCATED = join(ZEEK_FIXTURES, 'synthetic/node-name-truncated.conn.log');

let dir: string;
let model: string;
let threshold: number;
let scored: string; // `score CONN -o …` output

interface ScoreJson {
  command: string;
  files: { file: string; linesRead: number; records: number; headerLines: number; rejected: number; firstRejections: string[] }[];
  records: number;
  rejected: number;
  anomalies: number;
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  model = join(dir, 'conn.iforest');
  const fit = await runCli(['fit', CONN, '-o', model, '--json']);
  expect(fit.code, fit.stderr).toBe(0);
  const summary = JSON.parse(fit.stdout) as { records: number; threshold: number; model: string };
  expect(summary).toMatchObject({ records: 360, model });
  threshold = summary.threshold;
  scored = join(dir, 'conn.scored.log');
  const score = await runCli(['score', CONN, '-m', model, '-o', scored, '--threads', '2']);
  expect(score.code, score.stderr).toBe(0);
});

afterAll(() => removeDir(dir));

/** Checks a TSV output against its input: same header plus two fields, every record kept in order. */
function expectScoredCopy(inputText: string, outputText: string, rejectedLines: readonly number[]): { scores: number[]; flags: string[] } {
  const input = splitZeek(inputText);
  const output = splitZeek(outputText);
  // The input's directives, #close included, with anomaly_score and anomaly added to #fields/#types.
  const kept = input.directives.filter((d) => !d.startsWith('#fields') && !d.startsWith('#types'));
  expect(output.directives.filter((d) => !d.startsWith('#fields') && !d.startsWith('#types'))).toEqual(kept);
  expect(directiveCells(output.directives, '#fields')).toEqual([...directiveCells(input.directives, '#fields'), 'anomaly_score', 'anomaly']);
  expect(directiveCells(output.directives, '#types')).toEqual([...directiveCells(input.directives, '#types'), 'double', 'bool']);
  // Header first, then the records, then the input's #close (with its own time) as the last line.
  const header = output.directives.filter((d) => !d.startsWith('#close'));
  expect(outputText.split('\n').slice(0, header.length)).toEqual(header);
  // A log cut short has no #close; then neither has the output.
  const inputClose = input.directives.find((d) => d.startsWith('#close'));
  if (inputClose !== undefined) expect(outputText.trimEnd().split('\n').at(-1)).toBe(inputClose);
  else expect(output.directives.some((d) => d.startsWith('#close'))).toBe(false);

  const expected = input.records.filter((r) => !rejectedLines.includes(r.line));
  expect(output.records).toHaveLength(expected.length);
  const scores: number[] = [];
  const flags: string[] = [];
  output.records.forEach((r, i) => {
    const cells = r.text.split('\t');
    expect(cells.length).toBe(expected[i].text.split('\t').length + 2);
    // The original cells, byte for byte, in input order.
    expect(cells.slice(0, -2).join('\t')).toBe(expected[i].text);
    const [score, flag] = cells.slice(-2);
    // Zeek's double format: up to 6 decimals, trailing zeros dropped.
    expect(score).toMatch(/^(0\.\d{0,5}[1-9]|1(\.0)?)$/);
    expect(flag).toMatch(/^[TF]$/);
    scores.push(Number(score));
    flags.push(flag);
  });
  return { scores, flags };
}

describe('fit → score, Zeek TSV output', () => {
  it('is the input with anomaly_score (double) and anomaly (bool) added to every record, in input order', () => {
    const { scores, flags } = expectScoredCopy(readFileSync(CONN, 'latin1'), readFileSync(scored, 'latin1'), []);
    expect(scores).toHaveLength(360);
    for (const s of scores) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    // anomaly = T exactly when the score is above the model's threshold (scores are printed to 6 places).
    scores.forEach((s, i) => {
      if (Math.abs(s - threshold) > 1e-6) expect(flags[i]).toBe(s > threshold ? 'T' : 'F');
    });
    // Not all the same: the forest tells records apart.
    expect(new Set(scores).size).toBeGreaterThan(100);
  });

  it('drops only the rejected lines, and reports them with file:line', async () => {
    const out = join(dir, 'truncated.scored.log');
    const run = await runCli(['score', TRUNCATED, '-m', model, '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as ScoreJson;
    expect(summary).toMatchObject({ command: 'score', records: 3, rejected: 1 });
    expect(summary.files[0]).toMatchObject({ linesRead: 12, records: 3, headerLines: 8, rejected: 1 });
    expect(summary.files[0].firstRejections).toEqual([`${TRUNCATED}:12: expected 22 fields, found 10 (last line has no line end: cut off mid-write?)`]);
    expectScoredCopy(readFileSync(TRUNCATED, 'latin1'), readFileSync(out, 'latin1'), [12]);
  });

  it('--json statistics add up: lines read = records + header lines + rejected', async () => {
    const run = await runCli(['score', CONN, '-m', model, '-o', join(dir, 'again.log'), '--json', '--threads', '1']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as ScoreJson;
    const f = summary.files[0];
    expect(f).toMatchObject({ file: CONN, linesRead: 369, records: 360, headerLines: 9, rejected: 0 });
    expect(f.linesRead).toBe(f.records + f.headerLines + f.rejected);
    const flagged = splitZeek(readFileSync(scored, 'latin1')).records.filter((r) => r.text.endsWith('\tT')).length;
    expect(summary.anomalies).toBe(flagged);
    expect(readFileSync(join(dir, 'again.log'))).toEqual(readFileSync(scored));
  });
});

describe('fit → score --alerts-only', () => {
  it('writes only the flagged records, the same lines as in the full output, under the same header', async () => {
    const run = await runCli(['score', CONN, '-m', model, '--alerts-only', '--threads', '2']);
    expect(run.code, run.stderr).toBe(0);
    const full = splitZeek(readFileSync(scored, 'latin1'));
    const alerts = splitZeek(run.stdout);
    expect(alerts.directives).toEqual(full.directives);
    const flagged = full.records.filter((r) => r.text.endsWith('\tT')).map((r) => r.text);
    expect(flagged.length).toBeGreaterThan(0);
    expect(alerts.records.map((r) => r.text)).toEqual(flagged);
  });
});

describe('fit → score, JSON output', () => {
  it('one object per line with the original fields, anomaly_score and anomaly, matching the TSV', async () => {
    const run = await runCli(['score', CONN, '-m', model, '--format', 'json', '--threads', '1']);
    expect(run.code, run.stderr).toBe(0);
    const objects = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const tsv = splitZeek(readFileSync(scored, 'latin1'));
    const fields = directiveCells(tsv.directives, '#fields');
    expect(objects).toHaveLength(tsv.records.length);
    objects.forEach((o, i) => {
      const cells = tsv.records[i].text.split('\t');
      // Every field that is set in the TSV record is there (Zeek's JSON writer leaves unset ones out).
      fields.forEach((name, k) => {
        if (cells[k] === '-') expect(o).not.toHaveProperty([name]);
        else expect(o).toHaveProperty([name]);
      });
      expect(o.uid).toBe(cells[1]);
      expect(o['id.orig_h']).toBe(cells[2]);
      expect(o['id.orig_p']).toBe(Number(cells[3]));
      expect(o.anomaly_score).toBeCloseTo(Number(cells[cells.length - 2]), 6);
      expect(o.anomaly).toBe(cells[cells.length - 1] === 'T');
      expect(Object.keys(o).slice(-2)).toEqual(['anomaly_score', 'anomaly']);
    });
  });
});

describe('gzip and stdin', () => {
  it('a gzip copy of the log, as a file or on stdin, scores to the same bytes', async () => {
    const gz = join(dir, 'conn.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(CONN)));
    const out = join(dir, 'gz.scored.log');
    const [file, stdin] = await Promise.all([
      runCli(['score', gz, '-m', model, '-o', out, '--threads', '2']),
      runCli(['score', '-', '-m', model, '--threads', '1'], { input: readFileSync(gz) }),
    ]);
    expect(file.code, file.stderr).toBe(0);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(scored)));
    expect(sha256(stdin.stdout)).toBe(sha256(readFileSync(scored)));
  });

  it('a truncated gzip: every record inflated before the cut is written, then the error, exit 1', async () => {
    // A bigger log than the fixture, so that several chunks are in flight when the input fails.
    const big = writeGeneratedLog(join(dir, 'trunc-src.log'), { rows: 60_000, seed: 9 });
    const gz = gzipSync(readFileSync(big), { level: 1 });
    const truncated = join(dir, 'truncated.log.gz');
    writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length * 0.7)));
    // What zcat gets out of it: the whole lines are the records to expect.
    const inflated = gunzipSync(gz.subarray(0, Math.floor(gz.length * 0.7)), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('latin1');
    const whole = inflated.slice(0, inflated.lastIndexOf('\n')).split('\n').filter((l) => !l.startsWith('#'));
    expect(whole.length).toBeGreaterThan(30_000);
    for (const threads of ['0', '2']) {
      const run = await runCli(['score', truncated, '-m', model, '--threads', threads]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`zeek-iforest: ${truncated}: gzip data is corrupt or truncated (unexpected end of file); the lines before this point were read\n`);
      const records = run.stdout.trimEnd().split('\n').filter((l) => !l.startsWith('#'));
      expect(records).toHaveLength(whole.length);
      expect(records.at(-1)!.startsWith(`${whole.at(-1)!}\t`)).toBe(true);
    }
  });

  it('score --top with --json: the top records in the summary (as the one-go mode gives them), no table', async () => {
    const [json, table] = await Promise.all([
      runCli(['score', CONN, '-m', model, '-o', join(dir, 'top-json.log'), '--top', '3', '--json']),
      runCli(['score', CONN, '-m', model, '-o', join(dir, 'top-table.log'), '--top', '3']),
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    const summary = JSON.parse(json.stdout) as { top: { file: string; line: number; score: number; reason: string }[] };
    expect(summary.top).toHaveLength(3);
    expect(summary.top[0].score).toBeGreaterThanOrEqual(summary.top[2].score);
    // The same records as the table's, in its order.
    for (const t of summary.top) expect(table.stderr).toContain(t.score.toFixed(4));
    expect(summary.top.every((t) => t.file === CONN && t.line > 9 && t.reason.length > 0)).toBe(true);
  });

  it('score - reads stdin and writes the same bytes to stdout, stats for "stdin" on stderr', async () => {
    const run = await runCli(['score', '-', '-m', model, '--json'], { input: readFileSync(CONN) });
    expect(run.code, run.stderr).toBe(0);
    expect(sha256(run.stdout)).toBe(sha256(readFileSync(scored)));
    // Records go to stdout, so the statistics go to stderr.
    const summary = JSON.parse(run.stderr) as ScoreJson;
    expect(summary.files[0]).toMatchObject({ file: 'stdin', linesRead: 369, records: 360, headerLines: 9, rejected: 0 });
  });

  it('fit - gives the same model as fit on the file, and on its gzip copy', async () => {
    const fromStdin = join(dir, 'stdin.iforest');
    const fromGz = join(dir, 'gz.iforest');
    const [a, b] = await Promise.all([
      runCli(['fit', '-', '-o', fromStdin], { input: readFileSync(CONN) }),
      runCli(['fit', join(dir, 'conn.log.gz'), '-o', fromGz]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toContain('stdin: 369 lines read, 360 records read, 9 header lines, 0 rejected');
    expect(sha256(readFileSync(fromStdin))).toBe(sha256(readFileSync(model)));
    expect(sha256(readFileSync(fromGz))).toBe(sha256(readFileSync(model)));
  });
});

describe('inputs the output format cannot carry: one line, exit 1, no output file', () => {
  it('a JSON log with --format zeek is refused; the default (auto) and --format json score it as JSON', async () => {
    const jsonModel = join(dir, 'json.iforest');
    expect((await runCli(['fit', JSON_CONN, '-o', jsonModel])).code).toBe(0);
    for (const threads of ['0', '2']) {
      const out = join(dir, `json-as-zeek-${threads}.log`);
      const run = await runCli(['score', JSON_CONN, '-m', jsonModel, '-o', out, '--threads', threads, '--format', 'zeek']);
      expect(run.stderr).toBe(`zeek-iforest: ${JSON_CONN}: Zeek TSV output needs Zeek TSV input; for JSON logs use --format json\n`);
      expect(run.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
    const ok = await runCli(['score', JSON_CONN, '-m', jsonModel, '--format', 'json']);
    expect(ok.code, ok.stderr).toBe(0);
    const auto = await runCli(['score', JSON_CONN, '-m', jsonModel]);
    expect(auto.stdout).toBe(ok.stdout);
    const input = readFileSync(JSON_CONN, 'utf8').trimEnd().split('\n');
    const output = ok.stdout.trimEnd().split('\n');
    expect(output).toHaveLength(input.length);
    output.forEach((line, i) => {
      const { anomaly_score: score, anomaly, ...rest } = JSON.parse(line) as Record<string, unknown>;
      expect(rest).toEqual(JSON.parse(input[i]));
      expect(typeof score).toBe('number');
      expect(typeof anomaly).toBe('boolean');
    });
  });

  it('--format auto with a Zeek TSV first input and a JSON one after it: the JSON one refused, named, and no output file', async () => {
    for (const threads of ['0', '2']) {
      const out = join(dir, `mixed-${threads}.log`);
      const run = await runCli(['score', CONN, JSON_CONN, '-m', model, '-o', out, '--threads', threads]);
      expect(run.stderr).toBe(`zeek-iforest: ${JSON_CONN}: Zeek TSV output needs Zeek TSV input; for JSON logs use --format json ` +
        `(--format auto writes one format per output: the first input's, here Zeek TSV from ${CONN})\n`);
      expect(run.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a JSON log whose records take on a score field midway: refused, naming the file', async () => {
    const lines = readFileSync(JSON_CONN, 'utf8').trimEnd().split('\n');
    const pre = join(dir, 'pre-scored.ndjson');
    writeFileSync(pre, [...lines, lines[0].replace(/}$/, ',"anomaly":"yes"}')].join('\n') + '\n');
    for (const threads of ['0', '2']) {
      const run = await runCli(['score', pre, '-m', model, '--threads', threads, '--format', 'json', '-o', join(dir, `pre-${threads}.out`)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`zeek-iforest: ${pre}: the input already has an "anomaly" field (was it scored before?); score the original log instead\n`);
    }
  });

  it('--format auto with a JSON first input: a Zeek TSV input after it is written as JSON too, as --format json writes it', async () => {
    const [auto, json] = await Promise.all([
      runCli(['score', JSON_CONN, CONN, '-m', model, '--threads', '2']),
      runCli(['score', JSON_CONN, CONN, '-m', model, '--threads', '1', '--format', 'json']),
    ]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(json.code, json.stderr).toBe(0);
    const lines = auto.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(50 + 360);
    for (const line of lines) expect(typeof (JSON.parse(line) as { anomaly_score: unknown }).anomaly_score).toBe('number');
    expect(auto.stdout).toBe(json.stdout);
    // And the Zeek TSV part is the same JSON that log alone gives with --format json.
    const alone = await runCli(['score', CONN, '-m', model, '--format', 'json']);
    expect(lines.slice(50).join('\n') + '\n').toBe(alone.stdout);
  });

  it('--format auto: an empty first input has no format, so the next one decides it', async () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const run = await runCli(['score', empty, JSON_CONN, '-m', model, '--threads', '1']);
    expect(run.code, run.stderr).toBe(0);
    const alone = await runCli(['score', JSON_CONN, '-m', model, '--threads', '1']);
    expect(run.stdout).toBe(alone.stdout);
    expect(run.stdout.startsWith('{')).toBe(true);
  });

  it('a log that was scored before, as TSV or JSON output, inline or in the pool: refused, naming it', async () => {
    const message = `zeek-iforest: ${scored}: the input already has an "anomaly_score" field (was it scored before?); score the original log instead\n`;
    for (const args of [['--threads', '0'], ['--threads', '2', '--format', 'json']]) {
      const out = join(dir, 'rescored.log');
      const run = await runCli(['score', scored, '-m', model, '-o', out, ...args]);
      expect(run.stderr).toBe(message);
      expect(run.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('where the output goes', () => {
  it('an output in a missing directory: exit 1, one line naming the path the user gave', async () => {
    const out = join(dir, 'no-such-dir', 'scored.log');
    const run = await runCli(['score', CONN, '-m', model, '-o', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`zeek-iforest: cannot write the output file ${out}: its directory ${join(dir, 'no-such-dir')} does not exist\n`);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('-o - is standard output, as no -o is: the same bytes, the --json summary on stderr, no file named "-"', async () => {
    const cwd = join(dir, 'dash');
    mkdirSync(cwd);
    const run = await runCli(['score', CONN, '-m', model, '-o', '-', '--json', '--threads', '1'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(sha256(run.stdout)).toBe(sha256(readFileSync(scored)));
    expect((JSON.parse(run.stderr) as ScoreJson).records).toBe(360);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('stdout closed early (score … | head): stops quietly, exit 0, no stack trace', async () => {
    // 40 copies of the log: far more output than a pipe holds, so the writer meets EPIPE.
    const many = join(dir, 'many.log');
    writeFileSync(many, Buffer.concat(Array.from({ length: 40 }, () => readFileSync(CONN))));
    const child = spawn(process.execPath, [CLI, 'score', many, '-m', model, '--threads', '1'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // Like head: read the first bytes, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
