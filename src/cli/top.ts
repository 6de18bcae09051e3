// The top-anomalies table from scored candidates: their raw text is parsed back into the few
// fields a person reads (time, hosts, ports, service, bytes).

import { renderTopTable, type TopRow } from '../output/top-table.js';
import type { Candidate } from '../pipeline/score-chunk.js';
import { recordFields } from './record-fields.js';

export function topTable(candidates: readonly Candidate[]): string {
  if (candidates.length === 0) return 'no records were scored';
  const rows: TopRow[] = candidates.map((c) => {
    const f = recordFields(c.text, c.header);
    const num = (name: string) => (f.has(name) && f.get(name) !== '' ? Number(f.get(name)) : NaN);
    const ts = f.get('ts');
    return {
      ts: ts !== undefined && /^\d/.test(ts) && !ts.includes('-') ? Number(ts) : ts !== undefined ? Date.parse(ts) / 1000 : NaN,
      origH: f.get('id.orig_h') ?? null,
      origP: num('id.orig_p'),
      respH: f.get('id.resp_h') ?? null,
      respP: num('id.resp_p'),
      proto: f.get('proto') ?? null,
      service: f.get('service') ?? null,
      origBytes: num('orig_bytes'),
      respBytes: num('resp_bytes'),
      score: c.score,
      reason: c.reason,
    };
  });
  return renderTopTable(rows, { width: process.stdout.isTTY ? process.stdout.columns : 140 });
}
