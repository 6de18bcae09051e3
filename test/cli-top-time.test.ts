// The time column of the top-anomalies table reads `ts` in each form Zeek writes it.
import { describe, expect, it } from 'vitest';
import { epochSeconds } from '../src/cli/top.js';

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
  });

  it('gives NaN for unset, empty and unreadable values', () => {
    for (const ts of [undefined, '', '-', 'XXXXXXXXXX.XXXXXX', 'soon']) expect(epochSeconds(ts)).toBeNaN();
  });
});
