// A deterministic generator of realistic Zeek conn.log data, for benchmarks and for `eval`.
//
// Same options ⇒ byte-identical output: everything random comes from one seeded xoshiro128**
// stream, and time comes from the data (never the clock). The traffic model is a small site:
// ~1,200 internal clients and a handful of internal servers talking to a Zipf-popular set of
// external servers, plus the background scanning every Internet-facing network sees. Values are
// shaped after real captures in /work/shared/data/zeek (states, histories, which fields Zeek
// leaves unset); sizes and durations are lognormal with Pareto tails.

// ---------------------------------------------------------------------------------------------
// Options and record shape

import { GENERATOR_STREAM, Xoshiro128 as Core } from '../rng.js';

export type GenFormat = 'tsv' | 'json';

export interface ConnGenOptions {
  /** Number of data records to write. At least one of `rows` and `bytes` is required. */
  rows?: number;
  /**
   * Stop at the first record that brings the output to this many bytes (header included), for
   * benchmarks that want a file size rather than a row count. With `rows` too, whichever comes first.
   */
  bytes?: number;
  /** Any safe integer; default 1. */
  seed?: number;
  /** Append `label` (Benign/Malicious) and `detailed-label` (the anomaly kind) fields. */
  labels?: boolean;
  /** Expected fraction of records that belong to injected anomalies, in [0, 0.5]; default 0.001. */
  anomalyRate?: number;
  /** Zeek TSV (default) or Zeek's JSON writer's NDJSON. */
  format?: GenFormat;
  /** Epoch seconds of the first record; default 1717200000 (2024-06-01T00:00:00Z). */
  startTime?: number;
}

export const ANOMALY_KINDS = [
  'PortScan',
  'SSH-BruteForce',
  'DNS-Tunneling',
  'C&C-Beacon',
  'Exfiltration',
  'LongLived-OddProto',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** The Zeek 6/7 conn.log field set, as in Zeek's own test baselines. */
export const CONN_FIELDS: readonly string[] = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history',
  'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents', 'ip_proto',
];
export const CONN_TYPES: readonly string[] = [
  'time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval',
  'count', 'count', 'string', 'bool', 'bool', 'count', 'string',
  'count', 'count', 'count', 'count', 'set[string]', 'count',
];
export const LABEL_FIELDS: readonly string[] = ['label', 'detailed-label'];

/**
 * One generated connection. The generator reuses a single instance: copy what you keep.
 * Unset values (Zeek's `-`) are -1 for numbers and null for strings.
 */
export interface ConnRecord {
  /** Start time in integer microseconds since the epoch (exact, so formatting is exact). */
  tsUs: number;
  uid: string;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  proto: 'tcp' | 'udp' | 'icmp' | 'unknown_transport';
  service: string | null;
  /** Microseconds; -1 when Zeek leaves duration (and the byte counts) unset. */
  durationUs: number;
  origBytes: number;
  respBytes: number;
  connState: string;
  localOrig: boolean;
  localResp: boolean;
  missedBytes: number;
  history: string | null;
  origPkts: number;
  origIpBytes: number;
  respPkts: number;
  respIpBytes: number;
  ipProto: number;
  /** The injected anomaly this record belongs to, or null for benign traffic. */
  anomaly: AnomalyKind | null;
}

// ---------------------------------------------------------------------------------------------
// Random draws for the generator: the project's one xoshiro128** (src/rng.ts), on a stream of its
// own, with the distributions traffic modelling needs on top.

class Xoshiro128 {
  private readonly core: Core;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    // Fold a 53-bit seed into 32 bits without losing the high part.
    const folded = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) | 0, 0x9e3779b9);
    this.core = new Core(folded >>> 0, GENERATOR_STREAM);
  }

  /** Uniform u32. */
  u32(): number {
    return this.core.nextU32();
  }

  /** Uniform in (0, 1): never 0, so log() is always finite. */
  float(): number {
    return (this.u32() + 0.5) / 4294967296;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box–Muller, the second value cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.float()));
    const th = 2 * Math.PI * this.float();
    this.spare = r * Math.sin(th);
    this.hasSpare = true;
    return r * Math.cos(th);
  }

  /** Lognormal by its median and log-space sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Pareto with scale xm and shape alpha (alpha ≤ 2 gives the heavy tails of transfer sizes). */
  pareto(xm: number, alpha: number): number {
    return xm * Math.pow(this.float(), -1 / alpha);
  }

  exponential(mean: number): number {
    return -mean * Math.log(this.float());
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }
}

/** Sampling from fixed weights by binary search over the cumulative sums. */
class Weighted<T> {
  private readonly cum: Float64Array;
  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    this.cum = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) this.cum[i] = s += weights[i];
    for (let i = 0; i < weights.length; i++) this.cum[i] /= s;
  }
  sample(rng: Xoshiro128): T {
    const u = rng.float();
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo];
  }
}

/** Zipf(s) popularity over items: a few hosts and servers carry most of the traffic, as in real nets. */
function zipf<T>(items: readonly T[], s: number): Weighted<T> {
  return new Weighted(
    items,
    items.map((_, i) => 1 / Math.pow(i + 1, s)),
  );
}

// ---------------------------------------------------------------------------------------------
// The site

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ALPHANUM_CODES = Array.from(ALPHANUM, (c) => c.charCodeAt(0));

interface Host {
  v4: string;
  v6: string | null;
  /** Ephemeral port range: Linux 32768–60999, Windows 49152–65535. */
  portLo: number;
  portHi: number;
}

interface Site {
  clients: Weighted<Host>;
  resolvers: string[];
  dcs: string[];
  fileServers: string[];
  sshServers: string[];
  webServers: string[];
  gateway: string;
  ntpServers: string[];
  extWeb: Weighted<string>;
  extWeb6: Weighted<string>;
  extMisc: Weighted<string>;
  publicDns: string[];
  mailServers: string[];
}

