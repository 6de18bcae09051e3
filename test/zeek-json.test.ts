// Zeek JSON logs, and the same log in TSV and JSON giving the same records.
import { describe, expect, it } from 'vitest';
import { expectCountsAddUp, fixture, num, parseText, readAll, rowsOf, str } from './zeek-helpers.js';

describe('Zeek JSON', () => {
  it('reads zat json_conn.log by Zeek names, with missing keys unset', async () => {
    const { rows, stats, batches } = await readAll(fixture('zat/json_conn.log'), [...num('ts', 'id.resp_p', 'duration', 'local_orig'), ...str('id.orig_h', 'service', 'tunnel_parents')]);
    expect(stats).toMatchObject({ linesRead: 50, records: 50, headerLines: 0, rejected: 0 });
    expect(batches[0].header.format).toBe('json');
    expect(batches[0].header.fields.slice(0, 3)).toEqual(['ts', 'uid', 'id.orig_h']);
    expect(rows[0]).toEqual({
      line: 1, ts: 1575413096.052279, 'id.resp_p': 88, duration: 0.0012309551239013672, local_orig: NaN,
      'id.orig_h': '10.18.20.97', service: 'krb_tcp', tunnel_parents: null,
    });
  });

  it('reads the streaming flavour: _path, ISO-8601 ts and _write_ts, arrays and bools', async () => {
    const { rows, batches } = await readAll(fixture('brim/dns-sample.json.gz'), [...num('ts', '_write_ts', 'RD', 'rtt'), ...str('_path', 'answers', 'RD', 'query')]);
    expect(batches[0].header.path).toBe('dns');
    // {"_path":"dns","_write_ts":"2018-03-24T17:18:03.493277Z","ts":"2018-03-24T17:18:03.487750Z",…
    expect(rows[0]).toMatchObject({ _path: 'dns', ts: 1521911883.48775, _write_ts: 1521911883.493277, query: '_pgpkey-hkp._tcp.local' });
    // JSON booleans: "T"/"F" as strings (as TSV writes them), 1/0 as numbers.
    const asNumber = await readAll(fixture('brim/dns-sample.json.gz'), num('RD'));
    expect(new Set(rows.map((r) => r.RD))).toEqual(new Set(['T', 'F']));
    expect(asNumber.rows.map((r) => r.RD)).toEqual(rows.map((r) => (r.RD === 'T' ? 1 : 0)));
  });

  it('lets keys vary per row, looks up nested objects, and batches an interleaved stream by _path', () => {
    const text = [
      '{"_path":"conn","ts":"2024-06-01T00:00:00.000001Z","id.orig_h":"192.0.2.1","orig_bytes":5}',
      '{"_path":"conn","ts":1717200001.5,"id":{"orig_h":"192.0.2.2"},"service":"dns"}',
      '{"_path":"dns","ts":"2024-06-01T02:00:00+02:00","query":"example.org","answers":[]}',
      '{"_path":"conn","ts":1717200003,"local_orig":true,"tunnel_parents":["Ca","Cb"]}',
    ].join('\n');
    const r = parseText(text, [...num('ts', 'orig_bytes', 'local_orig'), ...str('id.orig_h', 'service', 'answers', 'tunnel_parents')]);
    expect(r.rejected).toBe(0);
    expect(r.batches.map((b) => [b.header.path, b.length])).toEqual([['conn', 2], ['dns', 1], ['conn', 1]]);
    expect(r.batches[0].header.fields).toEqual(['_path', 'ts', 'id.orig_h', 'orig_bytes', 'id', 'service']);
    expect(rowsOf(r.batches)).toEqual([
      { line: 1, ts: 1717200000.000001, orig_bytes: 5, local_orig: NaN, 'id.orig_h': '192.0.2.1', service: null, answers: null, tunnel_parents: null },
      { line: 2, ts: 1717200001.5, orig_bytes: NaN, local_orig: NaN, 'id.orig_h': '192.0.2.2', service: 'dns', answers: null, tunnel_parents: null },
      { line: 3, ts: 1717200000, orig_bytes: NaN, local_orig: NaN, 'id.orig_h': null, service: null, answers: '', tunnel_parents: null },
      { line: 4, ts: 1717200003, orig_bytes: NaN, local_orig: 1, 'id.orig_h': null, service: null, answers: null, tunnel_parents: 'Ca,Cb' },
    ]);
  });

  it('rejects lines that are not JSON objects, and values that are not numbers, with the field', () => {
    const text = '{"ts":1,"orig_bytes":2}\n{"ts":1,\n[1,2]\n{"ts":"yesterday"}\n{"ts":1,"orig_bytes":[3]}\n\n';
    const r = parseText(text, num('ts', 'orig_bytes'));
    expectCountsAddUp({ ...r, records: r.batches.reduce((a, b) => a + b.length, 0) });
    expect(r.rejections.map((x) => [x.line, x.field, x.reason.replace(/\(.*\)/, '(…)')])).toEqual([
      [2, null, 'not valid JSON (…)'],
      [3, null, 'expected a JSON object, found an array'],
      [4, 'ts', 'not a number: "yesterday"'],
      [5, 'orig_bytes', 'expected a number, found an array'],
    ]);
    expect(r.headerLines).toBe(1);
  });
});

