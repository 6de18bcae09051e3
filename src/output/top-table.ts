// The table the CLI prints for the strangest connections: one line each, readable in an
// 80–160 column terminal, no dependency. Cells that do not fit are shortened with an ellipsis at
// the end; a connection that does not fit has its addresses shortened in their middle instead, so
// both ports and the arrow between them always show.

/** One row of the table; the caller has already picked and ordered them. */
export interface TopRow {
  /** Zeek `ts` in seconds, as the log has it: epoch seconds, or relative ones (see timeCell); NaN when unknown. */
  ts: number;
  origH: string | null;
  /** NaN when unknown. */
  origP: number;
  respH: string | null;
  respP: number;
  proto: string | null;
  service: string | null;
  /**
   * Payload bytes, Zeek's orig_bytes / resp_bytes (from TCP sequence numbers), not the IP byte
   * counts orig_ip_bytes / resp_ip_bytes: a reason may name those while these are 0 (the sample
   * log's unknown_transport flows carry 630 MB of IP bytes and no payload Zeek could count).
   * NaN when unset.
   */
  origBytes: number;
  respBytes: number;
  /** s(x) in (0, 1], higher = more anomalous. */
  score: number;
  /** Why it stands out, e.g. "resp_p rare, orig_bytes high" (from the caller). */
  reason: string;
}

export interface TopTableOptions {
  /** Total width to fit, in columns (default 120; pass process.stdout.columns for a terminal). */
  width?: number;
  /** Plain ASCII ("->", "...") instead of "→" and "…", for terminals and files that need it. */
  ascii?: boolean;
}

interface Col {
  title: string;
  right: boolean;
  /** Most the column may take before its cells are shortened. */
  max: number;
}

const COLS: Col[] = [
  { title: '#', right: true, max: 6 },
  { title: 'time (UTC)', right: false, max: 20 },
  { title: 'connection', right: false, max: 64 },
  { title: 'proto/svc', right: false, max: 18 },
  { title: 'payload o/r', right: true, max: 17 },
  { title: 'score', right: true, max: 6 },
  { title: 'reason', right: false, max: Number.MAX_SAFE_INTEGER },
];
const GAP = '  ';
const MIN_REASON = 20;
/** A connection column narrower than this shows too little of either end to be useful. */
const MIN_CONN = 28;

/**
 * Below this, a ts is taken for seconds since the start of a capture, not since the epoch: 1e8 s is
 * 1973-03-03, years before any packet Zeek (or Bro, 1995) could have logged, while captures whose
 * times were rewritten to start at 0 (Stratosphere's, for one) give ts such as 0.2 or 3023.4.
 */
const RELATIVE_BEFORE = 1e8;

/**
 * The time cell. An epoch time shows as its UTC date and time, in whole seconds (enough to find
 * the record again, and 4 columns narrower). A ts from 0 to RELATIVE_BEFORE shows as relative
 * seconds, "+15.3 s" (cut, not rounded, after the tenth: "15.3" is the start of what the log holds),
 * not as a date in 1970. A negative ts is no time at all: it shows as the number, "-1". NaN and
 * infinities show as "-".
 */
function timeCell(ts: number): string {
  if (!Number.isFinite(ts)) return '-';
  if (ts < 0) return String(ts);
  if (ts < RELATIVE_BEFORE) {
    // toFixed(6) is Zeek's own precision, so its digits are the log's; then cut after the tenth.
    const s = ts.toFixed(6);
    return `+${s.slice(0, s.indexOf('.') + 2)} s`;
  }
  const d = new Date(Math.floor(ts) * 1000);
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString().replace('.000Z', 'Z');
}

/** An endpoint as printed, in three parts: only `host` may be shortened. */
interface Endpoint {
  /** "[" before an IPv6 address, else "". */
  open: string;
  /** The address, or "?" when unknown. */
  host: string;
  /** "]" after an IPv6 address, then ":port" when the port is known. */
  close: string;
}

function endpoint(host: string | null, port: number): Endpoint {
  const h = host === null || host === '' ? '?' : host;
  const v6 = h.includes(':');
  return { open: v6 ? '[' : '', host: h, close: (v6 ? ']' : '') + (Number.isFinite(port) ? `:${port}` : '') };
}

/**
 * `orig → resp` in at most `width` columns. When it is too wide, the two addresses are shortened
 * in their middle (sharing the room, a short one keeping all it needs); the brackets, both ports
 * and the arrow are never cut, since the port is often what tells two rows apart.
 */
