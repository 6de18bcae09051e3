// Zeek's Log::default_scope_sep: with "_", conn.log's id.orig_h is written id_orig_h (Zeek's own
// scope_sep baseline). Readers find the fields under either spelling, and fitting says so when a
// feature's fields are never set (a field-name-map log renames them beyond recognition).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitLogs } from '../src/pipeline/fit-logs.js';
import { connFeatureColumns } from '../src/zeek/features.js';
import { parseChunk, type ColumnRequest } from '../src/zeek/index.js';
import { WasmTsvParser } from '../src/zeek/wasm-tsv.js';
import { assertBuilt, runCli } from './helpers/e2e.js';
import { fixture, rowsOf, str } from './zeek-helpers.js';

const SCOPE_SEP = fixture('btest/scripts.base.frameworks.logging.scope_sep_conn.log');
const FIELD_NAME_MAP = fixture('btest/scripts.base.frameworks.logging.field-name-map_conn.log');
const COLUMNS: ColumnRequest[] = [...connFeatureColumns(), ...str('id.orig_h', 'id.resp_h')];

/** The scope_sep log as Zeek writes it by default: dots in the #fields line. */
function dotted(text: string): string {
  return text.replace(/^#fields\t.*$/m, (line) => line.replace(/\tid_/g, '\tid.'));
}

function rows(text: string, faster?: WasmTsvParser) {
  const r = parseChunk(new TextEncoder().encode(text), 1, null, { file: 'test.log', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20, faster });
  return rowsOf(r.batches);
}

describe('fields written with the "_" scope separator', () => {
  const text = readFileSync(SCOPE_SEP, 'latin1');

  it('are read as their dotted names, by the JavaScript and the WASM parser', () => {
    expect(text).toMatch(/\tid_resp_p\t/);
    const expected = rows(dotted(text));
    expect(expected.length).toBe(34);
    expect(expected.some((r) => typeof r['id.resp_p'] === 'number' && !Number.isNaN(r['id.resp_p']))).toBe(true);
    expect(rows(text)).toEqual(expected);
    expect(rows(text, new WasmTsvParser())).toEqual(expected);
  });

  it('are found in JSON logs too', () => {
    const line = (key: string) => `{"ts":1.5,"uid":"C1","${key}":"10.0.0.1","id_orig_p":5353,"${key.replace('orig', 'resp')}":"10.0.0.2","id_resp_p":53,"proto":"udp","conn_state":"SF","duration":0.5,"orig_bytes":10,"resp_bytes":20}`;
    const r = parseChunk(new TextEncoder().encode(`${line('id_orig_h')}\n`), 1, null, { file: 'test.json', columns: COLUMNS, strict: false, maxLineBytes: 1 << 20 });
    const [row] = rowsOf(r.batches);
    expect(row['id.resp_p']).toBe(53);
    expect(row['id.orig_h']).toBe('10.0.0.1');
    expect(row['id.resp_h']).toBe('10.0.0.2');
  });

  it('give resp_port a table of real ports, and fitting warns of nothing about them', async () => {
    const fitted = await fitLogs([SCOPE_SEP], { seed: 1 });
    const table = (fitted.forest.featureSpec as { tables: { resp_port: { values: string[] } } }).tables.resp_port;
    expect(table.values).toContain('53/udp');
    expect(fitted.warnings.filter((w) => w.includes('resp_port'))).toEqual([]);
  });
});

describe('the top table of a "_"-scoped log', () => {
  it('shows its hosts and ports, not "? → ?"', async () => {
    assertBuilt();
    const run = await runCli([SCOPE_SEP, '--top', '34']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('?');
    expect(run.stdout).toContain('173.192.163.128:80 → 141.142.220.235:6705');
  });
});

describe('fitting on fields that no record sets', () => {
  it('names each feature that isolates nothing and the fields it lacks (a field-name-map log: src, dst_port …)', async () => {
    const fitted = await fitLogs([FIELD_NAME_MAP], { seed: 1 });
    expect(fitted.warnings).toContain(
      'feature resp_port: no record has id.resp_p set, so it is the same for every record and isolates nothing (does this log name its id fields otherwise?)',
    );
  });

  it('says nothing of features whose fields are set', async () => {
    const fitted = await fitLogs([fixture('zat/conn.log')], { seed: 1 });
    expect(fitted.warnings).toEqual([]);
  });

  it('names a feature chosen with --features that the log never sets (zat has no local_resp)', async () => {
    const fitted = await fitLogs([fixture('zat/conn.log')], { seed: 1, features: ['duration', 'local_resp'] });
    expect(fitted.warnings).toEqual(['feature local_resp: no record has local_resp set, so it is the same for every record and isolates nothing']);
  });
});
