#!/usr/bin/env node
// `npm run gen -- --rows N -o big.log`: writes a generated conn.log. A thin command over
// generateConnLog(); all traffic modelling lives in conn-generator.ts.

import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import {
  ANOMALY_KINDS,
  DEFAULT_ANOMALY_RATE,
  generateConnLog,
  type ConnGenOptions,
  type GenFormat,
} from './conn-generator.js';

export const USAGE = `Usage: npm run gen -- --rows N [-o FILE] [options]

Write a realistic, deterministic Zeek conn.log (Zeek 6/7 field set) with injected anomalies.

Options:
  -n, --rows N            number of records to write
      --size BYTES        or: stop once the output reaches this size (suffix K, M, G: powers
                          of 1024); one of --rows and --size is required
  -o, --output FILE       output file; "-" or absent: standard output
  -s, --seed N            random seed (integer, default 1); same seed, same bytes
      --labels            add "label" (Benign/Malicious) and "detailed-label" fields
      --anomaly-rate R    expected fraction of anomalous records, 0..0.5 (default ${DEFAULT_ANOMALY_RATE})
      --format tsv|json   Zeek TSV (default) or Zeek JSON lines
      --start EPOCH       time of the first record, epoch seconds (default 1717200000)
      --gzip              gzip the output
  -h, --help              show this help

Anomaly kinds: ${ANOMALY_KINDS.join(', ')}.
Example: npm run gen -- --size 1G --labels -o bench/tmp/big.log   (about 7.8M records;
         --rows 4000000 is about 515 MB, 550 MB with --labels)
`;

/** A mistake in the command line: one line for the user, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface GenCommand {
  options: ConnGenOptions;
  output: string | null;
  gzip: boolean;
  help: boolean;
}

function parseNumber(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isSafeInteger(v))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} (got "${text}")`);
  }
  return v;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)B?$/i.exec(text.trim());
  const mult = m === null ? 0 : { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  if (m === null || mult === undefined) {
    throw new UsageError(`--size must be a byte count such as 500M or 1G (got "${text}")`);
  }
  return Math.round(Number(m[1]) * mult);
}

/** Parses argv (without node and the script) into generator options; throws UsageError. */
export function parseGenArgs(argv: string[]): GenCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rows: { type: 'string', short: 'n' },
        size: { type: 'string' },
        output: { type: 'string', short: 'o' },
        seed: { type: 'string', short: 's' },
        labels: { type: 'boolean' },
        'anomaly-rate': { type: 'string' },
        format: { type: 'string' },
        start: { type: 'string' },
        gzip: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs' messages are already one line; drop its error-code prefix noise.
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  const v = parsed.values;
  if (v.help) return { options: { rows: 0 }, output: null, gzip: false, help: true };
  if (v.rows === undefined && v.size === undefined) {
    throw new UsageError('--rows or --size is required (e.g. --rows 4000000 or --size 1G)');
  }
  const options: ConnGenOptions = { labels: v.labels ?? false };
  if (v.rows !== undefined) {
    const rows = parseNumber('rows', v.rows, true);
    if (rows < 0) throw new UsageError(`--rows must be a non-negative integer (got "${v.rows}")`);
    options.rows = rows;
  }
  if (v.size !== undefined) options.bytes = parseSize(v.size);
  const format = v.format ?? 'tsv';
  if (format !== 'tsv' && format !== 'json') {
    throw new UsageError(`--format must be tsv or json (got "${format}")`);
  }
  options.format = format as GenFormat;
  if (v.seed !== undefined) options.seed = parseNumber('seed', v.seed, true);
  if (v['anomaly-rate'] !== undefined) {
    const r = parseNumber('anomaly-rate', v['anomaly-rate'], false);
    if (r < 0 || r > 0.5) throw new UsageError(`--anomaly-rate must be between 0 and 0.5 (got "${v['anomaly-rate']}")`);
    options.anomalyRate = r;
  }
  if (v.start !== undefined) {
    const t = parseNumber('start', v.start, false);
    if (t < 0 || t > 4102444800) throw new UsageError(`--start must be epoch seconds between 1970 and 2100 (got "${v.start}")`);
    options.startTime = t;
  }
  const output = v.output === undefined || v.output === '-' ? null : v.output;
  return { options, output, gzip: v.gzip ?? false, help: false };
}

/**
 * Streams the log to `dest` with backpressure (pipeline awaits 'drain'), so memory stays at a
 * few chunks whatever the row count.
 */
export async function writeConnLog(cmd: GenCommand, dest: Writable): Promise<void> {
  // 4 MB chunks: big enough that per-write overhead vanishes, few enough in flight (the
  // readable holds two) that RSS stays small.
  const source = Readable.from(generateConnLog(cmd.options, 4 << 20), { objectMode: false, highWaterMark: 2 });
  if (cmd.gzip) {
    // Level 1: generated logs are scratch data; the ratio hardly changes and it is ~4× faster.
    await pipeline(source, createGzip({ level: 1, chunkSize: 1 << 20, strategy: zlibConstants.Z_DEFAULT_STRATEGY }), dest);
  } else {
    await pipeline(source, dest);
  }
}

export async function main(argv: string[]): Promise<number> {
  let cmd: GenCommand;
  try {
    cmd = parseGenArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gen: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  }
  if (cmd.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd.output === null) {
    try {
      await writeConnLog(cmd, process.stdout);
    } catch (err) {
      // A reader that stops early (`| head`) is not an error.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    }
    return 0;
  }
  // Write beside the target and rename at the end, so an interrupted run never leaves a
  // half-written file under the requested name.
  const tmp = `${cmd.output}.tmp-${process.pid}`;
  const cleanup = (): void => rmSync(tmp, { force: true });
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await writeConnLog(cmd, createWriteStream(tmp, { highWaterMark: 4 << 20 }));
    renameSync(tmp, cmd.output);
  } catch (err) {
    cleanup();
    const e = err as NodeJS.ErrnoException;
    if (e.code !== undefined && e.syscall !== undefined) {
      // The message names the temporary file; the user knows the name they gave.
      process.stderr.write(`gen: cannot write ${cmd.output}: ${e.message.split(',')[0]}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gen: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
