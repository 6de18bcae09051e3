import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALY_KINDS,
  CONN_FIELDS,
  CONN_TYPES,
  ConnGenerator,
  generateConnLog,
  generateConnLogString,
  resolveOptions,
} from '../src/gen/conn-generator.js';
import { main, parseGenArgs } from '../src/gen/main.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Parsed {
  directives: string[];
  fields: string[];
  types: string[];
  rows: string[][];
  last: string;
}

function parseTsv(text: string): Parsed {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  const directives = lines.filter((l) => l.startsWith('#'));
  const fields = directives.find((d) => d.startsWith('#fields\t'))!.split('\t').slice(1);
  const types = directives.find((d) => d.startsWith('#types\t'))!.split('\t').slice(1);
  const rows = lines.filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
  return { directives, fields, types, rows, last: lines[lines.length - 1] };
}

describe('generator determinism', () => {
  it('gives byte-identical output for the same seed and different output for another', () => {
    const a = generateConnLogString({ rows: 20000, seed: 7, labels: true, anomalyRate: 0.01 });
    const b = generateConnLogString({ rows: 20000, seed: 7, labels: true, anomalyRate: 0.01 });
    const c = generateConnLogString({ rows: 20000, seed: 8, labels: true, anomalyRate: 0.01 });
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
    // The records of the two seeds differ, not only a few bytes.
    const ra = parseTsv(a).rows;
    const rc = parseTsv(c).rows;
    expect(ra.filter((r, i) => r[1] === rc[i][1]).length).toBe(0);
  });

  it('does not depend on the chunk size', () => {
    const opts = { rows: 5000, seed: 3 };
    const big = Buffer.concat([...generateConnLog(opts, 1 << 22)]);
    const small = Buffer.concat([...generateConnLog(opts, 4096)]);
    expect(big.equals(small)).toBe(true);
  });

  it('writes the same records in TSV and JSON', () => {
    const tsv = parseTsv(generateConnLogString({ rows: 3000, seed: 11, labels: true, anomalyRate: 0.05 }));
    const json = generateConnLogString({ rows: 3000, seed: 11, labels: true, anomalyRate: 0.05, format: 'json' })
      .trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.length).toBe(tsv.rows.length);
    json.forEach((obj, i) => {
      tsv.fields.forEach((f, k) => {
        const cell = tsv.rows[i][k];
        if (cell === '-') {
          expect(obj[f]).toBeUndefined();
          return;
        }
        const t = tsv.types[k];
        const want = t === 'bool' ? cell === 'T' : ['time', 'interval', 'count', 'port'].includes(t) ? Number(cell) : cell;
        expect(obj[f]).toEqual(want);
      });
    });
  });
});

