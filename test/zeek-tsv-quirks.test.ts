// Zeek TSV quirks: escapes and every type, IoT-23's spaced label fields, _node_name and a cut-off
// last line, CRLF, several header blocks in one stream, gzip members, standard input streams.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectCountsAddUp, fixture, num, parseText, readAll, rowsOf, str } from './zeek-helpers.js';

describe('escapes and types (synthetic/escapes.log)', () => {
  const columns = [
    ...num('ts', 'c', 'i', 'd', 'iv', 'p', 'b'),
    ...str('s', 'e', 'a', 'sn', 'ss', 'vc', 'tbl'),
  ];

  it('reads each type and resolves \\xNN escapes', async () => {
    const { rows, stats, batches } = await readAll(fixture('synthetic/escapes.log'), columns);
    expect(stats).toMatchObject({ records: 5, rejected: 0, headerLines: 9 });
    expect(batches[0].header.types).toEqual(['time', 'string', 'enum', 'count', 'int', 'double', 'interval', 'port', 'addr', 'subnet', 'bool', 'set[string]', 'vector[count]', 'table[string]']);
    expect(rows[0]).toMatchObject({
      ts: 1700000000.123456, s: 'tab\tinside', e: 'tcp', c: 18446744073709551615, i: -42, d: 1.5e20, iv: 0.000001,
      p: 443, a: '2001:db8::1', sn: '10.0.0.0/8', b: 1, ss: 'a,b,c', vc: '1,2,3', tbl: 'x,y',
    });
  });

  it('keeps an escaped "-" and "(empty)" as text, apart from unset and empty', async () => {
    const { rows } = await readAll(fixture('synthetic/escapes.log'), columns);
    expect(rows[1]).toMatchObject({ s: '-', d: -0.5, iv: NaN, b: 0, ss: '', vc: '', tbl: null });
    expect(rows[2]).toMatchObject({ ts: 1700000002.5, s: '(empty)', c: NaN, i: NaN, p: NaN, b: NaN, a: null, ss: null });
  });

  it('reads raw and escaped UTF-8 alike, and leaves a backslash that is no escape', async () => {
    const { rows } = await readAll(fixture('synthetic/escapes.log'), columns);
    expect(rows[3]).toMatchObject({ s: 'café', ss: 'café', ts: 1700000003, d: 7, tbl: '' });
    expect(rows[4].s).toBe('back\\slash \\ x\\x');
  });
});

describe('IoT-23 labelled logs (synthetic/iot23-quirk.conn.log.labeled)', () => {
  it('splits the spaced last #fields cell and each record\'s last value into real fields', async () => {
    const { rows, stats, batches } = await readAll(fixture('synthetic/iot23-quirk.conn.log.labeled'), [...num('orig_bytes', 'duration'), ...str('tunnel_parents', 'label', 'detailed-label', 'history')]);
    expect(stats).toMatchObject({ linesRead: 13, records: 4, headerLines: 9, rejected: 0 });
    const h = batches[0].header;
    expect(h.fields.slice(-3)).toEqual(['tunnel_parents', 'label', 'detailed-label']);
    expect(h.types.slice(-3)).toEqual(['set[string]', 'string', 'string']);
    expect(h.fields).toHaveLength(23);
    expect(rows.map((r) => [r.tunnel_parents, r.label, r['detailed-label']])).toEqual([
      [null, 'Malicious', 'C&C'],
      [null, 'Benign', null],
      [null, 'benign', null],
      [null, 'Malicious', 'PartOfAHorizontalPortScan'],
    ]);
    // CRLF: the carriage return is not part of the last value, nor of the record text.
    expect(rows[0]).toMatchObject({ orig_bytes: 100, duration: 1.5, history: 'ShADadFf' });
    const b = batches[0];
    expect(b.source[b.ends[0] - 1]).toBe('C'.charCodeAt(0));
  });

  it('rejects a record whose spaced value holds too few fields', () => {
    const text = readFileSync(fixture('synthetic/iot23-quirk.conn.log.labeled'), 'utf8').replace('-   Benign   -', '-   Benign');
    const r = parseText(text, str('label'));
    expect(r.rejected).toBe(1);
    expect(r.rejections[0]).toMatchObject({ line: 10, reason: 'expected 23 fields, found 22' });
  });
});

describe('_node_name and a truncated last line (synthetic/node-name-truncated.conn.log)', () => {
  it('reads the leading _node_name and reports the cut-off last line', async () => {
    const f = fixture('synthetic/node-name-truncated.conn.log');
    const { rows, stats } = await readAll(f, [...num('ts', 'duration'), ...str('_node_name', 'uid')]);
    expectCountsAddUp(stats);
    expect(stats).toMatchObject({ linesRead: 12, records: 3, headerLines: 8, rejected: 1 });
    expect(rows.map((r) => r._node_name)).toEqual(['worker-eth0-1', 'worker-eth0-2', 'worker-eth0-1']);
    expect(stats.firstRejections).toEqual([
      { file: f, line: 12, field: null, reason: 'expected 22 fields, found 10 (last line has no line end: cut off mid-write?)' },
    ]);
  });
});

