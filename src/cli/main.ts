#!/usr/bin/env node
// zeek-iforest: thin commands over the library (src/pipeline). Usage errors print one line and exit
// 2; input and model errors, and outputs that cannot be written (a full disk), print their message
// and exit 1; a stack trace only with --verbose.

import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { InputError, KernelMissingError, ModelFormatError, OptionError, WriteError, systemReason } from '../errors.js';
import { heightLimit, treeBytes } from '../layout.js';
import { LIMITS, readModelFile as readModelBytes } from '../model-file.js';
import { AtomicFile } from '../pipeline/atomic-file.js';
import { fitLogs, type FitLogsOptions } from '../pipeline/fit-logs.js';
import { NothingScoredError, scoreLogs, type ScoreLogsResult } from '../pipeline/score-logs.js';
import { isEmptyInput } from '../pipeline/stats.js';
import { evaluateLogs } from '../pipeline/evaluate.js';
import { OutputFormatError } from '../output/zeek-writer.js';
import { FeatureSpecError, NotConnLogError } from '../zeek/features.js';
import { ZeekParseError, ZeekReadError } from '../zeek/errors.js';
import { count, describeStats, summaryJson } from './report.js';
import { topTable } from './top.js';
import { UsageError, parseContamination, parseFeatures, parseInteger, parseLabels, parseModelOutput } from './usage.js';

const VERSION = '0.1.0';

interface FitFlags {
  trees: number;
  sampleSize: number;
  seed: number;
  contamination: number | 'auto';
  features?: string[];
  reservoir: number;
  engine: 'wasm' | 'ts';
  strict?: boolean;
  json?: boolean;
}

function fitOptions(program: Command): Command {
  return program
    .option('--trees <n>', 'trees in the forest', parseInteger('--trees', 1, 10_000), 100)
    .option('--sample-size <n>', 'records drawn to grow each tree (ψ)', parseInteger('--sample-size', 2, 65_536), 256)
    .option('--seed <n>', 'seed of every random choice: same seed and logs, same model', parseInteger('--seed', 0, 0xffffffff), 1)
    .option('--contamination <share>', "expected share of anomalies in (0, 0.5], or 'auto' (threshold 0.5, as in the paper)", parseContamination, 0.001)
    .option('--features <names>', 'comma-separated features to use (see docs/FEATURES.md); default: all the logs carry', parseFeatures)
    .option('--reservoir <n>', 'records kept (uniformly sampled) to fit on', parseInteger('--reservoir', 2, 10_000_000), 65_536)
    .addOption(new Option('--engine <name>', 'wasm, or ts (the pure-TypeScript twin; same results)').choices(['wasm', 'ts']).default('wasm'));
}

function commonOptions(program: Command): Command {
  return program
    .option('--strict', 'stop at the first bad line instead of skipping and counting it')
    .option('--json', 'print run statistics as one JSON object (stdout, or stderr when records go to stdout)')
    .option('--verbose', 'show stack traces of unexpected errors');
}

function toFitLogsOptions(o: FitFlags): FitLogsOptions {
  // The library refuses this too, but in its own terms (options.trees, sampleSize) and after the
  // pass over the logs: say it in the flags' terms, before reading anything.
  const forestBytes = o.trees * treeBytes(heightLimit(o.sampleSize));
  if (forestBytes > LIMITS.maxForestBytes) {
    // Bytes as well: 64.03 MiB rounds to "64.0", which would read as no more than the limit.
    throw new UsageError(`--trees ${o.trees} with --sample-size ${o.sampleSize} makes a forest of ${forestBytes.toLocaleString('en-US')} bytes (${mib(forestBytes)}), more than the ${LIMITS.maxForestBytes.toLocaleString('en-US')} (${mib(LIMITS.maxForestBytes)}) a model may hold: use fewer trees or a smaller --sample-size`);
  }
  return {
    trees: o.trees, sampleSize: o.sampleSize, seed: o.seed, contamination: o.contamination,
    features: o.features, reservoir: o.reservoir, engine: o.engine, strict: o.strict, progress: true,
  };
}

