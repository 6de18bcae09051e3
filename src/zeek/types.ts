// The data contract between the Zeek log readers, the feature layer, the output writers and the
// worker pool. Readers produce RecordBatches; everything downstream consumes them. Nothing here
// holds behaviour: it is the one place the shapes are written down.

/** Wire format of a log, decided from its content (never its name). */
export type LogFormat = 'tsv' | 'json';

/**
 * A header block of a Zeek TSV log (the `#` directives), or the synthetic header of a JSON log.
 * Plain data, so it can be structured-cloned to a worker.
 */
export interface ZeekHeader {
  format: LogFormat;
  /** Field separator, decoded (`#separator \x09` gives "\t"). */
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  /** `#path`, e.g. "conn"; "" when absent (JSON logs take it from `_path` when present). */
  path: string;
  /** `#open` as written, or null. */
  open: string | null;
  /** Zeek field names as written in `#fields`, e.g. "id.orig_h". JSON: keys in first-seen order. */
  fields: string[];
  /** Zeek types, parallel to `fields` ("time", "count", "set[string]" …); "" where unknown (JSON). */
  types: string[];
  /** The directive lines of this block as read, without line ends, so outputs can repeat them. */
  directives: string[];
}

/** How a requested field is extracted into a column. */
export type ColumnKind = 'number' | 'string';

/**
 * A field the caller wants as a typed column.
 * - 'number': time, interval, count, int, double and port values as f64; bool as 1 (T) / 0 (F);
 *   JSON `ts` given as an ISO-8601 string becomes epoch seconds. Unset, empty or absent → NaN.
 * - 'string': the decoded value (`\xNN` escapes resolved); unset or absent → null; empty → "".
 */
export interface ColumnRequest {
  name: string;
  kind: ColumnKind;
}

/** Records parsed from one run of lines that share one header block. */
export interface RecordBatch {
  header: ZeekHeader;
  /** Number of records. */
  length: number;
  /** 1-based input line number of each record (f64: logs can pass 2^32 lines). */
  lines: Float64Array;
  /** The raw record text is source[starts[i], ends[i]), without its line end. */
  source: Uint8Array;
  starts: Uint32Array;
  ends: Uint32Array;
  /** The requested 'number' columns, by field name. */
  numbers: Map<string, Float64Array>;
  /** The requested 'string' columns, by field name. */
  strings: Map<string, (string | null)[]>;
  /** Dictionary ids of the string columns' values, when the parser gives them (the WASM parser does). */
  stringIds?: StringIds;
}

/**
 * Small integer ids of string values: within one epoch, equal ids (≥ 0) mean equal text, so a
 * consumer can work something out once per id instead of once per record (featurize's codes).
 * -1: the value has no id; read its string.
 */
export interface StringIds {
  /** Ids of different epochs are unrelated, even from one parser. */
  epoch: number;
  /** Ids are below this. */
  limit: number;
  /** Per requested string column, one id per record. */
  columns: Map<string, Int32Array>;
}

/** One input line that was not turned into a record, and why. */
export interface Rejection {
  file: string;
  /** 1-based line number in the (decompressed) input. */
  line: number;
  /** The Zeek field at fault, or null when the line as a whole is bad. */
  field: string | null;
  /** What is wrong, for a person: "expected 21 fields, found 19". */
  reason: string;
}

/** Counts for one input: every line read is a record, a directive/blank line, or a rejection. */
export interface ReadStats {
  file: string;
  bytesRead: number;
  linesRead: number;
  records: number;
  /** `#` directive lines and blank lines. */
  headerLines: number;
  rejected: number;
  /** Rejections counted by reason class (e.g. "field count", "bad number", "line too long"). */
  rejectedByReason: Record<string, number>;
  /** The first few rejections in input order, for the report (`file:line: field: problem`). */
  firstRejections: Rejection[];
}