function publicV4(rng: Xoshiro128): string {
  // Keep clear of private, loopback, multicast and reserved space so local_resp stays F.
  for (;;) {
    const a = rng.int(1, 223);
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192 || a === 0) continue;
    return `${a}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  }
}

function hex16(rng: Xoshiro128): string {
  return rng.int(1, 0xffff).toString(16);
}

function buildSite(rng: Xoshiro128): Site {
  const clients: Host[] = [];
  for (let i = 0; i < 1200; i++) {
    const linux = rng.chance(0.35);
    const v4 = `10.1.${1 + (i >> 8)}.${(i & 255) === 0 ? 1 : i & 255}`;
    clients.push({
      v4,
      v6: rng.chance(0.6) ? `2001:db8:1:${1 + (i >> 8)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}` : null,
      portLo: linux ? 32768 : 49152,
      portHi: linux ? 60999 : 65535,
    });
  }
  const extWeb: string[] = [];
  for (let i = 0; i < 4000; i++) extWeb.push(publicV4(rng));
  const extWeb6: string[] = [];
  const v6Prefixes = ['2606:4700', '2a00:1450:4001', '2620:1ec', '2600:9000', '2a03:2880:f0'];
  for (let i = 0; i < 300; i++) extWeb6.push(`${rng.pick(v6Prefixes)}::${hex16(rng)}:${hex16(rng)}`);
  const extMisc: string[] = [];
  for (let i = 0; i < 2000; i++) extMisc.push(publicV4(rng));
  return {
    clients: zipf(clients, 0.9),
    resolvers: ['10.1.0.53', '10.1.0.54'],
    dcs: ['10.1.0.5', '10.1.0.6'],
    fileServers: ['10.1.0.20', '10.1.0.21', '10.1.0.22'],
    sshServers: ['10.1.0.30', '10.1.0.31', '10.1.0.32', '10.1.0.33'],
    webServers: ['10.1.0.80', '10.1.0.81'],
    gateway: '10.1.0.1',
    ntpServers: ['10.1.0.5', '162.159.200.1', '162.159.200.123', '216.239.35.0'],
    extWeb: zipf(extWeb, 1.1),
    extWeb6: zipf(extWeb6, 1.0),
    extMisc: zipf(extMisc, 0.8),
    publicDns: ['8.8.8.8', '8.8.4.4', '1.1.1.1', '9.9.9.9'],
    mailServers: extMisc.slice(0, 5),
  };
}

function isLocal(addr: string): boolean {
  return addr.startsWith('10.') || addr.startsWith('2001:db8:1:');
}

// ---------------------------------------------------------------------------------------------
// Connection shapes

type Profile =
  | 'ssl' | 'http' | 'quic' | 'dns' | 'dns6' | 'ntp' | 'ssh' | 'smb' | 'krb' | 'ldap' | 'dce_rpc'
  | 'dhcp' | 'mdns' | 'ssdp' | 'netbios' | 'icmp' | 'smtp' | 'rdp' | 'other_tcp' | 'other_udp'
  | 'inbound_scan' | 'intranet_http';

// Shares of rows, roughly those of an office network's conn.log.
const PROFILES = new Weighted<Profile>(
  ['ssl', 'http', 'quic', 'dns', 'dns6', 'ntp', 'ssh', 'smb', 'krb', 'ldap', 'dce_rpc', 'dhcp', 'mdns',
    'ssdp', 'netbios', 'icmp', 'smtp', 'rdp', 'other_tcp', 'other_udp', 'inbound_scan', 'intranet_http'],
  [28, 6, 6, 26, 2, 1.5, 1, 3, 2, 2, 1, 0.3, 2, 0.8, 0.6, 1.6, 0.3, 0.3, 3, 1, 4, 1.5],
);

const SF_HISTORY = new Weighted(
  ['ShADadFf', 'ShADadfF', 'ShADdaFf', 'ShAdDaFf', 'ShADadtFf', 'ShADdfFa', 'ShADadFRf'],
  [45, 22, 10, 10, 5, 5, 3],
);
const RSTO_HISTORY = ['ShADadR', 'ShADadfR', 'ShADdR', 'ShADadRf', 'ShR'];
const RSTR_HISTORY = ['ShADadr', 'ShAdfDr', 'ShADdaFr', 'ShADadFr'];
const OTH_TCP_HISTORY = ['DdA', 'Da', 'DadA', 'Aa', 'DdAa', 'R'];

// TCP state mix for client traffic that reaches a real server.
const TCP_STATES = new Weighted(
  ['SF', 'RSTO', 'RSTR', 'S0', 'REJ', 'S1', 'S3', 'SH', 'OTH', 'RSTRH', 'SHR'],
  [80, 6, 3, 3.5, 1.5, 1.5, 2, 0.5, 1.5, 0.2, 0.3],
);

const INBOUND_SCAN_PORTS = new Weighted(
  [23, 22, 445, 3389, 80, 8080, 443, 5060, 1433, 3306, 2323, 6379, 5900, 8443, 21, 25, 53, 123, 161],
  [20, 15, 10, 10, 8, 7, 5, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1],
);
const OTHER_TCP_PORTS = new Weighted(
  [8080, 8443, 5228, 5222, 993, 995, 1935, 3478, 9418, 5223, 8000, 4070],
  [20, 15, 15, 8, 10, 3, 2, 3, 3, 8, 5, 3],
);
const OTHER_TCP_SERVICE: Record<number, string | null> = {
  8080: 'http', 8443: 'ssl', 5228: 'ssl', 5222: null, 993: 'ssl', 995: 'ssl', 1935: null, 3478: null,
  9418: null, 5223: 'ssl', 8000: 'http', 4070: 'ssl',
};
const BEACON_PORTS = [4444, 1337, 6666, 8081, 9001, 31337, 2222, 7443, 5555, 1604];

const TCP_OVERHEAD = 52; // IPv4 20 + TCP 20 + timestamps option 12
const UDP_OVERHEAD = 28;
const V6_EXTRA = 20;
const MSS = 1448;

// ---------------------------------------------------------------------------------------------
// The generator

interface Episode {
  kind: AnomalyKind;
  left: number;
  /** Chance that a row is this episode's while it is the active burst (1 = contiguous). */
  density: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Per-episode constants (beacon sizes, scan port stride …). */
  k1: number;
  k2: number;
  /** Beacons: when the next check-in is due, and the interval between check-ins (µs). */
  nextUs: number;
  periodUs: number;
}

/** Infected hosts beaconing at once; more would crowd a small output with identical rows. */
const MAX_BEACONS = 8;

const BURSTY: ReadonlySet<AnomalyKind> = new Set(['PortScan', 'SSH-BruteForce', 'DNS-Tunneling']);
/** Share of the malicious rows each kind should get, in ANOMALY_KINDS order. */
const KIND_SHARE = [0.35, 0.15, 0.2, 0.2, 0.05, 0.05];

export const DEFAULT_START_TIME = 1717200000;
export const DEFAULT_ANOMALY_RATE = 0.001;

/** Validates options at the edge; messages name the option and the bad value. */
export type ResolvedGenOptions = Required<ConnGenOptions>;

/** Average bytes of a generated TSV row, to size bursts when only `bytes` is given. */
const ROW_BYTES_ESTIMATE = 137;

export function resolveOptions(opts: ConnGenOptions): ResolvedGenOptions {
  if (opts.rows === undefined && opts.bytes === undefined) {
    throw new RangeError('options.rows or options.bytes is required');
  }
  const rows = opts.rows ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RangeError(`options.rows must be a non-negative integer (got ${String(opts.rows)})`);
  }
  const bytes = opts.bytes ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`options.bytes must be a non-negative integer (got ${String(opts.bytes)})`);
  }
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`options.seed must be a safe integer (got ${String(seed)})`);
  }
  const anomalyRate = opts.anomalyRate ?? DEFAULT_ANOMALY_RATE;
  if (typeof anomalyRate !== 'number' || !(anomalyRate >= 0 && anomalyRate <= 0.5)) {
    throw new RangeError(`options.anomalyRate must be a number in [0, 0.5] (got ${String(anomalyRate)})`);
  }
  const format = opts.format ?? 'tsv';
  if (format !== 'tsv' && format !== 'json') {
    throw new RangeError(`options.format must be "tsv" or "json" (got ${String(format)})`);
  }
  const startTime = opts.startTime ?? DEFAULT_START_TIME;
  if (!Number.isFinite(startTime) || startTime < 0 || startTime > 4102444800) {
    throw new RangeError(`options.startTime must be epoch seconds between 1970 and 2100 (got ${String(startTime)})`);
  }
  return { rows, bytes, seed, labels: opts.labels ?? false, anomalyRate, format, startTime };
}

export class ConnGenerator {
  readonly options: ResolvedGenOptions;
  private readonly rng: Xoshiro128;
  private readonly site: Site;
  private readonly rec: ConnRecord;
  private nowUs: number;
  private emitted = 0;
  private readonly episodes = new Map<AnomalyKind, Episode>();
  private burst: Episode | null = null;
  /** Beacons are driven by the clock, not by draws: each checks in every periodUs. */
  private readonly beacons: Episode[] = [];
  /** Malicious rows emitted by bursts beyond the Bernoulli draws; repaid to keep the rate. */
  private debt = 0;
  /** Rows planned per kind when each episode starts (bursts and beacons emit them later). */
  private readonly kindRows = new Float64Array(ANOMALY_KINDS.length);
  private malRows = 0;

  constructor(options: ConnGenOptions) {
    this.options = resolveOptions(options);
    this.rng = new Xoshiro128(this.options.seed);
    this.site = buildSite(this.rng);
    this.nowUs = Math.round(this.options.startTime * 1e6);
    this.rec = {
      tsUs: 0, uid: '', origH: '', origP: 0, respH: '', respP: 0, proto: 'tcp', service: null,
      durationUs: -1, origBytes: -1, respBytes: -1, connState: '', localOrig: false, localResp: false,
      missedBytes: 0, history: null, origPkts: 0, origIpBytes: 0, respPkts: 0, respIpBytes: 0,
      ipProto: 6, anomaly: null,
    };
  }

  /** Records produced so far. */
  get count(): number {
    return this.emitted;
  }

  /** Time of the latest record, integer microseconds since the epoch. */
  get timeUs(): number {
    return this.nowUs;
  }

  /** The next record (the same object every call, overwritten). */
  next(): ConnRecord {
    const rng = this.rng;
    this.advanceClock();
    const r = this.rec;
    r.tsUs = this.nowUs;
    r.uid = this.uid();
    r.anomaly = null;
    r.missedBytes = 0;

    const rate = this.options.anomalyRate;
    const beacon = this.dueBeacon();
    if (beacon !== null) {
      this.debt++;
      this.malicious(beacon);
    } else if (this.burst !== null && rng.chance(this.burst.density)) {
      this.debt++;
      this.malicious(this.burst);
    } else if (rate > 0 && rng.float() < rate) {
      if (this.debt > 0) {
        this.debt--;
        this.benign();
      } else {
        const kind = this.pickKind();
        let ep = this.episodes.get(kind);
        if (kind === 'C&C-Beacon' && this.beacons.length >= MAX_BEACONS) {
          // Enough hosts are calling home: one of them stays infected one check-in longer
          // instead, and this row's share is taken from the future (debt below zero).
          this.beacons[0].left++;
          this.kindRows[ANOMALY_KINDS.indexOf(kind)]++;
          this.malRows++;
          this.debt--;
          this.benign();
        } else {
          if (kind === 'C&C-Beacon') this.beacons.push((ep = this.newEpisode(kind)));
          else if (ep === undefined || ep.left <= 0) {
            ep = this.newEpisode(kind);
            this.episodes.set(kind, ep);
          }
          if (BURSTY.has(kind) && this.burst === null) this.burst = ep;
          this.malicious(ep);
        }
      }
    } else {
      this.benign();
    }
    this.emitted++;
    return r;
  }

  private dueBeacon(): Episode | null {
    for (const b of this.beacons) if (b.nextUs <= this.nowUs) return b;
    return null;
  }

  /**
   * The kind furthest behind its share of malicious rows, drawn in proportion to how far behind.
   * Fixed weights would not do: a scan burst is hundreds of rows per draw, an exfiltration one
   * or two. Episodes count all their planned rows when they start, so a long beacon that will
   * check in for hours does not keep winning draws meanwhile.
   */
  private pickKind(): AnomalyKind {
    let total = 0;
    const deficit = new Float64Array(ANOMALY_KINDS.length);
    for (let k = 0; k < deficit.length; k++) {
      deficit[k] = Math.max(0, KIND_SHARE[k] * (this.malRows + 1) - this.kindRows[k]);
      total += deficit[k];
    }
    let u = this.rng.float() * total;
    for (let k = 0; k < deficit.length; k++) {
      u -= deficit[k];
      if (u < 0) return ANOMALY_KINDS[k];
    }
    return ANOMALY_KINDS[0];
  }

  private advanceClock(): void {
    // ~45 connections/s with a day/night swing, so a few million rows span about a day.
    const hour = ((this.nowUs / 3.6e9) % 24 + 24) % 24;
    const day = 0.3 + 0.7 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
    this.nowUs += Math.round(this.rng.exponential(1e6 / (45 * day + 5)));
  }

  private uid(): string {
    // Zeek uids: 'C' + base62 of a 96-bit value, so 15–18 characters; 17–18 almost always.
    const rng = this.rng;
    const c = ALPHANUM_CODES;
    const n = rng.u32();
    const u = (): number => c[rng.u32() % 62];
    if ((n & 31) === 0) {
      return String.fromCharCode(67, u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u());
    }
    return String.fromCharCode(67, u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u(), u());
  }

  // -------------------------------------------------------------------------------------------
  // Benign traffic

  private benign(): void {
    const rng = this.rng;
    const s = this.site;
    const r = this.rec;
    const client = s.clients.sample(rng);
    const sport = rng.int(client.portLo, client.portHi);
    switch (PROFILES.sample(rng)) {
      case 'ssl': {
        const v6 = client.v6 !== null && rng.chance(0.45);
        this.tcp(v6 ? client.v6! : client.v4, sport, v6 ? s.extWeb6.sample(rng) : s.extWeb.sample(rng), 443,
          rng.chance(0.97) ? 'ssl' : null, 1100, 1.1, 5500, 1.7, 1.4, 1.9);
        break;
      }
      case 'http':
        this.tcp(client.v4, sport, s.extWeb.sample(rng), 80, 'http', 420, 0.8, 3800, 2.0, 0.35, 1.6);
        break;
      case 'intranet_http':
        this.tcp(client.v4, sport, rng.pick(s.webServers), rng.chance(0.5) ? 443 : 8080,
          rng.chance(0.5) ? 'http' : 'ssl', 600, 0.9, 9000, 1.5, 0.8, 1.5);
        break;
      case 'quic': {
        const v6 = client.v6 !== null && rng.chance(0.5);
        this.udp(v6 ? client.v6! : client.v4, sport, v6 ? s.extWeb6.sample(rng) : s.extWeb.sample(rng), 443,
          'quic,ssl', rng.lognormal(2600, 1.0), rng.lognormal(16000, 1.9), rng.lognormal(3, 1.6), 1250);
        break;
      }
      case 'dns': {
        const dst = rng.chance(0.85) ? rng.pick(s.resolvers) : rng.pick(s.publicDns);
        this.dnsQuery(client.v4, sport, dst, 53, 1);
        break;
      }
      case 'dns6': {
        const src = client.v6 ?? client.v4;
        this.dnsQuery(src, sport, src === client.v4 ? rng.pick(s.resolvers) : '2001:db8:1::53', 53, 1);
        break;
      }
      case 'ntp': {
        const linux = client.portLo === 32768;
        this.udp(client.v4, linux ? sport : 123, rng.pick(s.ntpServers), 123, 'ntp', 48, 48,
          rng.lognormal(0.02, 0.8), 1500);
        break;
      }
      case 'ssh': {
        const dst = rng.chance(0.8) ? rng.pick(s.sshServers) : s.extMisc.sample(rng);
        this.tcp(client.v4, sport, dst, 22, 'ssh', 3500, 1.6, 4200, 1.8, 25, 2.2);
        break;
      }
      case 'smb':
        this.tcp(client.v4, sport, rng.pick(s.fileServers), 445,
          rng.pick(['smb', 'gssapi,smb', 'gssapi,ntlm,smb', 'smb', 'smb']), 2500, 2.0, 9000, 2.4, 40, 2.2);
        break;
      case 'krb':
        if (rng.chance(0.6)) {
          this.tcp(client.v4, sport, rng.pick(s.dcs), 88, 'krb_tcp', 1500, 0.4, 1400, 0.5, 0.004, 1.0);
        } else {
          this.udp(client.v4, sport, rng.pick(s.dcs), 88, 'krb', rng.lognormal(1300, 0.3),
            rng.lognormal(1350, 0.4), rng.lognormal(0.002, 1.0), 1500);
        }
        break;
      case 'ldap':
        this.tcp(client.v4, sport, rng.pick(s.dcs), 389, 'ldap', 900, 1.0, 2500, 1.5, 0.05, 2.5);
        break;
      case 'dce_rpc':
        this.tcp(client.v4, sport, rng.pick(s.dcs), rng.chance(0.5) ? 135 : rng.int(49670, 49700), 'dce_rpc',
          700, 0.8, 400, 0.8, 0.01, 1.5);
        break;
      case 'dhcp':
        this.udp(client.v4, 68, s.gateway, 67, 'dhcp', 300, 300, rng.lognormal(0.005, 1.0), 1500);
        break;
      case 'mdns':
        this.oneWay(client.v4, 5353, '224.0.0.251', 5353, 'udp', 'dns', rng.lognormal(90, 0.6), 'D');
        break;
      case 'ssdp':
        this.oneWay(client.v4, sport, '239.255.255.250', 1900, 'udp', null, rng.lognormal(170, 0.2), 'D');
        break;
      case 'netbios':
        this.oneWay(client.v4, 137, `10.1.${1 + rng.int(0, 4)}.255`, 137, 'udp', 'dns', 50, 'D');
        break;
      case 'icmp':
        this.icmp(client.v4, rng.chance(0.8) ? s.extMisc.sample(rng) : rng.pick(s.dcs));
        break;
      case 'smtp':
        this.tcp(client.v4, sport, rng.pick(s.mailServers), rng.chance(0.7) ? 587 : 25, 'smtp',
          9000, 1.8, 900, 0.6, 1.5, 1.2);
        break;
      case 'rdp':
        this.tcp(client.v4, sport, s.clients.sample(rng).v4, 3389, 'rdp', 90000, 1.8, 600000, 2.0, 300, 1.5);
        break;
      case 'other_tcp': {
        const port = OTHER_TCP_PORTS.sample(rng);
        this.tcp(client.v4, sport, s.extMisc.sample(rng), port, OTHER_TCP_SERVICE[port] ?? null,
          700, 1.3, 2200, 1.8, 20, 2.5);
        break;
      }
      case 'other_udp':
        this.udp(client.v4, sport, s.extMisc.sample(rng), rng.pick([3478, 19302, 500, 4500, 1194, 51820]),
          null, rng.lognormal(900, 1.5), rng.lognormal(1100, 1.5), rng.lognormal(10, 2.0), 1200);
        break;
      case 'inbound_scan': {
        // Internet background noise: single SYNs to the exposed address block, mostly unanswered.
        const dst = `10.1.${rng.int(0, 9)}.${rng.int(1, 254)}`;
        const port = INBOUND_SCAN_PORTS.sample(rng);
        this.probe(s.extMisc.sample(rng), rng.int(1024, 65535), dst, port, rng.chance(0.75));
        break;
      }
    }
  }

  private setEnds(src: string, sport: number, dst: string, dport: number): void {
    const r = this.rec;
    r.origH = src;
    r.origP = sport;
    r.respH = dst;
    r.respP = dport;
    r.localOrig = isLocal(src);
    r.localResp = isLocal(dst);
  }

  /** A TCP connection to a listening server; the state decides which fields Zeek fills in. */
  private tcp(
    src: string, sport: number, dst: string, dport: number, service: string | null,
    origMed: number, origSig: number, respMed: number, respSig: number, durMed: number, durSig: number,
  ): void {
    const rng = this.rng;
    const r = this.rec;
    this.setEnds(src, sport, dst, dport);
    r.proto = 'tcp';
    r.ipProto = 6;
    const ovh = TCP_OVERHEAD + (src.includes(':') ? V6_EXTRA : 0);
    const state = TCP_STATES.sample(rng);
    r.connState = state;
    switch (state) {
      case 'S0':
        this.synOnly(ovh);
        return;
      case 'REJ':
        this.rejected(ovh);
        return;
      case 'SH':
      case 'RSTRH':
      case 'SHR':
      case 'OTH': {
        // Partial views (capture started mid-connection or lost packets): no service, tiny counts.
        r.service = null;
        r.history = state === 'SH' ? rng.pick(['F', 'Fa']) : state === 'RSTRH' ? rng.pick(['^r', 'Dr']) :
          state === 'SHR' ? '^fA' : rng.pick(OTH_TCP_HISTORY);
        let op = rng.int(1, 4);
        let rp = state === 'SH' ? 0 : rng.int(0, 3);
        if (rng.chance(0.4)) {
          // A single packet: zero duration, so Zeek leaves duration and byte counts unset.
          op = 1;
          rp = 0;
          r.durationUs = r.origBytes = r.respBytes = -1;
        } else {
          r.durationUs = Math.max(1, Math.round(rng.lognormal(0.5, 2.5) * 1e6));
          r.origBytes = r.history.includes('D') ? Math.round(rng.lognormal(300, 1.5)) : 0;
          r.respBytes = r.history.includes('d') ? Math.round(rng.lognormal(300, 1.5)) : 0;
        }
        r.origPkts = op;
        r.respPkts = rp;
        r.origIpBytes = Math.max(0, r.origBytes) + op * ovh;
        r.respIpBytes = Math.max(0, r.respBytes) + rp * ovh;
        return;
      }
    }
    // An established connection: heavy-tailed transfer sizes; one in twenty responses is a
    // Pareto-tailed download (updates, video), as real resp_bytes are.
    r.service = service;
    let ob = Math.max(1, Math.round(rng.lognormal(origMed, origSig)));
    let rb = rng.chance(0.05)
      ? Math.round(rng.pareto(respMed * 4, 1.15))
      : Math.max(1, Math.round(rng.lognormal(respMed, respSig)));
    if (rb > 8e9) rb = 8e9;
    if (ob > 2e9) ob = 2e9;
    let dur = rng.lognormal(durMed, durSig) + rb / 4e7;
    if (dur > 86400) dur = 86400;
    if (state === 'S1' || state === 'S3') dur += rng.exponential(600);
    r.durationUs = Math.max(1, Math.round(dur * 1e6));
    switch (state) {
      case 'SF': r.history = SF_HISTORY.sample(rng); break;
      case 'RSTO': r.history = rng.pick(RSTO_HISTORY); break;
      case 'RSTR': r.history = rng.pick(RSTR_HISTORY); break;
      case 'S1': r.history = rng.pick(['ShADad', 'ShADadt', 'ShAD']); break;
      default: r.history = rng.pick(['ShADadf', 'ShAdDaf', 'ShAdDaft']); break; // S3
    }
    if (r.history === 'ShR') {
      ob = 0;
      rb = 0;
    }
    r.origBytes = ob;
    r.respBytes = rb;
    const oseg = Math.ceil(ob / MSS);
    const rseg = Math.ceil(rb / MSS);
    // Handshake and teardown, data segments, and delayed ACKs (one per two segments of the peer).
    const op = 3 + oseg + (rseg >> 1);
    const rp = 2 + rseg + (oseg >> 1);
    r.origPkts = op;
    r.respPkts = rp;
    r.origIpBytes = ob + op * ovh;
    r.respIpBytes = rb + rp * ovh;
    if (rng.chance(0.002)) r.missedBytes = Math.min(rb, Math.round(rng.lognormal(3000, 1.5)));
  }

  private synOnly(ovh: number): void {
    const rng = this.rng;
    const r = this.rec;
    r.service = null;
    r.history = 'S';
    r.respBytes = -1;
    const tries = rng.chance(0.6) ? 1 : rng.int(2, 4);
    r.origPkts = tries;
    r.origIpBytes = tries * (ovh + 8);
    r.respPkts = 0;
    r.respIpBytes = 0;
    if (tries === 1) {
      // One packet: zero duration, and Zeek then leaves duration and both byte counts unset.
      r.durationUs = r.origBytes = r.respBytes = -1;
    } else {
      // SYN retransmission backs off 1 s, 2 s, 4 s.
      r.durationUs = Math.round(((1 << (tries - 1)) - 1 + rng.float() * 0.01) * 1e6);
      r.origBytes = 0;
      r.respBytes = 0;
    }
  }

  private rejected(ovh: number): void {
    const r = this.rec;
    r.service = null;
    r.history = 'Sr';
    r.durationUs = Math.max(1, Math.round(this.rng.lognormal(0.0004, 1.2) * 1e6));
    r.origBytes = 0;
    r.respBytes = 0;
    r.origPkts = 1;
    r.origIpBytes = ovh + 8;
    r.respPkts = 1;
    r.respIpBytes = ovh - 12;
  }

  private probe(src: string, sport: number, dst: string, dport: number, unanswered: boolean): void {
    const r = this.rec;
    this.setEnds(src, sport, dst, dport);
    r.proto = 'tcp';
    r.ipProto = 6;
    if (unanswered) {
      r.connState = 'S0';
      r.service = null;
      r.history = 'S';
      r.durationUs = r.origBytes = r.respBytes = -1;
      r.origPkts = 1;
      r.origIpBytes = 40 + (this.rng.chance(0.5) ? 4 : 0);
      r.respPkts = 0;
      r.respIpBytes = 0;
    } else {
      r.connState = 'REJ';
      this.rejected(TCP_OVERHEAD - 12);
    }
  }

  /** A UDP request/response exchange. */
  private udp(
    src: string, sport: number, dst: string, dport: number, service: string | null,
    ob: number, rb: number, durS: number, mtu: number, lossP = 0.04,
  ): void {
    const rng = this.rng;
    const r = this.rec;
    this.setEnds(src, sport, dst, dport);
    r.proto = 'udp';
    r.ipProto = 17;
    const ovh = UDP_OVERHEAD + (src.includes(':') ? V6_EXTRA : 0);
    if (rng.chance(lossP)) {
      // No answer: Zeek calls the flow S0 and, having seen only the request, still names the
      // service when the analyzer recognised it.
      r.connState = 'S0';
      r.service = service;
      r.history = 'D';
      const n = rng.chance(0.7) ? 1 : rng.int(2, 3);
      const size = Math.max(1, Math.round(ob / Math.max(1, Math.ceil(ob / mtu))));
      r.origPkts = n;
      r.origIpBytes = n * (size + ovh);
      r.respPkts = 0;
      r.respIpBytes = 0;
      if (n === 1) {
        r.durationUs = r.origBytes = r.respBytes = -1;
      } else {
        r.durationUs = Math.round(rng.lognormal(1, 0.5) * 1e6);
        r.origBytes = n * size;
        r.respBytes = 0;
      }
      return;
    }
    r.connState = 'SF';
    r.service = service;
    r.history = 'Dd';
    const o = Math.max(1, Math.round(ob));
    const b = Math.max(1, Math.round(rb));
    const op = Math.ceil(o / mtu);
    const rp = Math.ceil(b / mtu);
    r.durationUs = Math.max(1, Math.round(durS * 1e6));
    r.origBytes = o;
    r.respBytes = b;
    r.origPkts = op;
    r.respPkts = rp;
    r.origIpBytes = o + op * ovh;
    r.respIpBytes = b + rp * ovh;
  }

  private dnsQuery(src: string, sport: number, dst: string, dport: number, scale: number): void {
    const rng = this.rng;
    const q = Math.round((17 + rng.lognormal(22, 0.35)) * scale);
    const a = q + Math.round(rng.lognormal(70, 0.9));
    this.udp(src, sport, dst, dport, 'dns', q, a, rng.lognormal(0.012, 1.3), 1500);
  }

  /** Multicast/broadcast announcements: one packet, no answer, so no duration or bytes. */
  private oneWay(src: string, sport: number, dst: string, dport: number, proto: 'udp', service: string | null,
    size: number, history: string): void {
    const r = this.rec;
    this.setEnds(src, sport, dst, dport);
    r.proto = proto;
    r.ipProto = 17;
    r.connState = 'S0';
    r.service = service;
    r.history = history;
    r.durationUs = r.origBytes = r.respBytes = -1;
    r.origPkts = 1;
    r.origIpBytes = Math.round(size) + UDP_OVERHEAD;
    r.respPkts = 0;
    r.respIpBytes = 0;
  }

  private icmp(src: string, dst: string): void {
    const rng = this.rng;
    const r = this.rec;
    this.setEnds(src, 0, dst, 0);
    r.proto = 'icmp';
    r.ipProto = 1;
    r.connState = 'OTH';
    r.service = null;
    r.history = null;
    if (rng.chance(0.75)) {
      // Echo request/reply: Zeek puts the ICMP type and code in the port fields.
      r.origP = 8;
      const n = rng.chance(0.7) ? rng.int(1, 4) : rng.int(5, 60);
      const size = rng.chance(0.7) ? 56 : 32;
      const answered = rng.chance(0.85);
      r.origPkts = n;
      r.respPkts = answered ? n : 0;
      if (n === 1 && !answered) {
        r.durationUs = r.origBytes = r.respBytes = -1;
      } else {
        r.durationUs = Math.round(((n - 1) * 1.0 + rng.lognormal(0.02, 1.0)) * 1e6);
        r.origBytes = n * size;
        r.respBytes = answered ? n * size : 0;
      }
      r.origIpBytes = n * (size + 28);
      r.respIpBytes = answered ? n * (size + 28) : 0;
    } else {
      // Destination unreachable (type 3) with some code, as routers send back.
      r.origP = 3;
      r.respP = rng.pick([0, 1, 3, 3, 3, 13]);
      r.origPkts = 1;
      r.respPkts = 0;
      r.durationUs = r.origBytes = r.respBytes = -1;
      r.origIpBytes = 56 + rng.int(0, 1) * 20;
      r.respIpBytes = 0;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Injected anomalies

  private newEpisode(kind: AnomalyKind): Episode {
    const rng = this.rng;
    const s = this.site;
    const insider = s.clients.sample(rng);
    // Episodes must fit inside the requested rate even for small outputs, and one kind's long
    // episodes must not use up the rows the other kinds' shares need.
    const expectedRows = Math.min(this.options.rows, this.options.bytes / ROW_BYTES_ESTIMATE);
    const budget = this.options.anomalyRate * expectedRows;
    const cap = Math.max(5, Math.floor(budget / 6));
    const left = Math.floor(KIND_SHARE[ANOMALY_KINDS.indexOf(kind)] * budget - this.kindRows[ANOMALY_KINDS.indexOf(kind)]);
    const len = (median: number, sigma: number, lo: number, hi: number): number => {
      const n = Math.min(cap, Math.max(lo, Math.min(hi, Math.round(rng.lognormal(median, sigma)))));
      return Math.max(1, Math.min(n, left > 0 ? left : Math.min(lo, 5)));
    };
    const ep: Episode = {
      kind, left: 1, density: 1, src: insider.v4, srcPort: rng.int(insider.portLo, insider.portHi),
      dst: '', dstPort: 0, k1: 0, k2: 0, nextUs: Infinity, periodUs: 0,
    };
    switch (kind) {
      case 'PortScan':
        // nmap-style SYN scan: one source port, one target, many destination ports.
        if (rng.chance(0.3)) ep.src = s.extMisc.sample(rng);
        ep.srcPort = rng.int(33000, 65000);
        ep.dst = rng.chance(0.5) ? rng.pick([...s.fileServers, ...s.dcs, ...s.sshServers]) : s.clients.sample(rng).v4;
        ep.left = len(400, 0.7, 30, 3000);
        ep.density = 0.6;
        ep.k1 = rng.int(1, 1000);
        ep.k2 = rng.pick([1, 7, 13, 101, 211]);
        break;
      case 'SSH-BruteForce':
        ep.src = s.extMisc.sample(rng);
        ep.dst = rng.pick(s.sshServers);
        ep.dstPort = 22;
        ep.left = len(150, 0.8, 20, 2000);
        ep.density = 0.25;
        break;
      case 'DNS-Tunneling':
        ep.dst = rng.chance(0.7) ? rng.pick(s.resolvers) : s.extMisc.sample(rng);
        ep.dstPort = 53;
        ep.left = len(300, 0.8, 30, 4000);
        ep.density = 0.3;
        break;
      case 'C&C-Beacon':
        ep.dst = s.extMisc.sample(rng);
        ep.dstPort = rng.pick(BEACON_PORTS);
        ep.left = len(200, 0.7, 10, 2000);
        ep.k1 = rng.int(150, 600); // request size
        ep.k2 = rng.int(100, 400); // reply size
        ep.periodUs = rng.pick([30, 60, 60, 120, 300, 600]) * 1e6;
        break;
      case 'Exfiltration':
        ep.dst = publicV4(rng);
        ep.dstPort = rng.pick([443, 443, 8443, 21, 22, 993]);
        ep.left = len(3, 0.8, 1, 20);
        break;
      case 'LongLived-OddProto':
        ep.dst = publicV4(rng);
        ep.left = len(2, 0.5, 1, 5);
        ep.k1 = rng.pick([47, 50, 41, 132, 6667]);
        break;
    }
    this.kindRows[ANOMALY_KINDS.indexOf(kind)] += ep.left;
    this.malRows += ep.left;
    return ep;
  }

  private malicious(ep: Episode): void {
    const rng = this.rng;
    const r = this.rec;
    r.anomaly = ep.kind;
    ep.left--;
    if (ep.left <= 0 && this.burst === ep) this.burst = null;
    switch (ep.kind) {
      case 'PortScan': {
        const port = 1 + ((ep.k1 + ep.left * ep.k2) % (rng.chance(0.8) ? 1024 : 65535));
        this.setEnds(ep.src, ep.srcPort, ep.dst, port);
        r.proto = 'tcp';
        r.ipProto = 6;
        if (rng.chance(0.8)) {
          r.connState = 'S0';
          r.service = null;
          r.history = 'S';
          r.durationUs = r.origBytes = r.respBytes = -1;
          r.origPkts = 1;
          r.origIpBytes = 44;
          r.respPkts = 0;
          r.respIpBytes = 0;
        } else {
          r.connState = 'REJ';
          this.rejected(TCP_OVERHEAD - 8);
        }
        return;
      }
      case 'SSH-BruteForce': {
        this.setEnds(ep.src, rng.int(32768, 60999), ep.dst, 22);
        r.proto = 'tcp';
        r.ipProto = 6;
        r.service = 'ssh';
        const ok = rng.chance(0.7);
        r.connState = ok ? 'SF' : 'RSTO';
        r.history = ok ? 'ShAdDaFf' : 'ShAdDaR';
        const ob = rng.int(1500, 2600);
        const rb = rng.int(2200, 3200);
        r.durationUs = Math.round(rng.lognormal(3.2, 0.3) * 1e6);
        r.origBytes = ob;
        r.respBytes = rb;
        r.origPkts = rng.int(12, 22);
        r.respPkts = rng.int(11, 20);
        r.origIpBytes = ob + r.origPkts * TCP_OVERHEAD;
        r.respIpBytes = rb + r.respPkts * TCP_OVERHEAD;
        return;
      }
      case 'DNS-Tunneling': {
        // Long encoded labels make the queries several times bigger than normal lookups.
        const q = rng.int(150, 255);
        const a = q + rng.int(60, 400);
        this.udp(ep.src, rng.int(32768, 60999), ep.dst, 53, 'dns', q, a, rng.lognormal(0.03, 0.8), 1500, 0);
        return;
      }
      case 'C&C-Beacon': {
        // Check-ins at a fixed interval with a few percent of jitter, as implants sleep.
        ep.nextUs = this.nowUs + Math.round(ep.periodUs * (0.95 + 0.1 * rng.float()));
        if (ep.left <= 0) this.beacons.splice(this.beacons.indexOf(ep), 1);
        this.setEnds(ep.src, rng.int(49152, 65535), ep.dst, ep.dstPort);
        r.proto = 'tcp';
        r.ipProto = 6;
        r.connState = 'SF';
        r.service = null;
        r.history = 'ShADadFf';
        const ob = ep.k1 + rng.int(-2, 2);
        const rb = ep.k2 + rng.int(-2, 2);
        r.durationUs = Math.round(rng.lognormal(0.18, 0.15) * 1e6);
        r.origBytes = ob;
        r.respBytes = rb;
        r.origPkts = 5;
        r.respPkts = 4;
        r.origIpBytes = ob + 5 * TCP_OVERHEAD;
        r.respIpBytes = rb + 4 * TCP_OVERHEAD;
        return;
      }
      case 'Exfiltration': {
        this.setEnds(ep.src, rng.int(49152, 65535), ep.dst, ep.dstPort);
        r.proto = 'tcp';
        r.ipProto = 6;
        r.connState = rng.chance(0.8) ? 'SF' : 'RSTO';
        r.service = ep.dstPort === 21 ? 'ftp' : ep.dstPort === 22 ? 'ssh' : rng.chance(0.5) ? 'ssl' : null;
        r.history = r.connState === 'SF' ? 'ShADadFf' : 'ShADadR';
        const ob = Math.min(2e10, Math.round(rng.pareto(3e8, 1.3)));
        const rb = Math.round(rng.lognormal(20000, 1.0) + ob / 400);
        r.durationUs = Math.round((ob / rng.lognormal(3e6, 0.8) + rng.float()) * 1e6);
        r.origBytes = ob;
        r.respBytes = rb;
        r.origPkts = 3 + Math.ceil(ob / MSS);
        r.respPkts = 2 + Math.ceil(ob / MSS / 2);
        r.origIpBytes = ob + r.origPkts * TCP_OVERHEAD;
        r.respIpBytes = rb + r.respPkts * TCP_OVERHEAD;
        return;
      }
      case 'LongLived-OddProto': {
        const durS = rng.lognormal(8 * 3600, 0.6);
        if (ep.k1 === 6667) {
          // IRC-style control channel that stays up for hours.
          this.setEnds(ep.src, rng.int(49152, 65535), ep.dst, 6667);
          r.proto = 'tcp';
          r.ipProto = 6;
          r.connState = 'S1';
          r.service = 'irc';
          r.history = 'ShADad';
          const ob = Math.round(durS * rng.lognormal(30, 0.5));
          const rb = Math.round(durS * rng.lognormal(60, 0.5));
          r.durationUs = Math.round(durS * 1e6);
          r.origBytes = ob;
          r.respBytes = rb;
          r.origPkts = Math.round(durS / 20) + 3;
          r.respPkts = Math.round(durS / 20) + 2;
          r.origIpBytes = ob + r.origPkts * TCP_OVERHEAD;
          r.respIpBytes = rb + r.respPkts * TCP_OVERHEAD;
        } else {
          // A tunnel in a protocol Zeek has no analyzer for (GRE, ESP, 6in4, SCTP): Zeek 6.1+
          // logs it as unknown_transport with the IP protocol number and zero ports.
          this.setEnds(ep.src, 0, ep.dst, 0);
          r.proto = 'unknown_transport';
          r.ipProto = ep.k1;
          r.connState = 'OTH';
          r.service = null;
          r.history = null;
          const op = Math.round(durS * rng.lognormal(40, 0.7));
          const rp = Math.round(durS * rng.lognormal(35, 0.7));
          r.durationUs = Math.round(durS * 1e6);
          r.origBytes = 0;
          r.respBytes = 0;
          r.origPkts = op;
          r.respPkts = rp;
          r.origIpBytes = op * rng.int(200, 1400);
          r.respIpBytes = rp * rng.int(200, 1400);
        }
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting: straight into bytes. Building lines as strings and concatenating them made V8 keep
// megabyte ropes alive until flattening, and the generator spent over half its time in GC;
// writing ASCII bytes into a preallocated buffer makes each row's garbage die young.

/** An ASCII byte sink over one buffer; the caller keeps `pos + maxRow <= buf.length`. */
class Sink {
  pos = 0;
  constructor(public buf: Uint8Array) {}

  str(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A non-negative integer below 2^53. */
  uint(n: number): void {
    const b = this.buf;
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    let len: number;
    if (n < 100000) len = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
    else if (n < 1e10) len = n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
    else {
      len = 11;
      for (let t = n / 1e11; t >= 1; t /= 10) len++;
    }
    let p = this.pos + len;
    this.pos = p;
    if (n < 2147483648) {
      while (n >= 10) {
        const q = (n / 10) | 0;
        b[--p] = 48 + n - q * 10;
        n = q;
      }
    } else {
      while (n >= 10) {
        const d = n % 10;
        b[--p] = 48 + d;
        n = (n - d) / 10;
      }
    }
    b[--p] = 48 + n;
  }

  /** Integer microseconds in Zeek's 6-decimal form ("1717200000.000123"). */
  micros(us: number): void {
    const s = Math.floor(us / 1e6);
    let f = us - s * 1e6;
    this.uint(s);
    const b = this.buf;
    b[this.pos] = 46;
    let p = this.pos + 7;
    this.pos = p;
    for (let i = 0; i < 6; i++) {
      const q = (f / 10) | 0;
      b[--p] = 48 + f - q * 10;
      f = q;
    }
  }

  /** The same value as rapidjson prints a double: 6 decimals at most, no trailing zeros, "x.0". */
  jsonMicros(us: number): void {
    const s = Math.floor(us / 1e6);
    let f = us - s * 1e6;
    this.uint(s);
    this.byte(46);
    if (f === 0) {
      this.byte(48);
      return;
    }
    let digits = 6;
    while (f % 10 === 0) {
      f /= 10;
      digits--;
    }
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    for (let i = 0; i < digits; i++) {
      const q = (f / 10) | 0;
      b[--p] = 48 + f - q * 10;
      f = q;
    }
  }
}

const TAB = 9;
const NL = 10;
const DASH = 45;
const T = 84;
const F = 70;

/** Integer microseconds as Zeek's 6-decimal fixed form ("1717200000.000123"). */
export function formatMicros(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(1000000 + (us - s * 1e6)).slice(1)}`;
}

