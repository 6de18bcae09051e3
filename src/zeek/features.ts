// The conn.log feature set: which columns to read, how each becomes a number, and the learnt
// encoding (frequency tables) that travels inside the model file as a versioned JSON spec.
// Every formula and constant here is part of FEATURE_SPEC_VERSION: change one, bump the version.
// docs/FEATURES.md gives the reason for each choice.

import { ReservoirSampler } from '../reservoir.js';
import {
  buildFrequencyTable,
  ValueCounter,
  type CategoryKey,
  type FrequencyTable,
} from './frequency.js';
import { fieldIndex } from './field-names.js';
import type { ColumnRequest, RecordBatch, ZeekHeader } from './types.js';

export type { CategoryKey, FrequencyTable } from './frequency.js';

/** Version of the formulas below; a model whose spec has another version is refused, not guessed at. */
export const FEATURE_SPEC_VERSION = 1;

// The encoders below return these through module-local names: V8's optimizing compiler types a
// read of an exported binding as any value, and a function that returns either that or a computed
// number then boxes every number it returns, 16 bytes of garbage per value (130 of the 200 bytes
// featurize allocated per record).
const UNSET = -1;
const UNKNOWN_BOOL = 0.5;

/** Value of a log-scaled count or duration that is unset (or impossible: negative). Below every real value (log1p ≥ 0). */
export const UNSET_VALUE = UNSET;

/** Value of local_orig / local_resp when unset or absent from the log: between F (0) and T (1). */
export const UNKNOWN_BOOL_VALUE = UNKNOWN_BOOL;

/** Zeek logs its durations to the microsecond; log1p of microseconds spreads 1 µs … 1 day over [0.7, 25]. */
const DURATION_SCALE = 1e6;

/** Columns that carry ground truth in labelled captures (Stratosphere, IoT-23); never features. */
export const LABEL_COLUMNS: readonly string[] = ['label', 'detailed-label', 'detailedlabel'];

/** Tracked distinct values per field while learning: every tcp and udp port fits. */
const MAX_TRACKED_VALUES = 131_072;
/**
 * Upper bound on a stored table, also enforced on untrusted specs. Five tables this size stay
 * under the model file's 16 MiB limit on the spec for values of typical length.
 */
const MAX_TABLE_ENTRIES = 65_536;
const DEFAULT_MAX_CATEGORIES = 10_000;
const DEFAULT_SAMPLE_SIZE = 65_536;
/** Largest finite float32: a code beyond it would become Infinity in the f32 rows. */
const F32_MAX = 3.4028234663852886e38;

type FeatureKind = 'log1p' | 'ratio' | 'perPacket' | 'frequency' | 'port' | 'bool';

interface FeatureDef {
  readonly name: string;
  readonly kind: FeatureKind;
  /** Zeek fields read, in the order the encoder uses them. */
  readonly fields: readonly string[];
  /** Multiplier applied before log1p (log1p only). */
  readonly scale?: number;
  /**
   * Left out of the default set when no training record has it set: old Bro logs lack local_resp,
   * and both are unset wherever Site::local_nets is not configured; a constant column isolates nothing.
   */
  readonly optional?: boolean;
}

// The catalogue, in default order. Names are what users pass to choose features.
const CATALOGUE = [
  { name: 'duration', kind: 'log1p', fields: ['duration'], scale: DURATION_SCALE },
  { name: 'orig_bytes', kind: 'log1p', fields: ['orig_bytes'] },
  { name: 'resp_bytes', kind: 'log1p', fields: ['resp_bytes'] },
  { name: 'orig_pkts', kind: 'log1p', fields: ['orig_pkts'] },
  { name: 'resp_pkts', kind: 'log1p', fields: ['resp_pkts'] },
  { name: 'orig_ip_bytes', kind: 'log1p', fields: ['orig_ip_bytes'] },
  { name: 'resp_ip_bytes', kind: 'log1p', fields: ['resp_ip_bytes'] },
  { name: 'missed_bytes', kind: 'log1p', fields: ['missed_bytes'] },
  { name: 'resp_orig_bytes_ratio', kind: 'ratio', fields: ['resp_bytes', 'orig_bytes'] },
  { name: 'orig_bytes_per_pkt', kind: 'perPacket', fields: ['orig_ip_bytes', 'orig_pkts'] },
  { name: 'resp_bytes_per_pkt', kind: 'perPacket', fields: ['resp_ip_bytes', 'resp_pkts'] },
  { name: 'proto', kind: 'frequency', fields: ['proto'] },
  { name: 'service', kind: 'frequency', fields: ['service'] },
  { name: 'conn_state', kind: 'frequency', fields: ['conn_state'] },
  { name: 'history', kind: 'frequency', fields: ['history'] },
  { name: 'resp_port', kind: 'port', fields: ['id.resp_p', 'proto'] },
  { name: 'local_orig', kind: 'bool', fields: ['local_orig'], optional: true },
  { name: 'local_resp', kind: 'bool', fields: ['local_resp'], optional: true },
] as const satisfies readonly FeatureDef[];

