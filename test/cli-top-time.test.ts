// The time column of the top-anomalies table reads `ts` in each form Zeek writes it, strictly, and
// does not dress up a ts that is no epoch time (negative, or relative to the capture) as a date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { epochSeconds } from '../src/cli/top.js';
import { renderTopTable, type TopRow } from '../src/output/top-table.js';
import { assertBuilt, linesOf, removeDir, runCli, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

describe('epochSeconds', () => {
  it('reads epoch seconds, the ASCII writer and JSON default', () => {
    expect(epochSeconds('1591367999.305988')).toBe(1591367999.305988);
    expect(epochSeconds('1591367999')).toBe(1591367999);
  });

  it('reads JSON::TS_MILLIS whole milliseconds as such', () => {
    expect(epochSeconds('1591367999305')).toBe(1591367999.305);
  });

  it('reads JSON::TS_ISO8601', () => {
    expect(epochSeconds('2020-06-05T14:39:59.305Z')).toBe(1591367999.305);
    expect(epochSeconds('2020-06-05T14:39:59.305988Z')).toBe(1591367999.305);
    expect(epochSeconds('2020-06-05T16:39:59+02:00')).toBe(1591367999);
  });

  it('reads negative and small numbers as the numbers they are, not as dates', () => {
    // Date.parse('-1') is 2001-01-01 (V8 guesses a month): a number must never reach it.
    expect(epochSeconds('-1')).toBe(-1);
    expect(epochSeconds('-1.000000')).toBe(-1);
    expect(epochSeconds('15.230937')).toBe(15.230937);
    expect(epochSeconds('0')).toBe(0);
  });

  it('gives NaN for unset, empty and unreadable values, and for dates it would have to guess', () => {
    const values = [undefined, '', ' ', '-', 'XXXXXXXXXX.XXXXXX', 'soon', 'Infinity', '0x10', '1,5', ' 12',
      'June 5, 2020', '2020-06-05', '2020-06-05 14:39:59', '2020-06-05T14:39:59'];
    for (const ts of values) expect(epochSeconds(ts), String(ts)).toBeNaN();
  });
});

describe('the time column', () => {
  const row: TopRow = {
    ts: NaN, origH: '10.0.0.1', origP: 1, respH: '10.0.0.2', respP: 2, proto: 'tcp', service: null,
    origBytes: 0, respBytes: 0, score: 0.5, reason: 'x',
  };
  const shown = (ts: number): string => {
    const lines = renderTopTable([{ ...row, ts }], { width: 140 }).split('\n');
    const at = lines[0].indexOf('time (UTC)');
    return lines[2].slice(at, lines[0].indexOf('connection')).trim();
  };

  it('shows an epoch time as its UTC date and time in whole seconds', () => {
    expect(shown(1591367999.905988)).toBe('2020-06-05T14:39:59Z');
    expect(shown(1e8)).toBe('1973-03-03T09:46:40Z');
  });

  it('shows a ts below 1e8 s (1973) as seconds into the capture, cut after the tenth', () => {
    expect(shown(15.230937)).toBe('+15.2 s');
    expect(shown(0.29)).toBe('+0.2 s');
    expect(shown(3023.362477)).toBe('+3023.3 s');
    expect(shown(0)).toBe('+0.0 s');
    expect(shown(99_999_999.99)).toBe('+99999999.9 s');
  });

  it('shows a negative ts as the number, and none as "-"', () => {
    expect(shown(-1)).toBe('-1');
    expect(shown(-0.5)).toBe('-0.5');
    for (const ts of [NaN, Infinity, -Infinity]) expect(shown(ts)).toBe('-');
  });
});

describe('zeek-iforest <log> with relative and negative ts', () => {
  let dir: string | undefined;
  afterAll(() => removeDir(dir));

  it('prints them as relative seconds and as the number, never as 1970 or 2001 dates', async () => {
    assertBuilt();
    dir = tempDir();
    // zat's conn.log (MIT) with its ts made relative to the capture's start, as in Stratosphere's
    // captures ("15.230937"), and one record's ts -1.
    let n = 0;
    const input = linesOf(readFileSync(join(ZEEK_FIXTURES, 'zat/conn.log'), 'latin1')).map((line) => {
      if (line.startsWith('#')) return line;
      n++;
      return [n === 7 ? '-1' : `${n}.${n % 10}9`, ...line.split('\t').slice(1)].join('\t');
    });
    const log = join(dir, 'conn.log');
    writeFileSync(log, input.join('\n') + '\n', 'latin1');
    const [table, json] = await Promise.all([runCli([log, '--top', '400']), runCli([log, '--top', '400', '--json'])]);
    expect(table.code, table.stderr).toBe(0);
    const top = (JSON.parse(json.stdout) as { top: { line: number }[] }).top;
    expect(top).toHaveLength(n);
    const lines = linesOf(table.stdout).filter((l) => l.trim() !== '');
    const [from, to] = [lines[0].indexOf('time (UTC)'), lines[0].indexOf('connection')];
    const times = lines.slice(2).map((l) => l.slice(from, to).trim());
    expect(times).toHaveLength(n);
    times.forEach((shown, i) => {
      const ts = input[top[i].line - 1].split('\t')[0];
      // "23.39" is "+23.3 s": cut, not rounded, so it is the start of what the log says.
      expect(shown).toBe(ts === '-1' ? '-1' : `+${ts.slice(0, -1)} s`);
    });
    expect(times).toContain('-1');
  });
});