function fitConnection(orig: Endpoint, resp: Endpoint, width: number, arrow = ' → ', ellipsis = '…'): string {
  const join = (a: string, b: string): string => orig.open + a + orig.close + arrow + resp.open + b + resp.close;
  const full = join(orig.host, resp.host);
  if (len(full) <= width) return full;
  const a = len(orig.host);
  const b = len(resp.host);
  const room = width - (len(full) - a - b);
  // The table never makes the column this narrow (MIN_CONN); a caller that does gets the whole
  // string cut rather than an address shorter than its ellipsis.
  if (room < 2 * (len(ellipsis) + 1)) return truncate(full, width, true, ellipsis);
  const half = Math.ceil(room / 2);
  const keepA = a <= half ? a : b < room - half ? room - b : half;
  return join(truncate(orig.host, keepA, true, ellipsis), truncate(resp.host, room - keepA, true, ellipsis));
}

/** 1536 → "1.5K": powers of 1024, as `ls -h` and `du -h` print them. */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-';
  if (n < 1024) return String(Math.round(n));
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + units[u];
}

/** Shortens `s` to `width` columns with an ellipsis at the end or in the middle. */
export function truncate(s: string, width: number, middle = false, ellipsis = '…'): string {
  const chars = Array.from(s);
  if (chars.length <= width) return s;
  const keep = width - ellipsis.length;
  if (keep <= 0) return chars.slice(0, width).join('');
  if (!middle) return chars.slice(0, keep).join('') + ellipsis;
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join('') + ellipsis + chars.slice(chars.length - (keep - head)).join('');
}

const len = (s: string): number => Array.from(s).length;

/**
 * The top anomalies as aligned text lines (header, rule, one line per row), ending in "\n".
 * Rows are numbered in the order given.
 */
export function renderTopTable(rows: readonly TopRow[], opts: TopTableOptions = {}): string {
  const width = Math.max(60, Math.floor(opts.width ?? 120));
  const arrow = opts.ascii ? ' -> ' : ' → ';
  const ellipsis = opts.ascii ? '...' : '…';
  if (rows.length === 0) return '(no records to show)\n';

  const ends = rows.map((r) => [endpoint(r.origH, r.origP), endpoint(r.respH, r.respP)] as const);
  const cells = rows.map((r, i) => [
    String(i + 1),
    timeCell(r.ts),
    fitConnection(ends[i][0], ends[i][1], Infinity, arrow, ellipsis),
    `${r.proto ?? '-'}/${r.service ?? '-'}`,
    `${humanBytes(r.origBytes)} / ${humanBytes(r.respBytes)}`,
    Number.isFinite(r.score) ? r.score.toFixed(4) : '-',
    r.reason.replace(/\s+/g, ' ').trim(),
  ]);

  const widths = COLS.map((c, k) =>
    Math.min(c.max, Math.max(len(c.title), ...cells.map((row) => len(row[k])))),
  );
  // The reason takes what is left of the width; when too little is left, the connection column
  // gives up space first (IPv6 pairs are the widest cells).
  const fixed = (): number => widths.slice(0, -1).reduce((a, b) => a + b, 0) + GAP.length * (COLS.length - 1);
  const reasonIdx = COLS.length - 1;
  const connIdx = 2;
  let room = width - fixed();
  if (room < MIN_REASON) {
    widths[connIdx] = Math.max(Math.min(MIN_CONN, widths[connIdx]), widths[connIdx] - (MIN_REASON - room));
    room = width - fixed();
  }
  widths[reasonIdx] = Math.max(MIN_REASON, Math.min(room, Math.max(len(COLS[reasonIdx].title), ...cells.map((r) => len(r[reasonIdx])))));
  // Width the reason does not need goes to the columns their cap cut, the connection first: on a
  // wide terminal, IPv6 addresses are shown whole.
  let spare = width - fixed() - widths[reasonIdx];
  for (const k of [connIdx, 3]) {
    const natural = Math.max(len(COLS[k].title), ...cells.map((row) => len(row[k])));
    const grow = Math.max(0, Math.min(spare, natural - widths[k]));
    widths[k] += grow;
    spare -= grow;
  }

  const line = (row: string[], i = -1): string =>
    row
      .map((cell, k) => {
        const t = k === connIdx && i >= 0 ? fitConnection(ends[i][0], ends[i][1], widths[k], arrow, ellipsis) : truncate(cell, widths[k], false, ellipsis);
        const pad = ' '.repeat(Math.max(0, widths[k] - len(t)));
        return COLS[k].right ? pad + t : k === reasonIdx ? t : t + pad;
      })
      .join(GAP)
      .trimEnd();

  const out = [line(COLS.map((c) => c.title)), widths.map((w) => (opts.ascii ? '-' : '─').repeat(w)).join(GAP)];
  cells.forEach((row, i) => out.push(line(row, i)));
  return out.join('\n') + '\n';
}
