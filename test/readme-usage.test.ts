// The README's Options section is the CLI's own --help, so the two cannot drift.
// To refresh it after changing an option: UPDATE_README=1 npx vitest run test/readme-usage
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmePath = `${root}README.md`;
const START = '<!-- usage:start -->';
const END = '<!-- usage:end -->';

function help(command: string[]): string {
  return execFileSync(process.execPath, [`${root}dist/cli/main.js`, ...command, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
}

function usageBlock(): string {
  const parts = [[], ['run'], ['fit'], ['score'], ['eval']].map((cmd) => '```\n$ zeek-iforest ' + [...cmd, '--help'].join(' ') + '\n' + help(cmd).trimEnd() + '\n```');
  return `${START}\n${parts.join('\n\n')}\n${END}`;
}

describe('README', () => {
  it('shows the CLI options exactly as --help prints them', () => {
    const readme = readFileSync(readmePath, 'utf8');
    const block = usageBlock();
    const current = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    if (process.env.UPDATE_README === '1' && current !== block) writeFileSync(readmePath, readme.replace(current, block));
    else expect(current).toBe(block);
  });

  it('gives the two first commands: the sample run and the tests', () => {
    const firstScreen = readFileSync(readmePath, 'utf8').split('\n').slice(0, 20).join('\n');
    expect(firstScreen).toContain('npx zeek-iforest examples/data/conn-sample.log.gz');
    expect(firstScreen).toContain('npm test');
  });
});
