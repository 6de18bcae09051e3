// Numbers from bytes must be exactly the doubles Number() gives, and ISO times exactly the TSV
// writer's epoch seconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoTime, parseNumberBytes } from '../src/zeek/numbers.js';

const bytes = (t: string) => new TextEncoder().encode(`x${t}y`);
const parse = (t: string) => parseNumberBytes(bytes(t), 1, t.length + 1);

describe('parseNumberBytes', () => {
  it.each([
    ['0', 0], ['42', 42], ['-42', -42], ['0.000870', 0.00087], ['1379288667.706265', 1379288667.706265],
    ['18446744073709551615', 18446744073709551615], ['1.5e+20', 1.5e20], ['5.', 5], ['.5', 0.5], ['inf', Infinity], ['-inf', -Infinity],
  ])('%s', (text, value) => {
    expect(parse(text)).toBe(value);
  });

  it.each(['', '-', '.', '1.2.3', '12a', '0x10', ' 1', '1 ', 'nan', '+', 'e5', '1e'])('%j is not a number', (text) => {
    expect(parse(text)).toBeNaN();
  });

  it('equals Number() on any decimal Zeek could write', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.option(fc.stringMatching(/^[0-9]{0,9}$/), { nil: undefined }))
      .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);
    fc.assert(
      fc.property(decimal, (t) => {
        expect(parse(t)).toBe(Number(t));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2018-03-24T17:15:20.865716Z', 1521911720.865716],
    ['2018-03-24T17:15:20Z', 1521911720],
    ['2018-03-24T17:15:20', 1521911720],
    ['2018-03-24T19:15:20.5+02:00', 1521911720.5],
    ['2018-03-24T12:15:20.000001-0500', 1521911720.000001],
    ['1969-12-31T23:59:59.5Z', -0.5],
  ])('%s', (text, value) => {
    expect(parseIsoTime(text)).toBe(value);
  });

  it.each(['2018-13-01T00:00:00Z', '2018-03-24', 'yesterday', '2018-03-24T17:15:20.Z'])('%s is not a time', (text) => {
    expect(parseIsoTime(text)).toBeNaN();
  });

  it('gives the same double as the TSV epoch text for any microsecond time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), fc.integer({ min: 0, max: 999999 }), (sec, us) => {
        const iso = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, `.${String(us).padStart(6, '0')}Z`);
        expect(parseIsoTime(iso)).toBe(Number(`${sec}.${String(us).padStart(6, '0')}`));
      }),
      { numRuns: 2000 },
    );
  });
});