export type ConnFeatureName = (typeof CATALOGUE)[number]['name'];

/** Every feature name, in default order. */
export const CONN_FEATURES: readonly ConnFeatureName[] = CATALOGUE.map((d) => d.name);

const DEFS = new Map<string, FeatureDef>(CATALOGUE.map((d) => [d.name, d]));

/** Zeek fields read as strings; every other field is read as a number. */
const STRING_FIELDS = new Set(['proto', 'service', 'conn_state', 'history']);

function isCategorical(def: FeatureDef): boolean {
  return def.kind === 'frequency' || def.kind === 'port';
}

/**
 * Whether `value` of the feature `name` stands for an unset Zeek field: UNSET_VALUE for the
 * counts, the duration and the per-packet sizes, whose real values are all ≥ 0. The ratio's 0 and
 * the booleans' 0.5 also stand for unset but are real values too, so they never count; an unset
 * categorical is a value of its own, with its frequency code.
 */
export function isUnsetFeatureValue(name: string, value: number): boolean {
  const kind = DEFS.get(name)?.kind;
  return (kind === 'log1p' || kind === 'perPacket') && value === UNSET_VALUE;
}

/**
 * The learnt encoding of a conn.log model: plain JSON, stored in the model file, so scoring uses
 * exactly the encoding the model was fitted with.
 */
export interface FeatureSpec {
  name: 'conn';
  version: typeof FEATURE_SPEC_VERSION;
  /** Output columns, in order: row r, feature j is at out[r * features.length + j]. */
  features: ConnFeatureName[];
  /** Training records observed (all of them, not the sample). */
  records: number;
  /**
   * One frequency table per selected categorical feature, keyed by feature name. Values of
   * resp_port are Zeek port notation "<port>/<proto>" ("53/udp"), "-" where unset.
   */
  tables: Partial<Record<ConnFeatureName, FrequencyTable>>;
}

/** Options of the learner (and of connFeatureColumns before a spec exists). */
export interface ConnFeatureOptions {
  /** Feature names to use, in output order. Default: all of CONN_FEATURES, local_* only if set in some training record. */
  features?: readonly string[];
  /** Records kept by the reservoir for fitting (k). Default 65,536; 0 counts only. */
  sampleSize?: number;
  /** Seed of the reservoir; same seed + same records ⇒ same sample, whatever the batching. Default 0. */
  seed?: number;
  /** Largest frequency table stored per categorical feature; rarer values get the unseen code. Default 10,000. */
  maxCategories?: number;
}

/** A log that is not a conn log (a dns.log, say): its records carry none of the features. */
export class NotConnLogError extends Error {
  override name = 'NotConnLogError';
}

/** Fields every conn log has; a log with none of them is another kind of log. */
const CONN_MARKERS = ['conn_state', 'orig_bytes', 'resp_bytes', 'duration', 'history', 'orig_pkts', 'resp_pkts'];

/**
 * Throws NotConnLogError when a header block plainly belongs to another log: scoring a dns.log
 * with conn features would give every record the same meaningless score, silently. Headers whose
 * fields are not known yet (an empty list) pass.
 */
export function assertConnLog(header: ZeekHeader, file: string): void {
  if (header.fields.length === 0 || CONN_MARKERS.some((f) => header.fields.includes(f))) return;
  const what = header.path !== '' && header.path !== 'conn' ? `a ${header.path} log` : 'not a conn log';
  throw new NotConnLogError(
    `${file}: this is ${what}: it has none of the conn.log fields ${CONN_MARKERS.slice(0, 4).join(', ')}…; zeek-iforest scores Zeek conn logs`,
  );
}

/**
 * Watches which of the requested fields ever carry a value, batch by batch: a feature whose fields
 * are never set gives every record the same value and isolates nothing, which a user should hear
 * about (a log whose fields are named otherwise, a site without Site::local_nets).
 */
export class FieldPresence {
  private readonly waiting: Set<string>;

  constructor(columns: readonly ColumnRequest[]) {
    this.waiting = new Set(columns.map((c) => c.name));
  }

  observe(batch: Pick<RecordBatch, 'length' | 'numbers' | 'strings'>): void {
    if (this.waiting.size === 0) return;
    for (const name of this.waiting) {
      const num = batch.numbers.get(name);
      const str = batch.strings.get(name);
      // Stops at the first value: a field that is there costs one look per batch.
      let set = false;
      if (num !== undefined) for (let r = 0; r < batch.length && !set; r++) set = !Number.isNaN(num[r]);
      if (str !== undefined) for (let r = 0; r < batch.length && !set; r++) set = str[r] !== null;
      if (set) this.waiting.delete(name);
    }
  }

