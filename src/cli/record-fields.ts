// A record's fields by Zeek name, from its raw text: for the few records a person reads (the top
// anomalies), not for the hot path.

import { unescapeText } from '../zeek/escape.js';
import type { ZeekHeader } from '../zeek/types.js';

/** Field name → value as text; unset fields are absent, empty ones are "". */
export function recordFields(text: string, header: ZeekHeader): Map<string, string> {
  const fields = new Map<string, string>();
  if (header.format === 'json') {
    try {
      const object = JSON.parse(text) as Record<string, unknown>;
      for (const [k, v] of Object.entries(object)) if (v !== null && v !== undefined) fields.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    } catch {
      // The reader accepted it, so it parses; nothing to show otherwise.
    }
    return fields;
  }
  const cells = text.split(header.separator);
  header.fields.forEach((name, i) => {
    const cell = cells[i];
    if (cell === undefined || cell === header.unsetField) return;
    fields.set(name, cell === header.emptyField ? '' : unescapeText(cell));
  });
  return fields;
}
