// Real Zeek TSV logs (Zeek's own btest baselines, zat, brim): headers, field variants, values.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectCountsAddUp, fixture, num, readAll, str } from './zeek-helpers.js';

const CONN = [
  ...num('ts', 'duration', 'orig_bytes', 'resp_bytes', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'missed_bytes', 'id.resp_p', 'id.orig_p', 'local_orig', 'local_resp', 'ip_proto'),
  ...str('uid', 'id.orig_h', 'id.resp_h', 'proto', 'service', 'conn_state', 'history', 'tunnel_parents'),
];
const btestFiles = readdirSync(fixture('btest')).filter((f) => f.endsWith('.log'));

describe('zat conn.log (old Bro field set)', () => {
  it('reads every record with its header and exact values', async () => {
    const { batches, rows, stats } = await readAll(fixture('zat/conn.log'), CONN);
    expect(stats).toMatchObject({ linesRead: 369, records: 360, headerLines: 9, rejected: 0, bytesRead: 45416 });
    const h = batches[0].header;
    expect(h).toMatchObject({ format: 'tsv', separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-', path: 'conn', open: '2014-04-03-10-08-27' });
    expect(h.fields).toHaveLength(20);
    expect(h.types[19]).toBe('table[string]');
    expect(h.directives).toHaveLength(8);
    expect(h.directives[0]).toBe('#separator \\x09');
    // 1379288667.706265	CoyZrY2g74UvMMgp4a	192.168.33.10	1032	54.245.228.191	80	tcp	http	0.447460	601	38393	RSTO	-	0	ShADadR	22	1489	31	39641	(empty)
    expect(rows[0]).toEqual({
      line: 9, ts: 1379288667.706265, duration: 0.44746, orig_bytes: 601, resp_bytes: 38393, orig_pkts: 22, resp_pkts: 31,
      orig_ip_bytes: 1489, resp_ip_bytes: 39641, missed_bytes: 0, 'id.resp_p': 80, 'id.orig_p': 1032,
      local_orig: NaN, local_resp: NaN, ip_proto: NaN,
      uid: 'CoyZrY2g74UvMMgp4a', 'id.orig_h': '192.168.33.10', 'id.resp_h': '54.245.228.191', proto: 'tcp', service: 'http',
      conn_state: 'RSTO', history: 'ShADadR', tunnel_parents: '',
    });
    // An icmp record: unset duration and bytes, unset service.
    const icmp = rows.find((r) => r.uid === 'Cem2724yzrBgXgCpR6')!;
    expect(icmp).toMatchObject({ proto: 'icmp', service: null, duration: NaN, orig_bytes: NaN, history: null, 'id.resp_p': 3 });
  });

  it('gives source offsets that hold the raw record text', async () => {
    const { batches } = await readAll(fixture('zat/conn.log'), num('ts'));
    const b = batches[0];
    const text = new TextDecoder().decode(b.source.subarray(b.starts[0], b.ends[0]));
    expect(text.startsWith('1379288667.706265\tCoyZrY2g74UvMMgp4a\t')).toBe(true);
    expect(text.endsWith('\t(empty)')).toBe(true);
  });
});

describe('zat dns.log and conn_date_issue.log', () => {
  it('reads vectors as strings joined by the set separator, and bools as 1/0', async () => {
    const { rows, stats } = await readAll(fixture('zat/dns.log'), [...num('rtt', 'qtype', 'RD', 'TC'), ...str('query', 'answers', 'TTLs')]);
    expectCountsAddUp(stats);
    expect(stats.records).toBe(54);
    const r = rows.find((x) => x.answers === 'guyspy.com,54.245.228.191')!;
    expect(r).toMatchObject({ query: 'www.guyspy.com', TTLs: '1000.000000,36.000000', RD: 1, TC: 0, qtype: 1 });
    // A vector asked for as a number reads as one only when it holds one; the record is kept.
    const asNumber = await readAll(fixture('zat/dns.log'), [...num('TTLs'), ...str('query')]);
    expect(asNumber.stats.rejected).toBe(0);
    expect(asNumber.rows.find((x) => x.query === 'guyspy.com')?.TTLs).toBe(36);
    expect(asNumber.rows.find((x) => x.query === 'www.guyspy.com')?.TTLs).toBeNaN();
  });

  it('accepts a #separator line written with a tab', async () => {
    const { batches, stats } = await readAll(fixture('zat/conn_date_issue.log'), num('ts'));
    expect(stats).toMatchObject({ records: 3, rejected: 0, headerLines: 8 });
    expect(batches[0].header.separator).toBe('\t');
  });
});

describe('Zeek btest baselines', () => {
  it.each(btestFiles)('%s: every line accounted for, one header block', async (f) => {
    const { batches, stats } = await readAll(fixture(`btest/${f}`), [...num('orig_bytes', 'ip_proto'), ...str('uid', 'proto')]);
    expectCountsAddUp(stats);
    expect(stats.rejected).toBe(0);
    expect(stats.records).toBeGreaterThan(0);
    expect(new Set(batches.map((b) => b.header)).size).toBe(1);
    // `### BTest …` is a comment; `#open XXXX…` is written with a space.
    expect(batches[0].header.open).toBe('XXXX-XX-XX-XX-XX-XX');
  });

  it('rejects the placeholder timestamps when ts is asked for as a number, naming the field', async () => {
    const { stats } = await readAll(fixture('btest/opt.basic_conn.log'), num('ts'));
    expect(stats.records).toBe(0);
    expect(stats.rejectedByReason).toEqual({ 'bad number': 34 });
    expect(stats.firstRejections[0]).toEqual({ file: fixture('btest/opt.basic_conn.log'), line: 10, field: 'ts', reason: 'not a number: "XXXXXXXXXX.XXXXXX"' });
  });

  it('reads the current field set with ip_proto', async () => {
    const { rows, batches } = await readAll(fixture('btest/core.cisco-fabric-path_conn.log'), [...num('ip_proto', 'id.resp_p'), ...str('proto', 'id.orig_h')]);
    expect(batches[0].header.fields.at(-1)).toBe('ip_proto');
    expect(rows.at(-1)).toMatchObject({ proto: 'unknown_transport', ip_proto: 99, 'id.orig_h': '1234::51', 'id.resp_p': 0 });
  });

  it('reads extension fields, including a set[count]', async () => {
    const f = fixture('btest/scripts.base.frameworks.logging.field-extension-complex_conn.log');
    const { rows, batches } = await readAll(f, [...num('_innerLogged.a', 'orig_bytes'), ...str('_stream', '_innerLogged.d', '_system_name', 'uid')]);
    expect(batches[0].header.fields.slice(0, 6)).toEqual(['_write_ts', '_stream', '_innerLogged.a', '_innerLogged.c', '_innerLogged.d', '_system_name']);
    expect(batches[0].header.types[4]).toBe('set[count]');
    expect(rows[1]).toMatchObject({ _stream: 'conn', '_innerLogged.a': 1, '_innerLogged.d': '4,2,3,1', _system_name: null, uid: 'C0LAHyvtKSQHyJxIl', orig_bytes: 38 });
  });

  it('addresses renamed and scope-separated fields by the name in #fields, and "_"-scoped ones by their dotted names too', async () => {
    const a = await readAll(fixture('btest/scripts.base.frameworks.logging.scope_sep_conn.log'), [...str('id_orig_h', 'id.orig_h'), ...num('id_resp_p')]);
    expect(a.rows[0]).toMatchObject({ id_orig_h: '173.192.163.128', 'id.orig_h': '173.192.163.128', id_resp_p: 6705 });
    const b = await readAll(fixture('btest/scripts.base.frameworks.logging.field-name-map_conn.log'), [...str('src', 'dst'), ...num('src_port', 'dst_port')]);
    expect(b.rows[0]).toMatchObject({ src: '173.192.163.128', dst: '141.142.220.235', src_port: 80, dst_port: 6705 });
  });

  it('reads MAC fields, speculative_service and Teredo tunnel_parents', async () => {
    const mac = await readAll(fixture('btest/scripts.policy.protocols.conn.mac-logging_conn1.log'), str('orig_l2_addr', 'resp_l2_addr'));
    expect(mac.rows[0]).toMatchObject({ orig_l2_addr: '00:13:7f:be:8c:ff', resp_l2_addr: '00:e0:db:01:cf:4b' });
    const spec = await readAll(fixture('btest/scripts.policy.protocols.conn.speculative-service_conn-post-large.log'), str('speculative_service'));
    expect(spec.rows.map((r) => r.speculative_service)).toEqual(['http', 'http']);
    const teredo = await readAll(fixture('btest/core.tunnels.teredo_conn.log'), str('tunnel_parents', 'uid'));
    expect(teredo.rows.find((r) => r.uid === 'CUM0KZ3MLUfNB0cl11')?.tunnel_parents).toBe('CtPZjS20MLrsMUOJi2');
  });
});

describe('brim dns excerpt (gzip)', () => {
  it('is read through gzip, with (empty) and unset kept apart', async () => {
    const { rows, stats } = await readAll(fixture('brim/dns-sample.log.gz'), [...num('rtt', 'rcode'), ...str('query', 'rcode_name', 'answers')]);
    expect(stats).toMatchObject({ records: 2000, headerLines: 9, rejected: 0 });
    expect(rows.filter((r) => r.query === '').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.answers === null).length).toBeGreaterThan(0);
    const unsetRcode = rows.find((r) => r.rcode_name === null)!;
    expect(unsetRcode.rcode).toBeNaN();
  });
});