  /** For each feature of `spec` that reads a field no record had set: the feature and those fields. */
  unsetFeatures(spec: FeatureSpec): { feature: ConnFeatureName; fields: string[] }[] {
    const out: { feature: ConnFeatureName; fields: string[] }[] = [];
    for (const name of spec.features) {
      const fields = DEFS.get(name)!.fields.filter((f) => this.waiting.has(f));
      if (fields.length > 0) out.push({ feature: name, fields });
    }
    return out;
  }
}

/**
 * The fields the features of `spec` read that a TSV header block lacks (by Zeek name, or its
 * "_"-scoped spelling, as the reader finds them), in catalogue order, and the features that read
 * them: every record under that header has those fields unset. Fields read only to be checked
 * (ALWAYS_READ) do not count: no feature of the model sees them.
 */
export function fieldsMissingFrom(header: ZeekHeader, spec: FeatureSpec): { fields: string[]; features: ConnFeatureName[] } {
  const used = fieldsOf(spec.features);
  const fields = columnsFor(spec.features).map((c) => c.name).filter((f) => used.has(f) && fieldIndex(header.fields, f) < 0);
  const features = spec.features.filter((name) => DEFS.get(name)!.fields.some((f) => fields.includes(f)));
  return { fields, features };
}

/** An untrusted spec (e.g. from a model file) that cannot be used. */
export class FeatureSpecError extends Error {
  override name = 'FeatureSpecError';
}

// ---------------------------------------------------------------------------------------------
// Option validation: messages name the option and the bad value, and list what would be valid.

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  return typeof x;
}

const VALID_NAMES = `valid names: ${CATALOGUE.map((d) => d.name).join(', ')}`;

function checkFeatureNames(names: unknown, where: string, make: (m: string) => Error): ConnFeatureName[] {
  if (!Array.isArray(names)) {
    throw make(`${where} must be an array of feature names, got ${describe(names)}; ${VALID_NAMES}`);
  }
  if (names.length === 0) throw make(`${where} must name at least one feature; ${VALID_NAMES}`);
  const seen = new Set<string>();
  for (const name of names as unknown[]) {
    if (typeof name === 'string' && LABEL_COLUMNS.includes(name)) {
      throw make(`${where}: "${name}" is a label column, never a feature; ${VALID_NAMES}`);
    }
    if (typeof name !== 'string' || !DEFS.has(name)) {
      throw make(`${where}: unknown feature ${describe(name)}; ${VALID_NAMES}`);
    }
    if (seen.has(name)) throw make(`${where}: "${name}" is listed twice`);
    seen.add(name);
  }
  return names as ConnFeatureName[];
}

