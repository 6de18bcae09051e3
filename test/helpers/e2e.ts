// Shared by the end-to-end tests (test/cli-*.test.ts, test/pipeline-*.test.ts): the built CLI run
// as a child process, temporary directories, generated logs, and the reading of Zeek TSV output.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateConnLog, type ConnGenOptions } from '../../src/gen/conn-generator.js';

/** The compiled CLI: tests run what a user runs (`npx tsc -p tsconfig.json` builds it). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ZEEK_FIXTURES = fileURLToPath(new URL('../fixtures/zeek/', import.meta.url));

export function assertBuilt(): void {
  for (const f of [CLI, join(REPO, 'dist/pipeline/worker.js'), join(REPO, 'dist/pipeline/worker-entry.cjs')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npx tsc -p tsconfig.json\` (npm test builds it) before these tests`);
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Bytes for standard input; default none (stdin is closed at once). */
  input?: string | Uint8Array;
  cwd?: string;
}

/** Runs `node dist/cli/main.js …args` to completion. stdout/stderr are pipes, so no progress bar. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    // A child that exits before reading all its input is not a failure of the test.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The built CLI's model of zat conn.log (20 trees, enough for CLI behaviour), fitted into `dir`:
 * what the cli-* tests of messages and exit codes score with.
 */
export async function fitZatModel(dir: string): Promise<string> {
  const model = join(dir, 'conn.iforest');
  const fit = await runCli(['fit', join(ZEEK_FIXTURES, 'zat/conn.log'), '-o', model, '--trees', '20']);
  if (fit.code !== 0) throw new Error(`fit failed (${fit.code}): ${fit.stderr}`);
  return model;
}

/** A fresh directory under the system temp dir; remove it with `rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'zeek-iforest-test-'));
}

export function removeDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** Writes a generated conn log (deterministic by seed) and returns its path. */
export function writeGeneratedLog(path: string, options: ConnGenOptions): string {
  const parts: Buffer[] = [];
  for (const chunk of generateConnLog(options)) parts.push(chunk);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** The lines of a text, without the empty string after a final line end. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface ZeekLines {
  /** Directive lines (`#…`), in order. */
  directives: string[];
  /** Record lines with their 1-based line numbers in the text. */
  records: { line: number; text: string }[];
}

export function splitZeek(text: string): ZeekLines {
  const directives: string[] = [];
  const records: { line: number; text: string }[] = [];
  linesOf(text).forEach((l, i) => {
    if (l.startsWith('#')) directives.push(l);
    else if (l !== '') records.push({ line: i + 1, text: l });
  });
  return { directives, records };
}

/** The cells of a `#fields` or `#types` directive (after the directive name). */
export function directiveCells(directives: readonly string[], name: '#fields' | '#types'): string[] {
  const line = directives.find((d) => d.startsWith(`${name}\t`));
  if (line === undefined) throw new Error(`no ${name} line`);
  return line.split('\t').slice(1);
}
