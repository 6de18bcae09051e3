// The top-anomalies table from scored candidates: their raw text is parsed back into the few
// fields a person reads (time, hosts, ports, service, bytes).

import { renderTopTable, type TopRow } from '../output/top-table.js';
import type { Candidate } from '../pipeline/score-chunk.js';
import { scopedWithUnderscore } from '../zeek/field-names.js';
import { recordFields } from './record-fields.js';

/** The table for `stream`: as wide as its terminal, or 140 columns when it is not one. */
export function topTable(candidates: readonly Candidate[], stream: NodeJS.WriteStream = process.stdout): string {
  if (candidates.length === 0) return 'no records were scored';
  const rows: TopRow[] = candidates.map((c) => {
    const fields = recordFields(c.text, c.header);
    // A log written with Zeek's "_" scope separator has id_orig_h for id.orig_h (see field-names.ts).
    const get = (name: string) => fields.get(name) ?? fields.get(scopedWithUnderscore(name));
    const num = (name: string) => {
      const v = get(name);
      return v !== undefined && v !== '' ? Number(v) : NaN;
    };
    return {
      ts: epochSeconds(get('ts')),
      origH: get('id.orig_h') ?? null,
      origP: num('id.orig_p'),
      respH: get('id.resp_h') ?? null,
      respP: num('id.resp_p'),
      proto: get('proto') ?? null,
      service: get('service') ?? null,
      origBytes: num('orig_bytes'),
      respBytes: num('resp_bytes'),
      score: c.score,
      reason: c.reason,
    };
  });
  return renderTopTable(rows, { width: stream.isTTY ? stream.columns : 140 });
}

/** A decimal number and nothing else: Number() alone would also take "", " ", "0x10" and "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/**
 * ISO 8601 date and time with a zone, as JSON::TS_ISO8601 writes it ("2020-06-05T14:39:59.305988Z").
 * Checked before Date.parse, which outside this form guesses: it reads "-1" as 2001-01-01.
 */
const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;

/**
 * Seconds since the epoch from a `ts` as Zeek writes it: epoch seconds ("1591367999.305988", the
 * default), ISO 8601 (JSON::TS_ISO8601), or whole milliseconds (JSON::TS_MILLIS,
 * "1591367999305": as seconds that would be the year 52,000, so a whole number of 10^11 or more
 * is read as milliseconds). NaN when it is none of these. A number is returned as written, negative
 * or small ones too: the table decides how to show a value that is no plausible capture time.
 */
export function epochSeconds(ts: string | undefined): number {
  if (ts === undefined) return NaN;
  if (DECIMAL.test(ts)) {
    const x = Number(ts);
    return Number.isInteger(x) && x >= 1e11 ? x / 1000 : x;
  }
  return ISO_8601.test(ts) ? Date.parse(ts) / 1000 : NaN;
}