describe('several header blocks in one stream', () => {
  const basic = readFileSync(fixture('btest/opt.basic_conn.log'), 'utf8');
  const mac = readFileSync(fixture('btest/scripts.policy.protocols.conn.mac-logging_conn1.log'), 'utf8');
  const zat = readFileSync(fixture('zat/conn.log'), 'utf8');

  it('switches field sets at each block and batches by block', () => {
    const r = parseText(basic + mac + zat, [...num('orig_bytes'), ...str('uid', 'orig_l2_addr', 'local_resp')]);
    expect(r.rejected).toBe(0);
    expect(r.batches.map((b) => b.header.fields.length)).toEqual([22, 24, 20]);
    expect(r.batches.map((b) => b.length)).toEqual([34, 34, 360]);
    const rows = rowsOf(r.batches);
    expect(rows[34]).toMatchObject({ orig_l2_addr: '00:13:7f:be:8c:ff', line: 44 + 10 });
    expect(rows[0].orig_l2_addr).toBeNull(); // absent from that block
    expect(rows.at(-1)!.local_resp).toBeNull();
    expect(r.header?.fields).toHaveLength(20);
  });

  it('starts a new field set at a second #fields line without #separator', () => {
    const text = '#separator \\x09\n#fields\ta\tb\n#types\tcount\tstring\n1\tx\n#fields\tb\ta\tc\n#types\tstring\tcount\tcount\ny\t2\t3\n';
    const r = parseText(text, [...num('a', 'c'), ...str('b')]);
    expect(rowsOf(r.batches)).toEqual([
      { line: 4, a: 1, c: NaN, b: 'x' },
      { line: 7, a: 2, c: 3, b: 'y' },
    ]);
    expect(r.batches[1].header.directives).toEqual(['#separator \\x09', '#fields\tb\ta\tc', '#types\tstring\tcount\tcount']);
  });
});

describe('gzip and streams', () => {
  it('recognises gzip by its magic bytes, whatever the name, and reads concatenated members', async () => {
    const a = readFileSync(fixture('zat/conn.log'));
    const b = readFileSync(fixture('btest/opt.basic_conn.log'));
    const gz = Buffer.concat([gzipSync(a), gzipSync(b)]);
    const { stats } = await readAll(Readable.from([gz]), num('orig_bytes'), { file: 'rotated.log' });
    expect(stats).toMatchObject({ file: 'rotated.log', records: 360 + 34, bytesRead: a.length + b.length, rejected: 0 });
  });

  it('reads a stream delivered in tiny pieces (like a pipe on stdin)', async () => {
    const bytes = readFileSync(fixture('synthetic/iot23-quirk.conn.log.labeled'));
    const pieces = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const piecewise = await readAll(Readable.from(pieces), str('label'), { chunkBytes: 64 });
    const whole = await readAll(fixture('synthetic/iot23-quirk.conn.log.labeled'), str('label'));
    expect(piecewise.rows).toEqual(whole.rows);
    expect(piecewise.stats.file).toBe('stream');
  });

  it("reads standard input for '-', gzip included", async () => {
    const saved = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    const gz = gzipSync(readFileSync(fixture('zat/conn.log')));
    Object.defineProperty(process, 'stdin', { value: Readable.from([gz.subarray(0, 100), gz.subarray(100)]), configurable: true });
    try {
      const { stats } = await readAll('-', num('ts'));
      expect(stats).toMatchObject({ file: 'stdin', records: 360, rejected: 0 });
    } finally {
      Object.defineProperty(process, 'stdin', saved);
    }
  });

  it('reports a truncated gzip after the lines before the cut', async () => {
    const gz = gzipSync(readFileSync(fixture('zat/conn.log')));
    const reader = (await import('../src/zeek/index.js')).readZeekLog(Readable.from([gz.subarray(0, gz.length - 2000)]), { columns: num('ts'), file: 'cut.log.gz' });
    let records = 0;
    await expect(async () => {
      for await (const b of reader.batches) records += b.length;
    }).rejects.toThrow(/^cut\.log\.gz: gzip data is corrupt or truncated \(unexpected end of file\)/);
    expect(records).toBeGreaterThan(100);
    expect(reader.stats().linesRead).toBeGreaterThan(100);
  });
});

describe('other separators', () => {
  it.each([
    [',', ','],
    ['||', '\\x7c\\x7c'],
    [' ', '\\x20'],
  ])('reads a log separated by %j (#separator %s)', (sep, escaped) => {
    const text = `#separator ${escaped}\n#set_separator${sep};\n#fields${sep}n${sep}s${sep}v\n#types${sep}count${sep}string${sep}set[string]\n1${sep}a${sep}x;y\n-${sep}(empty)${sep}-\n2${sep}b\n`;
    const r = parseText(text, [...num('n'), ...str('s', 'v')]);
    expect(r.batches[0].header).toMatchObject({ separator: sep, setSeparator: ';' });
    expect(rowsOf(r.batches)).toEqual([
      { line: 5, n: 1, s: 'a', v: 'x;y' },
      { line: 6, n: NaN, s: '', v: null },
    ]);
    expect(r.rejections.map((x) => [x.line, x.reason])).toEqual([[7, 'expected 3 fields, found 2']]);
  });
});

describe('cost stays linear in hostile input', () => {
  it('an IoT-23 style header over many records without the spaced values', () => {
    const header = readFileSync(fixture('synthetic/iot23-quirk.conn.log.labeled'), 'utf8').split('\r\n').slice(0, 8).join('\n');
    const row = new Array(21).fill('1').join('\t');
    const text = header + '\n' + (row + '\n').repeat(40_000);
    const t = performance.now();
    const r = parseText(text, num('ts'));
    expect(r.rejected).toBe(40_000);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

