import { describe, expect, it } from 'vitest';
import { decodeZeekText, formatJsonRecords, formatJsonRecordsBytes } from '../src/output/json-writer.js';
import { formatZeekDouble, OutputFormatError } from '../src/output/zeek-writer.js';
import { batchOf, fixture, headerOf, recordText } from './output-fixture.js';

function scoresFor(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.35 + ((i * 53) % 100) / 170);
}

function jsonLines(text: string): Record<string, unknown>[] {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What a TSV cell of this Zeek type means, as the JSON value Zeek's writer would emit. */
function expected(type: string, cell: string): unknown {
  const container = /^(?:set|vector|table)\[(.*)\]$/.exec(type);
  if (container !== null) {
    return cell === '(empty)' ? [] : cell.split(',').map((c) => expected(container[1], c));
  }
  switch (type) {
    case 'bool':
      return cell === 'T';
    case 'count':
    case 'int':
    case 'port':
    case 'double':
    case 'time':
    case 'interval':
      // btest canonifies times to XXXXXXXXXX.XXXXXX: text that is not a number is null.
      return Number.isFinite(Number(cell)) ? Number(cell) : null;
    default:
      return cell === '(empty)' ? '' : cell;
  }
}

describe('formatJsonRecords on real TSV logs', () => {
  for (const name of ['zat-conn.log', 'zat-dns.log', 'scripts.base.protocols.ssh.basic_conn.log']) {
    it(`${name}: one object per record, Zeek's names and JSON types, values as in the TSV`, () => {
      const batch = batchOf(fixture(name));
      const { fields, types } = batch.header;
      const scores = scoresFor(batch.length);
      const flags = Uint8Array.from(scores, (s) => (s > 0.7 ? 1 : 0));
      const objs = jsonLines(formatJsonRecords(batch, scores, flags, batch.header));
      expect(objs.length).toBe(batch.length);
      objs.forEach((obj, i) => {
        const cells = recordText(batch, i).split('\t');
        const want: Record<string, unknown> = {};
        fields.forEach((f, k) => {
          if (cells[k] !== '-') want[f] = expected(types[k], cells[k]);
        });
        want.anomaly_score = Number(formatZeekDouble(scores[i]));
        want.anomaly = flags[i] === 1;
        expect(obj).toEqual(want);
        // Key order: the input's fields, then the score and the flag.
        expect(Object.keys(obj)).toEqual([...fields.filter((_, k) => cells[k] !== '-'), 'anomaly_score', 'anomaly']);
      });
    });
  }

  it('gives the JSON types Zeek does: epoch ts, numbers, booleans, arrays, no unset fields', () => {
    const batch = batchOf(fixture('zat-dns.log'));
    const objs = jsonLines(formatJsonRecords(batch, scoresFor(batch.length), null));
    const first = objs[0];
    expect(first.ts).toBe(1379288667.63194);
    expect(first['id.orig_p']).toBe(1030);
    expect(first.AA).toBe(false);
    expect(first.RD).toBe(true);
    expect(first.answers).toEqual(['54.245.228.191']);
    expect(first.TTLs).toEqual([36]);
    expect(typeof first['id.resp_h']).toBe('string');
    expect('anomaly' in first).toBe(false);
    // zat's dns.log leaves rtt and the answer fields unset in unanswered queries.
    const unanswered = objs.find((o) => !('rtt' in o));
    expect(unanswered).toBeDefined();
    expect(Object.values(unanswered!)).not.toContain('-');
  });

  it('writes whole interval values with ".0" as rapidjson does', () => {
    const text = fixture('zat-dns.log');
    const batch = batchOf(text);
    const out = formatJsonRecords(batch, scoresFor(batch.length), null);
    expect(out.split('\n')[0]).toContain('"TTLs":[36.0]');
  });

  it('turns set[count] into an array of numbers and writes unparseable times as null', () => {
    const batch = batchOf(fixture('scripts.base.frameworks.logging.field-extension-complex_conn.log'));
    const [first] = jsonLines(formatJsonRecords(batch, scoresFor(batch.length), null));
    expect(first['_innerLogged.d']).toEqual([4, 2, 3, 1]);
    expect(first._stream).toBe('conn');
    expect(first.ts).toBeNull(); // btest canonifies times: a number field holds a number or null
  });

  it('maps (empty) to [] for containers and "" for strings, and unescapes \\xNN', () => {
    const header = headerOf([
      '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-',
      '#fields\ts\tt\tn\tset\tv\tu', '#types\tstring\tstring\tcount\tset[string]\tvector[count]\tstring',
    ]);
    const batch = batchOf('a\\x09b\\x2c\t(empty)\t18446744073709551615\t(empty)\t1,2\tok\\xff\\xc3\\xa9\n', header);
    const [obj] = jsonLines(formatJsonRecords(batch, Float64Array.of(1), Uint8Array.of(1)));
    expect(obj).toEqual({
      s: 'a\tb,', t: '', set: [], v: [1, 2], u: 'ok\\xffé', anomaly_score: 1, anomaly: true,
      n: 18446744073709551615,
    });
    // Counts past 2^53 are written as the digits Zeek wrote, not a rounded double.
    expect(formatJsonRecords(batch, Float64Array.of(1), null)).toContain('"n":18446744073709551615,');
  });

  it('splits IoT-23 style space-joined label cells to line up with the header', () => {
    const header = headerOf(['#fields\tts\ttunnel_parents   label   detailed-label', '#types\ttime\tset[string]   string   string']);
    header.fields = ['ts', 'tunnel_parents', 'label', 'detailed-label'];
    header.types = ['time', 'set[string]', 'string', 'string'];
    const batch = batchOf('1525879831.015811\t-   Malicious   C&C\n', header);
    const [obj] = jsonLines(formatJsonRecords(batch, Float64Array.of(0.5), null));
    expect(obj).toEqual({ ts: 1525879831.015811, label: 'Malicious', 'detailed-label': 'C&C', anomaly_score: 0.5 });
  });

  it('gives the same bytes as UTF-8, growing a too-small buffer', () => {
    const batch = batchOf(fixture('zat-dns.log'));
    const scores = scoresFor(batch.length);
    const bytes = formatJsonRecordsBytes(batch, scores, null, batch.header, new Uint8Array(16));
    expect(Buffer.from(bytes).toString('utf8')).toBe(formatJsonRecords(batch, scores, null));
  });

  it('copies Zeek\'s 6-decimal times and intervals in their shortest form', () => {
    const header = headerOf(['#fields\tts\td\tx', '#types\ttime\tinterval\tdouble']);
    const batch = batchOf('1717200000.011550\t0.000100\t2.500000\n4294967296.000001\t3.000000\t1e3\n', header);
    expect(formatJsonRecords(batch, Float64Array.of(NaN, NaN), null)).toBe(
      '{"ts":1717200000.01155,"d":0.0001,"x":2.5}\n{"ts":4294967296.000001,"d":3.0,"x":1000.0}\n',
    );
  });

  it('leaves the score out for an unscored record', () => {
    const batch = batchOf(fixture('scripts.base.protocols.ssh.basic_conn.log'));
    const scores = scoresFor(batch.length);
    scores[0] = NaN;
    const [obj] = jsonLines(formatJsonRecords(batch, scores, new Uint8Array(batch.length)));
    expect('anomaly_score' in obj || 'anomaly' in obj).toBe(false);
  });
});

describe('formatJsonRecords on number and bool text that is not a JSON literal', () => {
  const noScores = (n: number): Float64Array => new Float64Array(n).fill(NaN);
  const header = headerOf([
    '#fields\tts\tid.orig_p\tduration\torig_bytes\tlocal_orig\torig_pkts\tx\tn',
    '#types\ttime\tport\tinterval\tcount\tbool\tcount\tdouble\tint',
  ]);
  const write = (line: string): string => {
    const out = formatJsonRecords(batchOf(`${line}\n`, header), noScores(1), null);
    JSON.parse(out); // every line must be JSON that JSON.parse takes, not only jq
    return out;
  };

  it('writes the QA repro (zat conn.log, id.orig_p 080) as valid JSON with plain numbers', () => {
    const lines = fixture('zat-conn.log').split('\n');
    const first = lines.findIndex((l) => !l.startsWith('#'));
    const cells = lines[first].split('\t');
    cells[3] = '080'; // id.orig_p
    cells[9] = '-05'; // orig_bytes
    cells[15] = '011'; // orig_pkts
    lines[first] = cells.join('\t');
    const batch = batchOf(lines.join('\n'));
    const [line] = formatJsonRecords(batch, Float64Array.of(0.5, ...noScores(batch.length - 1)), null).split('\n');
    expect(line).toBe(
      '{"ts":1379288667.706265,"uid":"CoyZrY2g74UvMMgp4a","id.orig_h":"192.168.33.10","id.orig_p":80,' +
        '"id.resp_h":"54.245.228.191","id.resp_p":80,"proto":"tcp","service":"http","duration":0.44746,' +
        '"orig_bytes":-5,"resp_bytes":38393,"conn_state":"RSTO","missed_bytes":0,"history":"ShADadR",' +
        '"orig_pkts":11,"orig_ip_bytes":1489,"resp_pkts":31,"resp_ip_bytes":39641,"tunnel_parents":[],"anomaly_score":0.5}',
    );
    expect(JSON.parse(line)).toMatchObject({ 'id.orig_p': 80, orig_bytes: -5, orig_pkts: 11 });
  });

  it('keeps valid literals as written and normalises leading zeros, "+" and a bare point', () => {
    expect(write('1379288667.706265\t080\t0.447460\t-05\tT\t011\t2.5\t-0')).toBe(
      '{"ts":1379288667.706265,"id.orig_p":80,"duration":0.44746,"orig_bytes":-5,"local_orig":true,"orig_pkts":11,"x":2.5,"n":-0}\n',
    );
    expect(write('+5\t00\t5.\t5.\t1\t+0\t080\t-00')).toBe(
      '{"ts":5.0,"id.orig_p":0,"duration":5.0,"orig_bytes":5,"local_orig":true,"orig_pkts":0,"x":80.0,"n":-0}\n',
    );
    expect(write('(empty)\t\t-\t5.000\tTrue\t-0.0\t.5\t+12.0')).toBe(
      '{"ts":null,"id.orig_p":null,"orig_bytes":5,"local_orig":null,"orig_pkts":-0,"x":0.5,"n":12}\n',
    );
  });

  it('keeps every digit of big or precise values, and reads ISO times and 0/1 bools as the reader does', () => {
    expect(write('2018-03-24T17:15:20.865716Z\t0018446744073709551615\t1.000001\t1e3\t0\t1.5\t-1e400\t-9007199254740993')).toBe(
      '{"ts":1521911720.865716,"id.orig_p":18446744073709551615,"duration":1.000001,"orig_bytes":1000,' +
        '"local_orig":false,"orig_pkts":1.5,"x":null,"n":-9007199254740993}\n',
    );
  });

  it('writes null, never a string, for NaN, infinities, 1e400 and text that is not its type', () => {
    expect(write('notatime\tNaN\tInfinity\t1e400\tX\tinf\tnan\t-inf')).toBe(
      '{"ts":null,"id.orig_p":null,"duration":null,"orig_bytes":null,"local_orig":null,"orig_pkts":null,"x":null,"n":null}\n',
    );
  });

  it('applies the same rules to container elements', () => {
    const h = headerOf(['#fields\tc\tv\tt\ts', '#types\tset[count]\tvector[bool]\tvector[time]\tset[string]']);
    const batch = batchOf('1,080,NaN,-,+5\tT,X,0,1,-\tXXXXXXXXXX.XXXXXX,1.5\ta,-,\n', h);
    expect(formatJsonRecords(batch, Float64Array.of(0.5), Uint8Array.of(0))).toBe(
      '{"c":[1,80,null,null,5],"v":[true,null,false,true,null],"t":[null,1.5],"s":["a",null,""],"anomaly_score":0.5,"anomaly":false}\n',
    );
  });

  it('takes a container cell whole under an empty #set_separator (it looped forever)', () => {
    const h = headerOf(['#set_separator\t', '#fields\ts\tc', '#types\tset[string]\tset[count]']);
    expect(h.setSeparator).toBe('');
    const batch = batchOf('a,b\t7\n(empty)\t1,2\n', h);
    expect(formatJsonRecords(batch, noScores(2), null)).toBe('{"s":["a,b"],"c":[7]}\n{"s":[],"c":[null]}\n');
  });

  it('gives the same bytes into a buffer of any size (a write that filled it exactly lost the next byte)', () => {
    const names = Array.from({ length: 60 }, (_, i) => `f${i}`);
    const h = headerOf([`#fields\t${names.join('\t')}`, `#types\t${names.map(() => 'count').join('\t')}`]);
    const batch = batchOf(`${names.map(() => '1').join('\t')}\n`.repeat(3), h);
    const scores = Float64Array.of(0.5, 0.25, NaN);
    const want = formatJsonRecords(batch, scores, null);
    for (let size = 1; size <= want.length + 16; size++) {
      const got = formatJsonRecordsBytes(batch, scores, null, batch.header, new Uint8Array(size));
      expect(Buffer.from(got).toString('utf8')).toBe(want);
    }
  });
});

describe('formatJsonRecords on JSON input', () => {
  it('passes each original object through byte for byte and adds the score', () => {
    const text = fixture('zat-json_conn.log');
    const batch = batchOf(text);
    const scores = scoresFor(batch.length);
    const flags = Uint8Array.from(scores, (s) => (s > 0.7 ? 1 : 0));
    const out = formatJsonRecords(batch, scores, flags, batch.header).split('\n');
    out.pop();
    out.forEach((line, i) => {
      const orig = recordText(batch, i);
      const add = `,"anomaly_score":${formatZeekDouble(scores[i])},"anomaly":${flags[i] === 1}}`;
      expect(line).toBe(orig.slice(0, orig.lastIndexOf('}')) + add);
      expect(JSON.parse(line)).toEqual({ ...(JSON.parse(orig) as object), anomaly_score: Number(formatZeekDouble(scores[i])), anomaly: flags[i] === 1 });
    });
  });

  it('handles an empty object and refuses a record that already has a score', () => {
    const batch = batchOf('{}\n{ "a": 1 }  \n');
    expect(formatJsonRecords(batch, Float64Array.of(0.5, 0.25), null)).toBe('{"anomaly_score":0.5}\n{ "a": 1 ,"anomaly_score":0.25}\n');
    const scored = batchOf('{"ts":1,"anomaly_score":0.5}\n');
    expect(() => formatJsonRecords(scored, Float64Array.of(0.5), null)).toThrow(OutputFormatError);
  });
});

describe('decodeZeekText', () => {
  it('resolves escapes and writes invalid UTF-8 bytes as \\xNN text', () => {
    const enc = new TextEncoder();
    const d = (s: string): string => { const b = enc.encode(s); return decodeZeekText(b, 0, b.length); };
    expect(d('plain')).toBe('plain');
    expect(d('\\x2d')).toBe('-');
    expect(d('caf\\xc3\\xa9')).toBe('café');
    expect(d('\\xc3')).toBe('\\xc3');
    expect(d('\\xed\\xa0\\x80')).toBe('\\xed\\xa0\\x80'); // an encoded surrogate is not valid UTF-8
    expect(d('ünï')).toBe('ünï');
    expect(d('back\\slash')).toBe('back\\slash');
  });
});