/** `2024-06-01-00-00-00`, the form of Zeek's #open and #close lines (here in UTC). */
export function zeekDirectiveTime(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds) * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** The header block Zeek writes before the first conn.log record. */
export function connLogHeader(opts: { labels?: boolean; openTime: number }): string {
  const fields = opts.labels ? [...CONN_FIELDS, ...LABEL_FIELDS] : CONN_FIELDS;
  const types = opts.labels ? [...CONN_TYPES, 'string', 'string'] : CONN_TYPES;
  return (
    '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n' +
    `#open\t${zeekDirectiveTime(opts.openTime)}\n#fields\t${fields.join('\t')}\n#types\t${types.join('\t')}\n`
  );
}

function writeTsv(o: Sink, r: ConnRecord, labels: boolean): void {
  o.micros(r.tsUs);
  o.byte(TAB);
  o.str(r.uid);
  o.byte(TAB);
  o.str(r.origH);
  o.byte(TAB);
  o.uint(r.origP);
  o.byte(TAB);
  o.str(r.respH);
  o.byte(TAB);
  o.uint(r.respP);
  o.byte(TAB);
  o.str(r.proto);
  o.byte(TAB);
  if (r.service === null) o.byte(DASH);
  else o.str(r.service);
  o.byte(TAB);
  if (r.durationUs < 0) o.byte(DASH);
  else o.micros(r.durationUs);
  o.byte(TAB);
  if (r.origBytes < 0) o.byte(DASH);
  else o.uint(r.origBytes);
  o.byte(TAB);
  if (r.respBytes < 0) o.byte(DASH);
  else o.uint(r.respBytes);
  o.byte(TAB);
  o.str(r.connState);
  o.byte(TAB);
  o.byte(r.localOrig ? T : F);
  o.byte(TAB);
  o.byte(r.localResp ? T : F);
  o.byte(TAB);
  o.uint(r.missedBytes);
  o.byte(TAB);
  if (r.history === null) o.byte(DASH);
  else o.str(r.history);
  o.byte(TAB);
  o.uint(r.origPkts);
  o.byte(TAB);
  o.uint(r.origIpBytes);
  o.byte(TAB);
  o.uint(r.respPkts);
  o.byte(TAB);
  o.uint(r.respIpBytes);
  o.byte(TAB);
  o.byte(DASH); // tunnel_parents: unset outside tunnels
  o.byte(TAB);
  o.uint(r.ipProto);
  if (labels) {
    if (r.anomaly === null) o.str('\tBenign\t-');
    else {
      o.str('\tMalicious\t');
      o.str(r.anomaly);
    }
  }
  o.byte(NL);
}