describe('count and port fields of a JSON log', () => {
  // Zeek's JSON carries no types, but conn.log's counts and ports are whole numbers in range, as in TSV.
  const line = (fields: Record<string, unknown>): string => JSON.stringify({ ts: 1, 'id.resp_p': 80, orig_bytes: 5, local_orig: true, ...fields });
  const COLUMNS = num('id.resp_p', 'orig_bytes', 'local_orig', 'duration');

  it.each([
    [{ orig_bytes: true }, 'orig_bytes', 'bad number', 'not a count: true'],
    [{ orig_bytes: false }, 'orig_bytes', 'bad number', 'not a count: false'],
    [{ orig_bytes: -5 }, 'orig_bytes', 'bad number', 'not a count: -5'],
    [{ orig_bytes: 5.5 }, 'orig_bytes', 'bad number', 'not a count: 5.5'],
    [{ orig_bytes: '5.5' }, 'orig_bytes', 'bad number', 'not a count: "5.5"'],
    [{ orig_bytes: 1e26 }, 'orig_bytes', 'out of range', 'count beyond 2^64 − 1: 1e+26'],
    [{ orig_bytes: '99999999999999999999999999' }, 'orig_bytes', 'out of range', 'count beyond 2^64 − 1: "99999999999999999999999999"'],
    [{ orig_bytes: '18446744073709551616' }, 'orig_bytes', 'out of range', 'count beyond 2^64 − 1: "18446744073709551616"'],
    [{ 'id.resp_p': 70000 }, 'id.resp_p', 'out of range', 'port out of range (0–65535): 70000'],
    [{ 'id.resp_p': -1 }, 'id.resp_p', 'bad number', 'not a port: -1'],
    [{ 'id.resp_p': true }, 'id.resp_p', 'bad number', 'not a port: true'],
    // Bools take true or false (or T, F, 1, 0, as TSV holds them); nothing else.
    [{ local_orig: 2 }, 'local_orig', 'bad bool', 'expected true or false, found 2'],
    [{ local_orig: 'X' }, 'local_orig', 'bad bool', 'expected true or false, found "X"'],
    [{ local_orig: 'true' }, 'local_orig', 'bad bool', 'expected true or false, found "true"'],
    [{ local_orig: [true] }, 'local_orig', 'bad bool', 'expected true or false, found an array'],
  ])('rejects %j', (fields, field, kind, reason) => {
    const r = parseText([line({}), line(fields), line({})].join('\n'), COLUMNS);
    expect(r.rejectedByReason).toEqual({ [kind]: 1 });
    expect(r.rejections).toEqual([{ file: 'test.log', line: 2, field, reason }]);
  });

  it('rejects a count written -0, saying -0 (JSON.parse gives -0, which String() prints as 0)', () => {
    const r = parseText([line({}), '{"ts":1,"id.resp_p":80,"orig_bytes":-0,"local_orig":true}', line({})].join('\n'), COLUMNS);
    expect(r.rejections).toEqual([{ file: 'test.log', line: 2, field: 'orig_bytes', reason: 'not a count: -0' }]);
  });

  it('takes whole numbers up to the limits, digit strings, and bools and doubles where they belong', () => {
    const r = parseText([
      line({ 'id.resp_p': 65535, orig_bytes: 18446744073709551615, duration: -1.5 }),
      line({ 'id.resp_p': '443', orig_bytes: '18446744073709551615', local_orig: false }),
      line({ 'id.resp_p': null, orig_bytes: '' }),
      line({ local_orig: 0 }),
      line({ local_orig: 'T' }),
    ].join('\n'), COLUMNS);
    expect(r.rejected).toBe(0);
    expect(rowsOf(r.batches)).toEqual([
      { line: 1, 'id.resp_p': 65535, orig_bytes: 2 ** 64, local_orig: 1, duration: -1.5 },
      { line: 2, 'id.resp_p': 443, orig_bytes: 2 ** 64, local_orig: 0, duration: NaN },
      { line: 3, 'id.resp_p': NaN, orig_bytes: NaN, local_orig: 1, duration: NaN },
      { line: 4, 'id.resp_p': 80, orig_bytes: 5, local_orig: 0, duration: NaN },
      { line: 5, 'id.resp_p': 80, orig_bytes: 5, local_orig: 1, duration: NaN },
    ]);
  });
});

describe('the same log in TSV and JSON', () => {
  it('gives the same records (brim dns excerpt, 2,000 records)', async () => {
    const columns = [
      ...num('ts', 'id.orig_p', 'id.resp_p', 'trans_id', 'rtt', 'qclass', 'qtype', 'rcode', 'AA', 'TC', 'RD', 'RA', 'Z', 'rejected'),
      ...str('uid', 'id.orig_h', 'id.resp_h', 'proto', 'query', 'qclass_name', 'qtype_name', 'rcode_name', 'answers', 'AA'),
    ];
    const tsv = await readAll(fixture('brim/dns-sample.log.gz'), columns);
    const json = await readAll(fixture('brim/dns-sample.json.gz'), columns);
    expect(tsv.stats.records).toBe(2000);
    expect(json.stats.records).toBe(2000);
    const strip = ({ line: _, rtt: __, ...r }: Record<string, unknown>) => r;
    for (let i = 0; i < 2000; i++) {
      // Zeek's TSV writer prints intervals with 6 decimals; its JSON writer prints the double.
      const a = tsv.rows[i].rtt as number;
      const b = json.rows[i].rtt as number;
      if (Number.isNaN(a)) expect(b).toBeNaN();
      else expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-7);
      expect(strip(json.rows[i])).toEqual(strip(tsv.rows[i]));
    }
  });
});
