// Header blocks of Zeek TSV logs. A block is the run of `#` directives before its records:
//   #separator \x09          (always first; its value is written escaped, after a space)
//   #set_separator,  #empty_field,  #unset_field,  #path,  #open,  #fields,  #types
//   ...records...
//   #close
// A header is plain immutable data: applyDirective returns a new object when a directive changes
// anything and the same object otherwise, so "did the header change?" is an identity test. The
// chunker (main thread) and parseChunk (workers) both run every directive through this one
// function, which is what keeps the header a chunk starts with equal to the one its parser ends
// the previous chunk with.

import { unescapeText } from './escape.js';
import type { ZeekHeader } from './types.js';

/** The values Zeek writes by default, used when a block omits a directive. */
export function defaultTsvHeader(): ZeekHeader {
  return {
    format: 'tsv',
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    path: '',
    open: null,
    fields: [],
    types: [],
    directives: [],
  };
}

/**
 * The synthetic header of a JSON log: fields are learnt from the records themselves. The TSV
 * separators are Zeek's defaults, which is how set and vector values are joined into strings.
 */
export function jsonHeader(path = ''): ZeekHeader {
  return { ...defaultTsvHeader(), format: 'json', path };
}

// The IoT-23 labelled logs put three names into the last #fields cell, separated by runs of
// spaces ("tunnel_parents   label   detailed-label"), and their records do the same in their last
// value. Zeek names never contain a space, so a spaced cell is always this.
const SPACES = / +/;

function splitCells(cells: string[]): string[] {
  const last = cells.length - 1;
  if (last < 0 || !cells[last].includes(' ')) return cells;
  return [...cells.slice(0, last), ...cells[last].split(SPACES).filter((c) => c !== '')];
}

/**
 * How the last tab-separated value of a record splits into several fields in an IoT-23 style
 * header: `{ from, separator }`, where `from` is the index of the first field inside that value.
 * Null for a normal header.
 */
export function spacedTail(header: ZeekHeader): { from: number; separator: string } | null {
  if (header.format !== 'tsv') return null;
  for (let i = header.directives.length - 1; i >= 0; i--) {
    const d = header.directives[i];
    if (!d.startsWith('#fields')) continue;
    const cells = d.split(header.separator);
    const tail = cells[cells.length - 1];
    const gap = / {2,}| /.exec(tail);
    if (cells.length < 2 || gap === null) return null;
    return { from: cells.length - 2, separator: gap[0] };
  }
  return null;
}

function withDirective(base: ZeekHeader, line: string, change: Partial<ZeekHeader>): ZeekHeader {
  return { ...base, ...change, directives: [...base.directives, line] };
}

/**
 * The header in force after the directive line `line` (text without its line end), given the
 * header before it (null: none yet; a JSON header: a TSV block now begins). Lines that are not
 * known directives (`#close`, comments such as btest's `### …`) leave it unchanged.
 */
export function applyDirective(header: ZeekHeader | null, line: string): ZeekHeader | null {
  // #separator is the one directive written with a space and an escaped value, and it opens a
  // new block (tab-separated files from some tools write a tab there: accept both).
  const sepMatch = /^#separator[ \t](.+)$/.exec(line);
  if (sepMatch !== null) {
    const separator = unescapeText(sepMatch[1]);
    // A separator that is empty or holds a line end cannot be what the lines are split by: such a
    // line is no header Zeek could write, and is kept as a comment.
    if (separator === '' || /[\r\n]/.test(separator)) return header;
    return { ...defaultTsvHeader(), separator, directives: [line] };
  }
  const base = header === null || header.format === 'json' ? defaultTsvHeader() : header;
  const keyword = /^#[A-Za-z_]+/.exec(line)?.[0];
  if (keyword === undefined) return header;
  // Zeek puts the separator after the keyword; btest baselines canonify `#open` with a space.
  let rest = line.slice(keyword.length);
  if (rest.startsWith(base.separator)) rest = rest.slice(base.separator.length);
  else if (rest.startsWith(' ')) rest = rest.slice(1);
  else if (rest !== '') return header;
  const cells = rest === '' ? [keyword] : [keyword, ...rest.split(base.separator)];
  const value = rest;
  switch (cells[0]) {
    case '#set_separator':
      return withDirective(base, line, { setSeparator: unescapeText(value) });
    case '#empty_field':
      return withDirective(base, line, { emptyField: unescapeText(value) });
    case '#unset_field':
      return withDirective(base, line, { unsetField: unescapeText(value) });
    case '#path':
      return withDirective(base, line, { path: value });
    case '#open':
      return withDirective(base, line, { open: value });
    case '#fields': {
      const fields = splitCells(cells.slice(1));
      // A second #fields without a #separator before it still starts a new field set: the old
      // #fields/#types lines no longer describe the records that follow.
      const kept = base.fields.length > 0
        ? base.directives.filter((d) => !d.startsWith('#fields') && !d.startsWith('#types'))
        : base.directives;
      return { ...base, fields, types: fields.map(() => ''), directives: [...kept, line] };
    }
    case '#types': {
      const given = splitCells(cells.slice(1));
      const types = base.fields.map((_, i) => given[i] ?? '');
      return withDirective(base, line, { types });
    }
    default:
      return header;
  }
}