/** As Zeek's JSON writer emits a record: unset fields omitted, ts as epoch seconds. */
function writeJson(o: Sink, r: ConnRecord, labels: boolean): void {
  o.str('{"ts":');
  o.jsonMicros(r.tsUs);
  o.str(',"uid":"');
  o.str(r.uid);
  o.str('","id.orig_h":"');
  o.str(r.origH);
  o.str('","id.orig_p":');
  o.uint(r.origP);
  o.str(',"id.resp_h":"');
  o.str(r.respH);
  o.str('","id.resp_p":');
  o.uint(r.respP);
  o.str(',"proto":"');
  o.str(r.proto);
  o.byte(34);
  if (r.service !== null) {
    o.str(',"service":"');
    o.str(r.service);
    o.byte(34);
  }
  if (r.durationUs >= 0) {
    o.str(',"duration":');
    o.jsonMicros(r.durationUs);
  }
  if (r.origBytes >= 0) {
    o.str(',"orig_bytes":');
    o.uint(r.origBytes);
  }
  if (r.respBytes >= 0) {
    o.str(',"resp_bytes":');
    o.uint(r.respBytes);
  }
  o.str(',"conn_state":"');
  o.str(r.connState);
  o.str(r.localOrig ? '","local_orig":true' : '","local_orig":false');
  o.str(r.localResp ? ',"local_resp":true' : ',"local_resp":false');
  o.str(',"missed_bytes":');
  o.uint(r.missedBytes);
  if (r.history !== null) {
    o.str(',"history":"');
    o.str(r.history);
    o.byte(34);
  }
  o.str(',"orig_pkts":');
  o.uint(r.origPkts);
  o.str(',"orig_ip_bytes":');
  o.uint(r.origIpBytes);
  o.str(',"resp_pkts":');
  o.uint(r.respPkts);
  o.str(',"resp_ip_bytes":');
  o.uint(r.respIpBytes);
  o.str(',"ip_proto":');
  o.uint(r.ipProto);
  if (labels) {
    if (r.anomaly === null) o.str(',"label":"Benign"');
    else {
      o.str(',"label":"Malicious","detailed-label":"');
      o.str(r.anomaly);
      o.byte(34);
    }
  }
  o.byte(125);
  o.byte(NL);
}

