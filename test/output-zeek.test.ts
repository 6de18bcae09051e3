import { describe, expect, it } from 'vitest';
import {
  formatZeekDouble,
  formatZeekRecords,
  OutputFormatError,
  zeekHeaderWithScore,
  zeekRecordsByteLength,
} from '../src/output/zeek-writer.js';
import { batchOf, fixture, headerOf, recordText } from './output-fixture.js';

const TSV_FIXTURES = [
  'zat-conn.log',
  'zat-dns.log',
  'scripts.base.frameworks.logging.field-extension-complex_conn.log',
  'scripts.base.protocols.ssh.basic_conn.log',
];

function scoresFor(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.3 + ((i * 37) % 100) / 160);
}

describe('zeekHeaderWithScore', () => {
  for (const name of TSV_FIXTURES) {
    it(`keeps ${name}'s directives and appends the new fields and types`, () => {
      const text = fixture(name);
      const batch = batchOf(text);
      for (const withAnomaly of [false, true]) {
        const out = zeekHeaderWithScore(batch.header, withAnomaly);
        expect(out.endsWith('\n')).toBe(true);
        const lines = out.slice(0, -1).split('\n');
        // Every directive of the input block is there unchanged, except #fields and #types.
        for (const d of batch.header.directives) {
          if (d.startsWith('#fields')) {
            expect(lines).toContain(d + (withAnomaly ? '\tanomaly_score\tanomaly' : '\tanomaly_score'));
          } else if (d.startsWith('#types')) {
            expect(lines).toContain(d + (withAnomaly ? '\tdouble\tbool' : '\tdouble'));
          } else {
            expect(lines).toContain(d);
          }
        }
        expect(lines[0]).toBe('#separator \\x09');
        // Read back, the header has the input's fields plus the new ones, types in step.
        const back = headerOf(lines);
        const extra = withAnomaly ? ['anomaly_score', 'anomaly'] : ['anomaly_score'];
        expect(back.fields).toEqual([...batch.header.fields, ...extra]);
        expect(back.types).toEqual([...batch.header.types, ...(withAnomaly ? ['double', 'bool'] : ['double'])]);
        expect(back.fields.length).toBe(back.types.length);
      }
    });
  }

  it('writes directives in Zeek order and fills in missing ones from the header values', () => {
    const h = headerOf(['#fields\tts\tuid', '#types\ttime\tstring']);
    h.path = 'conn';
    const out = zeekHeaderWithScore(h, true);
    expect(out).toBe(
      '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n' +
        '#fields\tts\tuid\tanomaly_score\tanomaly\n#types\ttime\tstring\tdouble\tbool\n',
    );
  });

  it('pads a #types line shorter than #fields, so that the new fields keep their own types', () => {
    const h = headerOf(['#fields\tts\tuid\tproto', '#types\ttime']);
    const out = zeekHeaderWithScore(h, true).split('\n');
    expect(out).toContain('#fields\tts\tuid\tproto\tanomaly_score\tanomaly');
    expect(out).toContain('#types\ttime\tstring\tstring\tdouble\tbool');
    // Read back, anomaly_score is a double again.
    const back = headerOf(out.filter((l) => l !== ''));
    expect(back.types[back.fields.indexOf('anomaly_score')]).toBe('double');
  });

  it('escapes any separator as Zeek does and joins with it', () => {
    const h = headerOf([]);
    h.separator = '|';
    h.fields = ['a', 'b'];
    h.types = ['count', 'string'];
    expect(zeekHeaderWithScore(h, false).split('\n')).toEqual([
      '#separator \\x7c', '#set_separator|,', '#empty_field|(empty)', '#unset_field|-',
      '#fields|a|b|anomaly_score', '#types|count|string|double', '',
    ]);
  });

  it('refuses JSON input and an already scored log', () => {
    const json = batchOf(fixture('zat-json_conn.log'));
    expect(() => zeekHeaderWithScore(json.header, false)).toThrow(OutputFormatError);
    expect(() => zeekHeaderWithScore(json.header, false)).toThrow(
      'Zeek TSV output needs Zeek TSV input; for JSON logs use --format json',
    );
    const h = headerOf(['#fields\tts\tanomaly_score', '#types\ttime\tdouble']);
    expect(() => zeekHeaderWithScore(h, false)).toThrow(
      'the input already has an "anomaly_score" field (was it scored before?); score the original log instead',
    );
  });
});

