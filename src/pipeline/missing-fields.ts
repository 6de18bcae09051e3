// Score's warning for an input whose header lacks fields the model reads: a log cut down with
// bro-cut, or written with renamed fields. Every record of it then has those fields unset, so the
// features that read them take their unset value on every record and the scores say nothing
// about them, which the user should hear about instead of reading the scores as usual.

import { fieldsMissingFrom, type FeatureSpec } from '../zeek/features.js';
import type { ReadStats, ZeekHeader } from '../zeek/types.js';

/** "a", "a and b", "a, b and c" (or "or"). */
function list(items: readonly string[], last: 'and' | 'or'): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/** The warning for `file` under `header`, or null when the header has every field the model reads. */
export function missingFieldsWarning(header: ZeekHeader, spec: FeatureSpec, file: string): string | null {
  const { fields, features } = fieldsMissingFrom(header, spec);
  if (fields.length === 0) return null;
  return `${file}: the #fields line has no ${list(fields, 'or')}, which the model reads: `
    + `${features.length === 1 ? 'feature' : 'features'} ${list(features, 'and')} will see ${fields.length === 1 ? 'it' : 'them'} as unset on every record`;
}

/**
 * Checks the header blocks of each input as scoring meets them, and keeps at most one warning per
 * input: its first block that lacks a field. JSON logs are not checked: they have no header, and a
 * key left out of a record only means that field is unset there.
 */
export class MissingFieldsCheck {
  /** The warnings so far, in input order. */
  readonly warnings: string[] = [];
  /** Inputs warned about (by their stats: one per input, even for a file named twice). */
  private readonly warned = new Set<ReadStats>();
  /** Warnings by the header's #fields: the blocks of one input, chunk after chunk, mostly repeat them. */
  private readonly byFields = new Map<string, string | null>();

  constructor(private readonly spec: FeatureSpec) {}

  check(header: ZeekHeader, input: ReadStats): void {
    if (header.format !== 'tsv' || header.fields.length === 0 || this.warned.has(input)) return;
    const key = `${input.file}\n${header.fields.join('\t')}`;
    let warning = this.byFields.get(key);
    if (warning === undefined) this.byFields.set(key, (warning = missingFieldsWarning(header, this.spec, input.file)));
    if (warning === null) return;
    this.warned.add(input);
    this.warnings.push(warning);
  }
}