describe('generated TSV is a well-formed Zeek conn.log', () => {
  const text = generateConnLogString({ rows: 30000, seed: 42, anomalyRate: 0.01 });
  const log = parseTsv(text);

  it('has the Zeek 6/7 header block and a #close line', () => {
    expect(log.directives.slice(0, 6)).toEqual([
      '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
      '#open\t2024-06-01-00-00-00',
    ]);
    expect(log.fields).toEqual(CONN_FIELDS);
    expect(log.types).toEqual(CONN_TYPES);
    expect(log.last).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(text.split('\n').filter((l) => l.startsWith('#')).length).toBe(9);
  });

  it('has as many cells in every row as #fields and #types', () => {
    expect(log.rows.length).toBe(30000);
    expect(log.fields.length).toBe(log.types.length);
    for (const r of log.rows) expect(r.length).toBe(log.fields.length);
  });

  it('follows Zeek\'s rules for values and unset fields', () => {
    const col = (name: string): number => log.fields.indexOf(name);
    const bad: string[] = [];
    // Collect violations instead of one expect() per cell: 30,000 rows × 20 checks.
    const check = (ok: boolean, what: string, r: string[]): void => {
      if (!ok && bad.length < 10) bad.push(`${what}: ${r.join('\t')}`);
    };
    const local = (a: string): string => (a.startsWith('10.') || a.startsWith('2001:db8:1:') ? 'T' : 'F');
    let prevTs = 0;
    const states = new Set<string>();
    const services = new Set<string>();
    for (const r of log.rows) {
      const ts = Number(r[col('ts')]);
      check(/^\d{10}\.\d{6}$/.test(r[col('ts')]), 'ts form', r);
      check(ts >= prevTs, 'ts monotonic', r);
      prevTs = ts;
      check(/^C[A-Za-z0-9]{15,17}$/.test(r[col('uid')]), 'uid form', r);
      const [dur, ob, rb] = [r[col('duration')], r[col('orig_bytes')], r[col('resp_bytes')]];
      // Zeek sets duration and both byte counts together, only when the duration is not zero.
      check((dur === '-') === (ob === '-') && (dur === '-') === (rb === '-'), 'duration/bytes unset together', r);
      check(dur === '-' || /^\d+\.\d{6}$/.test(dur), 'interval form', r);
      const proto = r[col('proto')];
      const ipProto = r[col('ip_proto')];
      check(({ tcp: '6', udp: '17', icmp: '1' } as Record<string, string>)[proto] === ipProto ||
        (proto === 'unknown_transport' && !['6', '17', '1'].includes(ipProto)), 'proto/ip_proto', r);
      const state = r[col('conn_state')];
      states.add(state);
      services.add(r[col('service')]);
      if (proto === 'tcp' && (state === 'S0' || state === 'REJ')) check(r[col('service')] === '-', 'no service without handshake', r);
      if (proto === 'tcp' && state === 'S0') check(r[col('history')] === 'S', 'S0 history', r);
      if (proto === 'tcp' && state === 'REJ') check(r[col('history')] === 'Sr', 'REJ history', r);
      if (proto === 'icmp') check(r[col('history')] === '-', 'icmp history', r);
      for (const k of ['id.orig_p', 'id.resp_p', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'missed_bytes']) {
        check(/^\d+$/.test(r[col(k)]), `${k} count`, r);
      }
      if (ob !== '-') check(Number(r[col('orig_ip_bytes')]) >= Number(ob), 'ip bytes cover payload', r);
      check(r[col('local_orig')] === local(r[col('id.orig_h')]), 'local_orig', r);
      check(r[col('local_resp')] === local(r[col('id.resp_h')]), 'local_resp', r);
      check(r[col('tunnel_parents')] === '-', 'tunnel_parents unset', r);
    }
    expect(bad).toEqual([]);
    for (const s of ['SF', 'S0', 'REJ', 'RSTO', 'RSTR', 'OTH', 'SH', 'S1']) expect(states).toContain(s);
    for (const s of ['dns', 'ssl', 'http', 'ssh', 'ntp', 'smb', '-']) expect(services).toContain(s);
  });

  it('has heavy-tailed byte counts', () => {
    const resp = log.rows.map((r) => r[log.fields.indexOf('resp_bytes')]).filter((v) => v !== '-').map(Number)
      .sort((a, b) => a - b);
    const q = (p: number): number => resp[Math.floor(p * (resp.length - 1))];
    expect(q(0.5)).toBeLessThan(2000);
    expect(q(0.999)).toBeGreaterThan(100 * q(0.5));
  });
});

describe('labels and anomalies', () => {
  it('adds label and detailed-label fields only with labels', () => {
    const plain = parseTsv(generateConnLogString({ rows: 2000, seed: 5, anomalyRate: 0.05 }));
    expect(plain.fields).not.toContain('label');
    const labelled = parseTsv(generateConnLogString({ rows: 2000, seed: 5, anomalyRate: 0.05, labels: true }));
    expect(labelled.fields.slice(-2)).toEqual(['label', 'detailed-label']);
    expect(labelled.types.slice(-2)).toEqual(['string', 'string']);
    for (const r of labelled.rows) {
      const [label, detail] = r.slice(-2);
      if (label === 'Benign') expect(detail).toBe('-');
      else {
        expect(label).toBe('Malicious');
        expect(ANOMALY_KINDS).toContain(detail);
      }
    }
    // Labels change nothing else: the same records, two more cells.
    labelled.rows.forEach((r, i) => expect(r.slice(0, -2)).toEqual(plain.rows[i]));
  });

  it.each([0.002, 0.02, 0.1])('injects anomalies at the requested rate (%s)', (rate) => {
    const rows = 60000;
    const gen = new ConnGenerator({ rows, seed: 9, anomalyRate: rate });
    const kinds = new Map<string, number>();
    for (let i = 0; i < rows; i++) {
      const r = gen.next();
      if (r.anomaly !== null) kinds.set(r.anomaly, (kinds.get(r.anomaly) ?? 0) + 1);
    }
    const total = [...kinds.values()].reduce((a, b) => a + b, 0);
    expect(total / rows).toBeGreaterThan(rate * 0.6);
    expect(total / rows).toBeLessThan(rate * 1.4);
    if (rate >= 0.02) for (const k of ANOMALY_KINDS) expect(kinds.get(k) ?? 0).toBeGreaterThan(0);
  });

  it('injects none at rate 0', () => {
    const gen = new ConnGenerator({ rows: 20000, seed: 1, anomalyRate: 0 });
    for (let i = 0; i < 20000; i++) expect(gen.next().anomaly).toBeNull();
  });

  it('makes each kind look like what it is', () => {
    const gen = new ConnGenerator({ rows: 80000, seed: 4, anomalyRate: 0.05 });
    const seen = new Map<string, { orig: number[]; ports: Set<number>; states: Set<string> }>();
    const beacons = new Map<string, number[]>();
    for (let i = 0; i < 80000; i++) {
      const r = gen.next();
      if (r.anomaly === null) continue;
      if (r.anomaly === 'C&C-Beacon') {
        const key = `${r.origH} ${r.respH}:${r.respP}`;
        beacons.set(key, [...(beacons.get(key) ?? []), r.tsUs]);
      }
      const s = seen.get(r.anomaly) ?? { orig: [], ports: new Set(), states: new Set() };
      s.orig.push(r.origBytes);
      s.ports.add(r.respP);
      s.states.add(r.connState);
      seen.set(r.anomaly, s);
    }
    const scan = seen.get('PortScan')!;
    expect(scan.ports.size).toBeGreaterThan(20);
    expect([...scan.states].every((s) => s === 'S0' || s === 'REJ')).toBe(true);
    expect(Math.min(...seen.get('Exfiltration')!.orig)).toBeGreaterThan(1e8);
    expect(Math.min(...seen.get('DNS-Tunneling')!.orig)).toBeGreaterThanOrEqual(150);
    expect([...seen.get('DNS-Tunneling')!.ports]).toEqual([53]);
    expect([...seen.get('SSH-BruteForce')!.ports]).toEqual([22]);
    // Beacons check in at a steady interval (±5% jitter) on a port no benign profile uses.
    expect(beacons.size).toBeGreaterThan(0);
    for (const times of beacons.values()) {
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      if (gaps.length < 3) continue;
      expect(Math.max(...gaps) / Math.min(...gaps)).toBeLessThan(1.12);
    }
  });
});