/** A --sample-size larger than the records fitted on: the trees were grown on fewer. */
function sampleSizeWarnings(o: FitFlags, fitted: { forest: { sampleSize: number }; sampled: number }): string[] {
  const used = fitted.forest.sampleSize;
  if (used >= o.sampleSize) return [];
  const raise = o.reservoir < o.sampleSize ? ` (--reservoir ${o.reservoir} keeps no more; raise it to grow trees of ${o.sampleSize})` : '';
  return [`--sample-size ${o.sampleSize} is more than the ${count(fitted.sampled, 'record')} fitted on: each tree was grown on ${used}${raise}`];
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes % 2 ** 20 === 0 ? 0 : 1)} MiB`;
}

function report(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** On stderr, with --json too: a script's stdout stays one JSON object. */
function warn(warnings: readonly string[]): void {
  for (const w of warnings) report(`zeek-iforest: warning: ${w}`);
}

const program = new Command('zeek-iforest')
  .description('Isolation Forest anomaly detection for Zeek conn logs (TSV, JSON, gzip, stdin as -)')
  .version(VERSION)
  // commander's own usage errors ("error: unknown option '--x'", then a hint on a second line)
  // become one line, like ours: a script reading stderr gets the whole message from one line.
  .configureOutput({
    outputError: (text, write) => write(`zeek-iforest: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (run with --help for usage)\n`),
  })
  .exitOverride();

fitOptions(commonOptions(program.command('run', { isDefault: true })
  .description('fit on the logs and score them in one go; print the top anomalies with reasons')
  .argument('<logs...>', 'Zeek logs (conn.log, .gz, JSON; read twice, so not stdin: use fit, then score)')
  .option('--top <n>', 'anomalies to show', parseInteger('--top', 1, 10_000), 20)
  .option('--threads <n>', 'worker threads for scoring (0 = main thread; at most 8 are used); default: the cores available, or 0 for small files (under 16 MiB in all, a gzip file counting 8 times its size)', parseInteger('--threads', 0, 256))))
  .action(async (logs: string[], o: FitFlags & { top: number; threads?: number }) => {
    if (logs.includes('-')) throw new UsageError('the one-go mode reads its logs twice (fit, then score), so it cannot take stdin: use `fit` then `score`');
    const fitted = await fitLogs(logs, toFitLogsOptions(o));
    warn([...fitted.warnings, ...sampleSizeWarnings(o, fitted)]);
    const scored = await scoreLogs(logs, { model: fitted.forest.toBytes(), threads: o.threads, top: o.top, strict: o.strict, progress: true });
    warn(scored.warnings);
    if (o.json) {
      process.stdout.write(summaryJson({ command: 'run', files: scored.files, records: scored.records, rejected: scored.rejected, anomalies: scored.anomalies, threshold: fitted.forest.threshold, seconds: fitted.seconds + scored.seconds, top: scored.top.map((c) => ({ file: c.file, line: c.line, score: c.score, reason: c.reason })) }) + '\n');
      return;
    }
    process.stdout.write(topTable(scored.top) + '\n');
    report(describeStats(scored.files, 'scored'));
    report(`${count(scored.records, 'record')} scored, ${scored.anomalies.toLocaleString('en-US')} above the threshold ${fitted.forest.threshold.toFixed(4)}, in ${(fitted.seconds + scored.seconds).toFixed(2)} s (fitted on ${count(fitted.sampled, 'sampled record')})`);
  });

fitOptions(commonOptions(program.command('fit')
  .description('fit a model on the logs, in one pass over them, and save it')
  .argument('<logs...>', 'Zeek logs (conn.log, .gz, JSON; - for stdin)')
  .requiredOption('-o, --output <model>', 'model file to write (not -: a model is binary)', parseModelOutput)))
  .action(async (logs: string[], o: FitFlags & { output: string }) => {
    onceStdin(logs);
    const fitted = await fitLogs(logs, toFitLogsOptions(o));
    warn([...fitted.warnings, ...sampleSizeWarnings(o, fitted)]);
    // Whole or not at all, like score's output: a Ctrl-C here never leaves half a model.
    const model = new AtomicFile(o.output);
    model.write(fitted.forest.toBytes());
    model.commit();
    const summary = { command: 'fit', files: fitted.files, records: fitted.records, rejected: fitted.rejected, sampled: fitted.sampled, threshold: fitted.forest.threshold, seconds: fitted.seconds, model: o.output };
    if (o.json) {
      process.stdout.write(summaryJson(summary) + '\n');
      return;
    }
    report(describeStats(fitted.files, 'read'));
    report(`model written to ${o.output}: ${count(fitted.forest.trees, 'tree')} × ${count(fitted.forest.sampleSize, 'record')}, fitted on ${fitted.sampled.toLocaleString('en-US')} sampled of ${count(fitted.records, 'record')}, threshold ${fitted.forest.threshold.toFixed(4)}, ${fitted.seconds.toFixed(2)} s`);
  });

commonOptions(program.command('score')
  .description('score every record with a saved model; adds anomaly_score and anomaly fields')
  .argument('<logs...>', 'Zeek logs (conn.log, .gz, JSON; - for stdin)')
  .requiredOption('-m, --model <file>', 'model file written by `fit`')
  .option('-o, --output <file>', 'output file (default, or -: stdout); written whole or not at all')
  .addOption(new Option('--format <format>', "zeek (TSV with Zeek headers), json (one object per line), or auto: the first input's format, for the whole output").choices(['auto', 'zeek', 'json']).default('auto'))
  .option('--threads <n>', 'worker threads (0 = main thread; at most 8 are used); default: the cores available, or 0 for small files (under 16 MiB in all, a gzip file counting 8 times its size)', parseInteger('--threads', 0, 256))
  .option('--top <n>', 'also print the top n anomalies to stderr', parseInteger('--top', 0, 10_000), 0)
  .option('--alerts-only', 'write only the records above the threshold')
  .option('--reasons', 'add an anomaly_reason field: the features that isolated each flagged record')
  .addOption(new Option('--engine <name>', 'wasm, or ts (the pure-TypeScript twin; same scores)').choices(['wasm', 'ts']).default('wasm')))
  .action(async (logs: string[], o: { model: string; output?: string; format: 'auto' | 'zeek' | 'json'; threads?: number; top: number; alertsOnly?: boolean; reasons?: boolean; engine: 'wasm' | 'ts'; strict?: boolean; json?: boolean }) => {
    // `-o -` is standard output, as for the inputs (a file named "-" is ./-).
    if (o.output === '-') o.output = undefined;
    onceStdin(logs);
    if (o.output !== undefined) notAnInput(o.output, logs);
    const model = readModelFile(o.model);
    let result: ScoreLogsResult;
    // Nothing scored: the report is still printed, then the failure (exit 1).
    let nothing: NothingScoredError | null = null;
    try {
      result = await scoreLogs(logs, {
        model, out: o.output ?? process.stdout, format: o.format, threads: o.threads, top: o.top,
        alertsOnly: o.alertsOnly, strict: o.strict, progress: o.output !== undefined, engine: o.engine, reasons: o.reasons,
      });
    } catch (error) {
      if (!(error instanceof NothingScoredError)) throw error;
      nothing = error;
      result = error.result;
    }
    warn(result.warnings);
    // With --json the top records go into the summary, as in the one-go mode, not into a table.
    if (o.top > 0 && nothing === null && !o.json) report(topTable(result.top, process.stderr));
    const top = o.top > 0 ? { top: result.top.map((c) => ({ file: c.file, line: c.line, score: c.score, reason: c.reason })) } : {};
    const summary = { command: 'score', files: result.files, records: result.records, rejected: result.rejected, anomalies: result.anomalies, threads: result.threads, seconds: result.seconds, ...top };
    if (o.json) (o.output ? process.stdout : process.stderr).write(summaryJson(summary) + '\n');
    else report(`${describeStats(result.files, 'scored')}\n${count(result.records, 'record')} scored, ${count(result.anomalies, 'anomaly', 'anomalies')}, ${result.seconds.toFixed(2)} s`);
    if (nothing !== null) {
      const rejectedLines = result.files.some((f) => f.rejected > 0 && !isEmptyInput(f));
      const where = !rejectedLines ? '' : o.json ? '; the first ones are in firstRejections of the JSON summary' : '; the first ones are listed above';
      throw new InputError(`${nothing.message}${where}`, { cause: nothing });
    }
  });

commonOptions(program.command('eval')
  .description('ROC-AUC and PR-AUC of the scores against a label column')
  .argument('<logs...>', 'labelled Zeek logs (- for stdin, with -m only)')
  .option('--label-field <name>', 'field holding the label', 'label')
  .requiredOption('--positive <values>', 'label values of anomalies (comma-separated, case-insensitive)', parseLabels('--positive'))
  .option('--negative <values>', 'label values of normal records (default: every other value)', parseLabels('--negative'))
  .option('-m, --model <file>', 'score with this model (fitted elsewhere), in one pass over the logs; default: fit on the logs themselves, which reads them twice'))
  .option('--trees <n>', 'trees, when fitting on the input', parseInteger('--trees', 1, 10_000), 100)
  .option('--seed <n>', 'seed, when fitting on the input', parseInteger('--seed', 0, 0xffffffff), 1)
  .action(async (logs: string[], o: { labelField: string; positive: string[]; negative?: string[]; model?: string; trees: number; seed: number; strict?: boolean; json?: boolean }) => {
    onceStdin(logs);
    // With -m, one pass: score and rank. Without, the logs are read to fit, then again to score.
    if (logs.includes('-') && o.model === undefined) throw new UsageError('eval without -m reads its logs twice (fit, then score), so it cannot take stdin: give a model fitted elsewhere with -m, or the log as a file');
    const result = await evaluateLogs(logs, {
      labelField: o.labelField, positive: o.positive, negative: o.negative, strict: o.strict,
      model: o.model === undefined ? undefined : readModelFile(o.model), trees: o.trees, seed: o.seed,
    });
    if (o.json) {
      process.stdout.write(summaryJson({ command: 'eval', ...result }) + '\n');
      return;
    }
    report(describeStats(result.files, 'scored'));
    const n = (x: number) => x.toLocaleString('en-US');
    const other = Object.entries(result.leftOut).map(([label, left]) => `${n(left)} ${label}`).join(', ');
    process.stdout.write(`ROC-AUC ${result.rocAuc.toFixed(4)}  PR-AUC ${result.prAuc.toFixed(4)}  (${n(result.positives)} positive, ${n(result.negatives)} negative${other ? `; left out: ${other}` : ''}; ${result.fitted ? 'fitted on the input' : 'model given'})\n`);
  });

/** `score in.log -o in.log` would replace the log with its scored copy once the run ends. */
function notAnInput(output: string, logs: readonly string[]): void {
  // A path that cannot be looked at (a symlink loop, no permission) is for the reader or the
  // output file to report, in their words.
  const stat = (path: string) => {
    try {
      return statSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  };
  const out = stat(output);
  if (out === undefined || !out.isFile()) return;
  const same = logs.find((l) => {
    const st = l === '-' ? undefined : stat(l);
    return st !== undefined && st.dev === out.dev && st.ino === out.ino;
  });
  if (same !== undefined) throw new UsageError(`the output ${output} is the input ${same}: scoring would replace the log with its scored copy; write to another file`);
}

/** Standard input can be read once: `score - -` read it, then found it empty. */
function onceStdin(logs: readonly string[]): void {
  if (logs.filter((l) => l === '-').length > 1) throw new UsageError('- (standard input) is given more than once; it can be read only once');
}

/** A valid model's bytes, read no further than its header declares; a ModelFormatError names the file. */
function readModelFile(path: string): Uint8Array {
  if (path === '') throw new UsageError('-m needs the path of a model file written by `fit`');
  if (path === '-') throw new UsageError('-m -: a model is read from a file, not from standard input (it is read twice: its header, then the rest)');
  try {
    return readModelBytes(path);
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    // As a directory given as a log is (exit 1): the path names something, just not a model.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new OptionError(`${path}: is a directory, not a model file`);
    // Exit 1, as a log that cannot be read: 2 is for command lines that make no sense.
    throw new InputError(`cannot read the model file ${path}: ${systemReason(error)}`);
  }
}

/**
 * The command `arg` was likely meant to be (`scor` → score), when it names no file: with no
 * command, `zeek-iforest scor x.log` would otherwise try to read a log called "scor".
 */
function mistypedCommand(arg: string): string | null {
  if (existsSync(arg) || /[./\\]/.test(arg)) return null;
  const commands = program.commands.map((c) => c.name());
  if (commands.includes(arg)) return null;
  return commands.filter((n) => n !== 'help').find((c) => editDistance(arg.toLowerCase(), c) <= (c.length <= 3 ? 1 : 2)) ?? null;
}

/** Edits from a to b: insertions, deletions, substitutions, and swaps of two neighbours (`fti` → fit is one). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Errors that are the user's to fix: print the message, no stack. */
function isUserError(error: unknown): boolean {
  return [UsageError, OptionError, InputError, ModelFormatError, KernelMissingError, FeatureSpecError, NotConnLogError, ZeekParseError, ZeekReadError, OutputFormatError, WriteError].some((k) => error instanceof k) ||
    (error instanceof Error && (error.name === 'ZeekParseError' || error.name === 'ZeekReadError'));
}

/** The reader of our stdout went away (`zeek-iforest score big.log -m m | head`). */
function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/**
 * The first failed write to our stdout or stderr that is not EPIPE: a full disk, a quota, an I/O
 * error (`score big.log -m m > /dev/full`). The user's environment, not a bug.
 */
let streamFailure: { name: string; error: Error } | null = null;
let finished = false;

/** Says once which stream could not be written and why (nothing to say when stderr itself failed). */
function reportStreamFailure(): void {
  if (streamFailure === null || streamFailure.name === 'standard error') return;
  process.stderr.write(`zeek-iforest: cannot write ${streamFailure.name}: ${systemReason(streamFailure.error)}\n`);
}

function isStreamWriteFailure(error: unknown): boolean {
  if (streamFailure !== null && error === streamFailure.error) return true;
  const e = error as NodeJS.ErrnoException | null;
  return e instanceof Error && e.syscall === 'write' && typeof e.code === 'string';
}

async function main(argv: string[]): Promise<number> {
  // Without a listener, a failed write to stdout is an uncaught 'error' event and a stack trace.
  // EPIPE: stop quietly instead, as Unix tools do when the rest of a pipeline has what it wanted.
  // Anything else is remembered and reported once: the failed write also rejects, which ends the
  // run below; a write nobody waits for (the last report) fails after main() is done.
  for (const [stream, name] of [[process.stdout, 'standard output'], [process.stderr, 'standard error']] as const) {
    stream.on('error', (error) => {
      // `zeek-iforest log 2>&1 | head`: the report has no reader left either; stop as `head` asked.
      if (isBrokenPipe(error)) process.exit(0);
      if (streamFailure !== null) return;
      streamFailure = { name, error };
      if (finished) {
        reportStreamFailure();
        process.exitCode = 1;
      }
    });
  }
  const code = await run(argv);
  if (streamFailure === null) return code;
  reportStreamFailure();
  return 1;
}

async function run(argv: string[]): Promise<number> {
  try {
    // Before commander: `scor x.log -m m` would otherwise be the default command's unknown -m.
    const first = argv[2];
    const typo = first === undefined || first.startsWith('-') ? null : mistypedCommand(first);
    if (typo !== null) throw new UsageError(`unknown command '${first}' (did you mean ${typo}?); with no command, the arguments are logs, and there is no file ${first}`);
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (isBrokenPipe(error)) return 0;
    // A failed write to stdout rejects the write that ends the run; main() reports it. (The
    // output file's own failures are WriteErrors: a bare system error of a write is a stream's.)
    if (isStreamWriteFailure(error)) {
      streamFailure ??= { name: 'standard output', error: error as Error };
      return 1;
    }
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its usage message.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    const verbose = argv.includes('--verbose');
    if (error instanceof UsageError) {
      process.stderr.write(`zeek-iforest: ${error.message}\n`);
      return 2;
    }
    if (isUserError(error) && !verbose) {
      process.stderr.write(`zeek-iforest: ${(error as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`zeek-iforest: ${verbose ? (error as Error).stack : (error as Error).message}\n`);
    if (!verbose) process.stderr.write('(this looks like a bug: run again with --verbose and report the trace)\n');
    return 1;
  }
}

process.exitCode = await main(process.argv);
finished = true;