/** A generated row is well under this many bytes (the longest is an IPv6 pair with labels). */
const MAX_ROW = 1024;

/** One record as the text it becomes in the log, line end included. */
export function formatRecord(r: ConnRecord, format: GenFormat, labels: boolean): string {
  const o = new Sink(new Uint8Array(MAX_ROW));
  if (format === 'tsv') writeTsv(o, r, labels);
  else writeJson(o, r, labels);
  return Buffer.from(o.buf.buffer, 0, o.pos).toString('latin1');
}

/**
 * The whole log as chunks of about `chunkBytes` bytes (ASCII), header and `#close` included for
 * TSV. Each chunk is a fresh buffer the caller may keep; memory stays bounded by the chunks the
 * consumer holds, whatever `rows` is.
 */
export function* generateConnLog(options: ConnGenOptions, chunkBytes = 4 << 20): Generator<Buffer, void, undefined> {
  const gen = new ConnGenerator(options);
  const { rows, bytes, labels, format, startTime } = gen.options;
  const tsv = format === 'tsv';
  const size = Math.max(chunkBytes, 2 * MAX_ROW);
  const limit = size - MAX_ROW;
  let o = new Sink(Buffer.allocUnsafe(size));
  if (tsv) o.str(connLogHeader({ labels, openTime: startTime }));
  let flushed = 0;
  for (let i = 0; i < rows && flushed + o.pos < bytes; i++) {
    const r = gen.next();
    if (tsv) writeTsv(o, r, labels);
    else writeJson(o, r, labels);
    if (o.pos >= limit) {
      flushed += o.pos;
      yield (o.buf as Buffer).subarray(0, o.pos);
      o = new Sink(Buffer.allocUnsafe(size));
    }
  }
  if (tsv) o.str(`#close\t${zeekDirectiveTime(gen.timeUs / 1e6 + 1)}\n`);
  if (o.pos > 0) yield (o.buf as Buffer).subarray(0, o.pos);
}

/** The whole log as one string: for tests and small outputs only. */
export function generateConnLogString(options: ConnGenOptions): string {
  const parts: string[] = [];
  for (const c of generateConnLog(options, 1 << 16)) parts.push(c.toString('latin1'));
  return parts.join('');
}
