// Where a requested field is in a log. Zeek flattens record fields with Log::default_scope_sep,
// "." unless a site sets another: with "_" (Zeek's own scope_sep test), conn.log's id.orig_h is
// written id_orig_h. Without this fallback such a log lost its four id fields without a word, and
// resp_port learnt nothing.

/** The index of field `name` in `fields`, or of its "_"-scoped spelling when only that is there; -1 if neither. */
export function fieldIndex(fields: readonly string[], name: string): number {
  const i = fields.indexOf(name);
  if (i >= 0 || !name.includes('.')) return i;
  return fields.indexOf(scopedWithUnderscore(name));
}

/** "id.orig_h" → "id_orig_h". */
export function scopedWithUnderscore(name: string): string {
  return name.replaceAll('.', '_');
}