describe('options and the gen command', () => {
  it('validates options with messages that name them', () => {
    expect(() => resolveOptions({ rows: -1 })).toThrow('options.rows must be a non-negative integer (got -1)');
    expect(() => resolveOptions({})).toThrow('options.rows or options.bytes is required');
    expect(() => resolveOptions({ rows: 1, anomalyRate: 0.9 })).toThrow('options.anomalyRate must be a number in [0, 0.5] (got 0.9)');
    expect(() => resolveOptions({ rows: 1, format: 'csv' as 'tsv' })).toThrow('options.format must be "tsv" or "json" (got csv)');
  });

  it('stops at a byte size when asked', () => {
    const out = generateConnLogString({ bytes: 100_000, seed: 2 });
    expect(out.length).toBeGreaterThanOrEqual(100_000);
    expect(out.length).toBeLessThan(101_000);
    expect(out.trimEnd().split('\n').pop()).toMatch(/^#close\t/);
  });

  it('parses its arguments', () => {
    expect(parseGenArgs(['--rows', '10', '-o', 'x.log', '--seed', '3', '--labels', '--anomaly-rate', '0.01', '--format', 'json', '--gzip']))
      .toEqual({ options: { rows: 10, labels: true, seed: 3, anomalyRate: 0.01, format: 'json' }, output: 'x.log', gzip: true, help: false });
    expect(parseGenArgs(['--size', '1G']).options.bytes).toBe(1024 ** 3);
    expect(parseGenArgs(['-h']).help).toBe(true);
    expect(parseGenArgs(['--rows', '5', '-o', '-']).output).toBeNull();
  });

  it.each([
    [[], '--rows or --size is required (e.g. --rows 4000000 or --size 1G)'],
    [['--rows', 'many'], '--rows must be an integer (got "many")'],
    [['--rows', '5', '--anomaly-rate', '2'], '--anomaly-rate must be between 0 and 0.5 (got "2")'],
    [['--rows', '5', '--format', 'csv'], '--format must be tsv or json (got "csv")'],
    [['--size', 'big'], '--size must be a byte count such as 500M or 1G (got "big")'],
  ])('rejects %j with one line', (argv, message) => {
    expect(() => parseGenArgs(argv as string[])).toThrow(message);
  });

  describe('main', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-test-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the file (plain and gzip) and leaves no temporary file behind', async () => {
      const plain = join(dir, 'a.log');
      const gz = join(dir, 'a.log.gz');
      expect(await main(['--rows', '3000', '--seed', '6', '--labels', '-o', plain])).toBe(0);
      expect(await main(['--rows', '3000', '--seed', '6', '--labels', '--gzip', '-o', gz])).toBe(0);
      const want = generateConnLogString({ rows: 3000, seed: 6, labels: true });
      expect(readFileSync(plain, 'latin1')).toBe(want);
      expect(gunzipSync(readFileSync(gz)).toString('latin1')).toBe(want);
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(dir).sort()).toEqual(['a.log', 'a.log.gz']);
    });

    it('exits 2 with one line on a usage error', async () => {
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await main(['--rows=-3'])).toBe(2);
        expect(err).toHaveBeenCalledTimes(1);
        const msg = String(err.mock.calls[0][0]);
        expect(msg).toBe('gen: --rows must be a non-negative integer (got "-3") (see --help)\n');
      } finally {
        err.mockRestore();
      }
    });
  });
});