function checkInteger(value: unknown, option: string, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`options.${option} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

interface ResolvedOptions {
  features: ConnFeatureName[];
  explicit: boolean;
  sampleSize: number;
  seed: number;
  maxCategories: number;
}

function resolveOptions(options: ConnFeatureOptions | undefined): ResolvedOptions {
  const o = options ?? {};
  const explicit = o.features !== undefined;
  return {
    features: explicit
      ? checkFeatureNames(o.features, 'options.features', (m) => new RangeError(m))
      : [...CONN_FEATURES],
    explicit,
    sampleSize:
      o.sampleSize === undefined
        ? DEFAULT_SAMPLE_SIZE
        : checkInteger(o.sampleSize, 'sampleSize', 0, 2 ** 31 - 1, 'a non-negative integer'),
    seed: o.seed === undefined ? 0 : checkInteger(o.seed, 'seed', 0, 2 ** 32 - 1, 'an integer in [0, 2^32)'),
    maxCategories:
      o.maxCategories === undefined
        ? DEFAULT_MAX_CATEGORIES
        : checkInteger(o.maxCategories, 'maxCategories', 1, MAX_TABLE_ENTRIES, `an integer in [1, ${MAX_TABLE_ENTRIES}]`),
  };
}

// ---------------------------------------------------------------------------------------------
// Columns

/**
 * Fields read, and so checked (a bool takes T or F), whatever the features. Fitting with the
 * default features reads local_orig and local_resp to decide whether to keep them, so a bad value
 * there rejects the line; a model that then left them out would score that same line, and fit and
 * score of one log would disagree on which lines are valid. Reading them always keeps the verdicts
 * the same, with any model and any --features.
 */
const ALWAYS_READ: readonly string[] = CATALOGUE.flatMap((d) => ('optional' in d && d.optional ? d.fields : []));

function fieldsOf(features: readonly ConnFeatureName[]): Set<string> {
  const fields = new Set<string>();
  for (const f of features) for (const field of DEFS.get(f)!.fields) fields.add(field);
  return fields;
}

function columnsFor(features: readonly ConnFeatureName[]): ColumnRequest[] {
  const wanted = fieldsOf(features);
  for (const field of ALWAYS_READ) wanted.add(field);
  // Catalogue order, so the same features always ask for the same columns in the same order.
  const out: ColumnRequest[] = [];
  const done = new Set<string>();
  for (const def of CATALOGUE) {
    for (const field of def.fields) {
      if (!wanted.has(field) || done.has(field)) continue;
      done.add(field);
      out.push({ name: field, kind: STRING_FIELDS.has(field) ? 'string' : 'number' });
    }
  }
  return out;
}

/**
 * The columns a reader must extract for a spec (scoring) or for the chosen features (learning):
 * the fields the features read, and local_orig and local_resp always (see ALWAYS_READ). Label
 * columns are never among them.
 */
export function connFeatureColumns(specOrOptions?: FeatureSpec | ConnFeatureOptions): ColumnRequest[] {
  if (specOrOptions !== undefined && 'version' in specOrOptions) return columnsFor(specOrOptions.features);
  return columnsFor(resolveOptions(specOrOptions).features);
}

// ---------------------------------------------------------------------------------------------
// Encoding. Each helper maps any f64 (NaN, negative, ±Infinity included) to a finite value, so
// every row that leaves featurize is finite whatever the log contained.

/** Counts and durations cannot be negative; treat an impossible value like an unset one. */
function clampCount(x: number): number {
  return x < Number.MAX_VALUE ? x : Number.MAX_VALUE;
}

/**
 * Math.log1p of the small whole numbers, which most counts are (packets, bytes of short
 * connections): a table lookup is 3× cheaper than the call, and gives exactly Math.log1p's value.
 */
const LOG1P_TABLE_SIZE = 1 << 16;
const LOG1P_TABLE = Float64Array.from({ length: LOG1P_TABLE_SIZE }, (_, i) => Math.log1p(i));

/** Math.log1p(x) for x ≥ 0 (−0 gives +0). */
function log1p(x: number): number {
  const k = x | 0;
  return k === x && k < LOG1P_TABLE_SIZE ? LOG1P_TABLE[k] : Math.log1p(x);
}

function logCount(x: number, scale: number): number {
  if (!(x >= 0)) return UNSET;
  return log1p(clampCount(x * scale));
}

function logRatio(num: number, den: number): number {
  // Unset on either side: 0, "balanced". The unset itself is already visible in the byte
  // features; an extreme sentinel here would make a two-sided feature lie about direction.
  if (!(num >= 0) || !(den >= 0)) return 0;
  return log1p(clampCount(num)) - log1p(clampCount(den));
}

function logPerPacket(bytes: number, pkts: number): number {
  if (!(bytes >= 0) || !(pkts >= 0)) return UNSET;
  // No packets means no bytes: 0, which no real packet (≥ 20-byte IP header) can reach.
  return log1p(clampCount(bytes) / Math.max(clampCount(pkts), 1));
}

function boolValue(x: number): number {
  return x === 1 ? 1 : x === 0 ? 0 : UNKNOWN_BOOL;
}

/** The columns featurize reads; a RecordBatch is one. */
export type FeatureColumns = Pick<RecordBatch, 'length' | 'numbers' | 'strings' | 'stringIds'>;

function column<T extends { length: number }>(src: FeatureColumns, kind: 'number' | 'string', field: string): T {
  const col = (kind === 'number' ? src.numbers : src.strings).get(field) as T | undefined;
  if (col === undefined) {
    throw new Error(`featurize: the batch has no ${kind} column "${field}"; ask the reader for connFeatureColumns(spec)`);
  }
  if (col.length < src.length) {
    throw new Error(`featurize: ${kind} column "${field}" has ${col.length} values for ${src.length} records`);
  }
  return col;
}

function numberColumn(src: FeatureColumns, field: string): Float64Array {
  return column<Float64Array>(src, 'number', field);
}

function stringColumn(src: FeatureColumns, field: string): (string | null)[] {
  return column<(string | null)[]>(src, 'string', field);
}

/** Writes feature column `j` of `n` rows into row-major `out` with `stride` features per row. */
type Encoder = (src: FeatureColumns, n: number, out: Float32Array, j: number, stride: number) => void;

/** Zeek's port notation for a responder port: "80/tcp"; "-" for an unset part. */
export function portKey(port: number, proto: string | null): string {
  return `${Number.isNaN(port) ? '-' : String(port)}/${proto ?? '-'}`;
}

function parsePortKey(key: string): { port: number; proto: string | null } | null {
  const slash = key.indexOf('/');
  if (slash < 0) return null;
  const p = key.slice(0, slash);
  const proto = key.slice(slash + 1);
  const port = p === '-' ? NaN : Number(p);
  // Canonical numbers only, so one key cannot hide another ("080/tcp" vs "80/tcp").
  if (p !== '-' && (p === '' || String(port) !== p || Number.isNaN(port))) return null;
  return { port, proto: proto === '-' ? null : proto };
}

function makeEncoder(def: FeatureDef, spec: FeatureSpec): Encoder {
  const [f0, f1] = def.fields as [string, string | undefined];
  switch (def.kind) {
    case 'log1p': {
      const scale = def.scale ?? 1;
      return (src, n, out, j, stride) => {
        const a = numberColumn(src, f0);
        for (let r = 0, o = j; r < n; r++, o += stride) out[o] = logCount(a[r], scale);
      };
    }
    case 'ratio':
      return (src, n, out, j, stride) => {
        const num = numberColumn(src, f0);
        const den = numberColumn(src, f1!);
        for (let r = 0, o = j; r < n; r++, o += stride) out[o] = logRatio(num[r], den[r]);
      };
    case 'perPacket':
      return (src, n, out, j, stride) => {
        const bytes = numberColumn(src, f0);
        const pkts = numberColumn(src, f1!);
        for (let r = 0, o = j; r < n; r++, o += stride) out[o] = logPerPacket(bytes[r], pkts[r]);
      };
    case 'bool':
      return (src, n, out, j, stride) => {
        const a = numberColumn(src, f0);
        for (let r = 0, o = j; r < n; r++, o += stride) out[o] = boolValue(a[r]);
      };
    case 'frequency': {
      const table = spec.tables[def.name as ConnFeatureName]!;
      const codes = new Map<CategoryKey, number>();
      table.values.forEach((v, i) => codes.set(v, table.codes[i]));
      const unseen = table.unseenCode;
      // With the parser's dictionary ids (RecordBatch.stringIds), each id's code is looked up once
      // per epoch; NaN marks an id not seen yet.
      let idEpoch = -1;
      let codeOfId = new Float32Array(0);
      return (src, n, out, j, stride) => {
        const a = stringColumn(src, f0);
        const ids = src.stringIds?.columns.get(f0);
        if (ids !== undefined && ids.length >= n) {
          const { epoch, limit } = src.stringIds!;
          if (epoch !== idEpoch) {
            // limit comes with the batch: an API caller's could be anything, so it is capped.
            if (codeOfId.length < limit) codeOfId = new Float32Array(Math.min(limit, MAX_CODED_IDS));
            codeOfId.fill(NaN);
            idEpoch = epoch;
          }
          const known = codeOfId.length;
          for (let r = 0, o = j; r < n; r++, o += stride) {
            const id = ids[r];
            if (id >= 0 && id < known) {
              // Read back from the f32 array, so that c is always a float here: a value from the
              // map in one branch would make V8 box every code read in the other.
              if (codeOfId[id] !== codeOfId[id]) codeOfId[id] = codes.get(a[r]) ?? unseen;
              out[o] = codeOfId[id];
            } else out[o] = codes.get(a[r]) ?? unseen;
          }
          return;
        }
        // Logs come in runs (tcp, tcp, tcp…): comparing with the previous value is cheaper than hashing.
        let last: CategoryKey | undefined;
        let code = unseen;
        for (let r = 0, o = j; r < n; r++, o += stride) {
          const v = a[r];
          if (v !== last) {
            last = v;
            code = codes.get(v) ?? unseen;
          }
          out[o] = code;
        }
      };
    }
    case 'port': {
      const table = spec.tables[def.name as ConnFeatureName]!;
      const unseen = table.unseenCode;
      // Per protocol, the code of every port 0–65535 in a flat array: the hot loop indexes it
      // instead of looking up (proto, port) in maps. Ports that are not a whole number in that
      // range (unset: NaN), and protocols beyond the first few (a hostile model file could name
      // thousands, at 256 KiB each), go to maps.
      const byProto = new Map<string | null, ProtoPorts>();
      table.values.forEach((v, i) => {
        const k = v === null ? null : parsePortKey(v);
        if (k === null) return; // validateFeatureSpec rejects these; a learnt table never has them
        let m = byProto.get(k.proto);
        if (m === undefined) {
          const flat = byProto.size < MAX_FLAT_PROTOS ? new Float32Array(PORTS).fill(unseen) : null;
          byProto.set(k.proto, (m = { flat, others: new Map() }));
        }
        if (m.flat !== null && isPortNumber(k.port)) m.flat[k.port] = table.codes[i];
        else m.others.set(k.port, table.codes[i]);
      });
      return (src, n, out, j, stride) => {
        const port = numberColumn(src, f0);
        const proto = stringColumn(src, f1!);
        // Logs come in runs of one protocol: look it up only when it changes.
        let last: string | null | undefined;
        let m: ProtoPorts | undefined;
        for (let r = 0, o = j; r < n; r++, o += stride) {
          const p = proto[r];
          if (p !== last) {
            last = p;
            m = byProto.get(p);
          }
          const x = port[r];
          out[o] = m === undefined ? unseen : m.flat !== null && isPortNumber(x) ? m.flat[x] : m.others.get(x) ?? unseen;
        }
      };
    }
  }
}

/** Most dictionary ids a categorical encoder keeps codes for (the WASM parser gives 16,384). */
const MAX_CODED_IDS = 65_536;

const PORTS = 65_536;
const MAX_FLAT_PROTOS = 8;

/** The codes of one protocol's ports (see makeEncoder). */
interface ProtoPorts {
  flat: Float32Array | null;
  others: Map<number, number>;
}

function isPortNumber(x: number): boolean {
  return (x & 0xffff) === x;
}

const compiled = new WeakMap<FeatureSpec, Encoder[]>();

function encodersFor(spec: FeatureSpec): Encoder[] {
  let enc = compiled.get(spec);
  if (enc === undefined) {
    enc = spec.features.map((name) => {
      const def = DEFS.get(name);
      if (def === undefined) throw new FeatureSpecError(`feature spec names unknown feature ${describe(name)}`);
      if (isCategorical(def) && spec.tables[name] === undefined) {
        throw new FeatureSpecError(`feature spec has no frequency table for "${name}"`);
      }
      return makeEncoder(def, spec);
    });
    compiled.set(spec, enc);
  }
  return enc;
}

/**
 * Turns records into model input: `rows × spec.features.length` f32, row-major, every value
 * finite. Pass `out` to reuse a buffer (it must hold at least that many values); the result is a
 * view of exactly that size.
 *
 * A spec must not be mutated after its first use here: its compiled lookup tables are cached.
 */
export function featurize(batch: FeatureColumns, spec: FeatureSpec, out?: Float32Array): Float32Array {
  const encoders = encodersFor(spec);
  const stride = encoders.length;
  const n = batch.length;
  const size = n * stride;
  let dst: Float32Array;
  if (out === undefined) dst = new Float32Array(size);
  else if (out.length < size) {
    throw new RangeError(`featurize: out holds ${out.length} values, needs ${size} (rows × features = ${n} × ${stride})`);
  } else dst = out.length === size ? out : out.subarray(0, size);
  for (let j = 0; j < stride; j++) encoders[j](batch, n, dst, j, stride);
  return dst;
}

// ---------------------------------------------------------------------------------------------
// Learning: one streaming pass counts every categorical value and keeps a reservoir of raw values.

/** Reservoir rows encoded with the finished spec: what the engine is fitted on (a Matrix for it). */
export interface TrainingSample {
  /** nRows × nCols f32, row-major, all finite. */
  data: Float32Array;
  nRows: number;
  /** spec.features.length */
  nCols: number;
  /** Input line number of each sampled record (same order as the rows). */
  lines: Float64Array;
  /** Records observed in total. */
  seen: number;
}

/** Counts (proto, port) pairs without building the "80/tcp" key string for pairs already seen. */
class PortCounter {
  readonly counter: ValueCounter;
  private readonly byProto = new Map<string | null, Map<number, number>>();

  constructor(maxDistinct: number) {
    this.counter = new ValueCounter(maxDistinct);
  }

  add(port: number, proto: string | null): void {
    let m = this.byProto.get(proto);
    if (m === undefined) this.byProto.set(proto, (m = new Map()));
    const id = m.get(port);
    if (id !== undefined) {
      this.counter.total++;
      this.counter.counts[id]++;
      return;
    }
    const added = this.counter.add(portKey(port, proto));
    if (added >= 0) m.set(port, added);
  }
}

/**
 * Learns a FeatureSpec from training batches in one streaming pass, and keeps a uniform sample of
 * the records (raw values, encoded only at the end, because the frequency codes are not known
 * until every record has been counted). Memory is bounded by sampleSize and the table limits.
 *
 *   const learner = new ConnFeatureLearner({ sampleSize: 65536, seed: 1 });
 *   // read with columns: learner.columns
 *   for (const batch of batches) learner.observe(batch);
 *   const spec = learner.finish();
 *   const { data, nRows, nCols } = learner.sample();
 */
export class ConnFeatureLearner {
  /** The columns the reader must extract for observe(). */
  readonly columns: ColumnRequest[];
  private readonly opts: ResolvedOptions;
  private readonly reservoir: ReservoirSampler;
  private readonly counters = new Map<string, ValueCounter>();
  private readonly ports: PortCounter | null;
  /** Optional fields requested, and those set (T or F) in at least one training record. */
  private readonly optionalFields: string[];
  private readonly informative = new Set<string>();
  // Reservoir storage, one array per column, indexed by slot.
  private readonly keptNumbers = new Map<string, Float64Array>();
  private readonly keptStrings = new Map<string, (string | null)[]>();
  private readonly keptLines: Float64Array;
  private ids: Int32Array[] = [];
  private spec: FeatureSpec | null = null;

  constructor(options?: ConnFeatureOptions) {
    this.opts = resolveOptions(options);
    this.columns = columnsFor(this.opts.features);
    const k = this.opts.sampleSize;
    this.reservoir = new ReservoirSampler(k, this.opts.seed);
    this.keptLines = new Float64Array(k);
    const used = fieldsOf(this.opts.features);
    for (const c of this.columns) {
      // A column read only to be checked (ALWAYS_READ) is not kept: no feature encodes it.
      if (!used.has(c.name)) continue;
      if (c.kind === 'number') this.keptNumbers.set(c.name, new Float64Array(k).fill(NaN));
      else {
        // Every string column is interned through a counter, even when only resp_port needs it
        // (proto): the reservoir then holds one shared copy per distinct value.
        this.counters.set(c.name, new ValueCounter(MAX_TRACKED_VALUES));
        this.keptStrings.set(c.name, new Array<string | null>(k).fill(null));
      }
    }
    this.ports = this.opts.features.includes('resp_port') ? new PortCounter(MAX_TRACKED_VALUES) : null;
    this.optionalFields = this.opts.features.map((f) => DEFS.get(f)!).filter((d) => d.optional).map((d) => d.fields[0]);
  }

  /** Records observed so far. */
  get records(): number {
    return this.reservoir.seen;
  }

  /** Counts every record of the batch and offers it to the reservoir. */
  observe(batch: RecordBatch): void {
    if (this.spec !== null) throw new Error('ConnFeatureLearner.observe() called after finish()');
    const n = batch.length;
    if (n === 0) return;
    // Validate every column before counting anything, so a bad batch leaves the learner untouched.
    const numberCols = [...this.keptNumbers.keys()].map((f) => numberColumn(batch, f));
    const stringCols = [...this.keptStrings.keys()].map((f) => stringColumn(batch, f));
    for (const field of this.optionalFields) {
      if (this.informative.has(field)) continue;
      const col = numberColumn(batch, field);
      for (let r = 0; r < n; r++) {
        if (!Number.isNaN(col[r])) {
          this.informative.add(field);
          break;
        }
      }
    }

    const counters = [...this.counters.values()];
    while (this.ids.length < counters.length) this.ids.push(new Int32Array(0));
    for (let c = 0; c < counters.length; c++) {
      if (this.ids[c].length < n) this.ids[c] = new Int32Array(Math.max(n, this.ids[c].length * 2));
      const ids = this.ids[c];
      const col = stringCols[c];
      const counter = counters[c];
      for (let r = 0; r < n; r++) ids[r] = counter.add(col[r]);
    }
    if (this.ports !== null) {
      const port = numberColumn(batch, 'id.resp_p');
      const proto = stringColumn(batch, 'proto');
      for (let r = 0; r < n; r++) this.ports.add(port[r], proto[r]);
    }

    const keptNumbers = [...this.keptNumbers.values()];
    const keptStrings = [...this.keptStrings.values()];
    const lines = batch.lines;
    this.reservoir.offer(n, (r, slot) => {
      for (let c = 0; c < numberCols.length; c++) keptNumbers[c][slot] = numberCols[c][r];
      for (let c = 0; c < stringCols.length; c++) {
        const id = this.ids[c][r];
        const v = stringCols[c][r];
        // Untracked (overflow) values are copied so the sample never pins a reader's chunk.
        keptStrings[c][slot] = id >= 0 ? counters[c].keys[id] : v === null ? null : (' ' + v).slice(1);
      }
      this.keptLines[slot] = lines[r];
    });
  }

  /** Freezes the learnt encoding. Call once, after the last observe(). */
  finish(): FeatureSpec {
    if (this.spec !== null) return this.spec;
    const features = this.opts.features.filter((name) => {
      const def = DEFS.get(name)!;
      return this.opts.explicit || !def.optional || this.informative.has(def.fields[0]);
    });
    const tables: FeatureSpec['tables'] = {};
    for (const name of features) {
      const def = DEFS.get(name)!;
      if (def.kind === 'frequency') {
        tables[name] = buildFrequencyTable(this.counters.get(def.fields[0])!, this.opts.maxCategories);
      } else if (def.kind === 'port') {
        tables[name] = buildFrequencyTable(this.ports!.counter, this.opts.maxCategories);
      }
    }
    this.spec = { name: 'conn', version: FEATURE_SPEC_VERSION, features, records: this.records, tables };
    return this.spec;
  }

  /** The reservoir encoded with the finished spec (calls finish() if needed). Rows are in slot order. */
  sample(): TrainingSample {
    const spec = this.finish();
    const rows = this.reservoir.size;
    const numbers = new Map<string, Float64Array>();
    for (const [f, a] of this.keptNumbers) numbers.set(f, a.subarray(0, rows));
    const data = featurize({ length: rows, numbers, strings: this.keptStrings }, spec);
    return {
      data,
      nRows: rows,
      nCols: spec.features.length,
      lines: this.keptLines.slice(0, rows),
      seen: this.records,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Untrusted specs

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function specError(where: string, problem: string): FeatureSpecError {
  return new FeatureSpecError(`invalid feature spec: ${where} ${problem}`);
}

function checkCount(x: unknown, where: string, min: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) {
    throw specError(where, `must be an integer ≥ ${min}, got ${describe(x)}`);
  }
  return x;
}

function checkCode(x: unknown, where: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > F32_MAX) {
    throw specError(where, `must be a finite number within float32 range, got ${describe(x)}`);
  }
  return x;
}

function checkArray(x: unknown, where: string, length?: number): unknown[] {
  if (!Array.isArray(x)) throw specError(where, `must be an array, got ${describe(x)}`);
  if (length !== undefined && x.length !== length) {
    throw specError(where, `has ${x.length} entries, expected ${length} (one per value)`);
  }
  if (x.length > MAX_TABLE_ENTRIES) throw specError(where, `has ${x.length} entries, more than ${MAX_TABLE_ENTRIES}`);
  return x;
}

function checkTable(x: unknown, name: string, records: number): FrequencyTable {
  const at = `tables.${name}`;
  if (!isRecord(x)) throw specError(at, `must be an object, got ${describe(x)}`);
  const total = checkCount(own(x, 'total'), `${at}.total`, 0);
  if (total !== records) throw specError(`${at}.total`, `is ${total}, but the spec counts ${records} records`);
  const values = checkArray(own(x, 'values'), `${at}.values`);
  const counts = checkArray(own(x, 'counts'), `${at}.counts`, values.length);
  const codes = checkArray(own(x, 'codes'), `${at}.codes`, values.length);
  const seen = new Set<CategoryKey>();
  let sum = 0;
  const table: FrequencyTable = { total, values: [], counts: [], codes: [], unseenCode: 0 };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v !== 'string') throw specError(`${at}.values[${i}]`, `must be a string or null, got ${describe(v)}`);
    if (name === 'resp_port' && (v === null || parsePortKey(v) === null)) {
      throw specError(`${at}.values[${i}]`, `must be a port like "80/tcp", got ${describe(v)}`);
    }
    if (seen.has(v)) throw specError(`${at}.values[${i}]`, `repeats ${describe(v)}`);
    seen.add(v);
    const count = checkCount(counts[i], `${at}.counts[${i}]`, 1);
    sum += count;
    if (sum > total) throw specError(`${at}.counts`, `add up to more than total (${total})`);
    table.values.push(v);
    table.counts.push(count);
    table.codes.push(checkCode(codes[i], `${at}.codes[${i}]`));
  }
  table.unseenCode = checkCode(own(x, 'unseenCode'), `${at}.unseenCode`);
  return table;
}

/**
 * Checks a spec read from an untrusted model file and returns a clean copy, or throws a
 * FeatureSpecError that says what is wrong. Never trusts types, sizes or numbers: every code
 * must be finite in float32, so featurize can only produce finite rows.
 */
export function validateFeatureSpec(json: unknown): FeatureSpec {
  if (!isRecord(json)) throw new FeatureSpecError(`invalid feature spec: expected a JSON object, got ${describe(json)}`);
  const name = own(json, 'name');
  if (name !== 'conn') throw specError('name', `must be "conn", got ${describe(name)}`);
  const version = own(json, 'version');
  if (version !== FEATURE_SPEC_VERSION) {
    throw new FeatureSpecError(
      `feature spec version ${describe(version)} is not supported: this build reads version ${FEATURE_SPEC_VERSION}; refit the model with this version`,
    );
  }
  const features = checkFeatureNames(own(json, 'features'), 'invalid feature spec: features', (m) => new FeatureSpecError(m));
  const records = checkCount(own(json, 'records'), 'records', 0);
  const rawTables = own(json, 'tables');
  if (!isRecord(rawTables)) throw specError('tables', `must be an object, got ${describe(rawTables)}`);
  const wanted = features.filter((f) => isCategorical(DEFS.get(f)!));
  for (const key of Object.keys(rawTables)) {
    if (!(wanted as string[]).includes(key)) {
      throw specError(`tables.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`, 'is not a selected categorical feature');
    }
  }
  const tables: FeatureSpec['tables'] = {};
  for (const f of wanted) {
    if (!Object.hasOwn(rawTables, f)) throw specError(`tables.${f}`, 'is missing');
    tables[f] = checkTable(rawTables[f], f, records);
  }
  return { name: 'conn', version: FEATURE_SPEC_VERSION, features: [...features], records, tables };
}