describe('formatZeekDouble (Zeek ASCII writer, type double)', () => {
  it.each([
    [0.5, '0.5'],
    [1, '1.0'],
    [0, '0.0'],
    [0.623456, '0.623456'],
    [0.6234561, '0.623456'],
    [0.6234567, '0.623457'],
    [0.12, '0.12'],
    [0.1000001, '0.1'],
    [0.0000005, '0.000001'],
    [0.99999999, '1'], // modp rounds to 1 but the value is not whole, so no ".0" (as Zeek)
    [123.25, '123.25'],
    [-0.25, '-0.25'],
    [3e9, '3.000000e+09'],
    [NaN, 'nan'],
  ])('%s → %s', (x, s) => {
    expect(formatZeekDouble(x)).toBe(s);
  });
});

describe('formatZeekRecords', () => {
  for (const name of TSV_FIXTURES) {
    it(`appends score and flag to every line of ${name}, cell counts matching #fields`, () => {
      const batch = batchOf(fixture(name));
      const scores = scoresFor(batch.length);
      const flags = Uint8Array.from(scores, (s) => (s > 0.6 ? 1 : 0));
      const out = new TextDecoder().decode(formatZeekRecords(batch, scores, flags));
      const lines = out.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBe(batch.length);
      const nFields = headerOf(zeekHeaderWithScore(batch.header, true).split('\n')).fields.length;
      lines.forEach((line, i) => {
        expect(line).toBe(`${recordText(batch, i)}\t${formatZeekDouble(scores[i])}\t${flags[i] ? 'T' : 'F'}`);
        expect(line.split('\t').length).toBe(nFields);
      });
    });
  }

  it('writes the unset field for an unscored record, and no flag column without flags', () => {
    const batch = batchOf(fixture('scripts.base.protocols.ssh.basic_conn.log'));
    const scores = scoresFor(batch.length);
    scores[1] = NaN;
    const flagged = new TextDecoder().decode(formatZeekRecords(batch, scores, new Uint8Array(batch.length))).split('\n');
    expect(flagged[1].endsWith('\t-\t-')).toBe(true);
    const plain = new TextDecoder().decode(formatZeekRecords(batch, scores, null)).split('\n');
    expect(plain[0]).toBe(`${recordText(batch, 0)}\t${formatZeekDouble(scores[0])}`);
    expect(plain[1]).toBe(`${recordText(batch, 1)}\t-`);
  });

  it('writes into the caller\'s buffer when it is big enough', () => {
    const batch = batchOf(fixture('zat-conn.log'));
    const scores = scoresFor(batch.length);
    const out = new Uint8Array(zeekRecordsByteLength(batch, true));
    const view = formatZeekRecords(batch, scores, new Uint8Array(batch.length), out);
    expect(view.buffer).toBe(out.buffer);
    const fresh = formatZeekRecords(batch, scores, new Uint8Array(batch.length), new Uint8Array(10));
    expect(Buffer.from(fresh).equals(Buffer.from(view))).toBe(true);
  });

  it('rejects a score array shorter than the batch', () => {
    const batch = batchOf(fixture('zat-conn.log'));
    expect(() => formatZeekRecords(batch, new Float64Array(3), null)).toThrow(RangeError);
  });

  it('with reasons: one more column, the unset field for null, separator and backslash escaped, into the caller\'s buffer when it fits', () => {
    const batch = batchOf(fixture('zat-conn.log'));
    const scores = scoresFor(batch.length);
    const flags = Uint8Array.from(scores, (s) => (s > 0.6 ? 1 : 0));
    const reasons = Array.from(flags, (f, i) => (f ? (i % 2 ? 'duration high, proto rare' : 'odd\tone \\ here') : null));
    const plain = new TextDecoder().decode(formatZeekRecords(batch, scores, flags)).split('\n');
    const withReasons = (out?: Uint8Array): Uint8Array => formatZeekRecords(batch, scores, flags, out, reasons);
    const lines = new TextDecoder().decode(withReasons()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(batch.length);
    expect(flags.some((f) => f === 1) && flags.some((f) => f === 0)).toBe(true);
    lines.forEach((line, i) => {
      const reason = reasons[i] === null ? '-' : i % 2 ? 'duration high, proto rare' : 'odd\\x09one \\x5c here';
      expect(line).toBe(`${plain[i]}\t${reason}`);
    });
    // The room asked for is an upper bound (a score takes at most 8 bytes): twice the output fits.
    const roomy = new Uint8Array(2 * (lines.join('\n').length + 1));
    expect(withReasons(roomy).buffer === roomy.buffer).toBe(true);
    expect(Buffer.from(withReasons(new Uint8Array(10))).equals(Buffer.from(withReasons(roomy)))).toBe(true);
    expect(() => formatZeekRecords(batch, scores, flags, undefined, reasons.slice(1))).toThrow(RangeError);
  });
});
