// The WASM TSV parser's dictionary ids (RecordBatch.stringIds, assembly/dictionary.ts): within an
// epoch an id stands for one text and a text has one id, and featurize reads codes through them to
// the same bits as through the strings, whether the dictionary fills up or not.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConnFeatureLearner, connFeatureColumns, featurize } from '../src/zeek/features.js';
import { parseChunk, type ColumnRequest, type RecordBatch } from '../src/zeek/index.js';
import { WasmTsvParser } from '../src/zeek/wasm-tsv.js';
import { fixture, str } from './zeek-helpers.js';

// The kernel takes no line of these two (escapes; IoT-23's spaced last field names), so their
// values get no ids: the JavaScript parser's records have none (-1). The tests check that too.
const ALL_JS = new Set(['synthetic/iot23-quirk.conn.log.labeled', 'synthetic/escapes.log']);
const LOGS = [
  'zat/conn.log', 'synthetic/iot23-quirk.conn.log.labeled', 'synthetic/node-name-truncated.conn.log', 'synthetic/escapes.log',
  ...readdirSync(fixture('btest')).map((f) => `btest/${f}`),
];

/** A log's batches, cut into chunks of about `chunkBytes` on line ends, each chunk with the header in force. */
function parseInChunks(bytes: Uint8Array, columns: ColumnRequest[], faster: WasmTsvParser | undefined, chunkBytes: number): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let header = null;
  let line = 1;
  for (let at = 0; at < bytes.length;) {
    let end = Math.min(at + chunkBytes, bytes.length);
    while (end < bytes.length && bytes[end - 1] !== 0x0a) end++;
    const r = parseChunk(bytes.subarray(at, end), line, header, { file: 'test.log', columns, strict: false, maxLineBytes: 1 << 20, faster });
    batches.push(...r.batches);
    header = r.header;
    line += r.linesRead;
    at = end;
  }
  return batches;
}

/** The spec learnt from a log's records. */
function specOf(bytes: Uint8Array) {
  const learner = new ConnFeatureLearner({ sampleSize: 1000, seed: 7 });
  for (const b of parseInChunks(bytes, learner.columns, undefined, 1 << 20)) learner.observe(b);
  return learner.finish();
}

/** The same batch without its ids: featurize then reads strings only. */
function withoutIds(b: RecordBatch): RecordBatch {
  const { stringIds: _, ...rest } = b;
  return rest;
}

describe('dictionary ids of string values', () => {
  for (const maxIds of [1, 3, 16384]) {
    for (const name of LOGS) {
      it(`give each text one id per epoch, and no id two texts: ${name}, at most ${maxIds} ids`, () => {
        const faster = new WasmTsvParser(undefined, undefined, maxIds);
        const columns = [...connFeatureColumns(), ...str('uid', 'id.orig_h')];
        const batches = parseInChunks(readFileSync(fixture(name)), columns, faster, 2048);
        // epoch → id → text, and epoch → text → id
        const textOf = new Map<number, Map<number, string | null>>();
        const idOf = new Map<number, Map<string | null, number>>();
        let withId = 0;
        for (const b of batches) {
          if (b.stringIds === undefined) continue;
          const { epoch, limit, columns: ids } = b.stringIds!;
          expect(limit).toBe(maxIds);
          if (!textOf.has(epoch)) {
            textOf.set(epoch, new Map());
            idOf.set(epoch, new Map());
          }
          const texts = textOf.get(epoch)!;
          const byText = idOf.get(epoch)!;
          for (const [field, values] of b.strings) {
            const col = ids.get(field)!;
            expect(col.length).toBe(b.length);
            for (let r = 0; r < b.length; r++) {
              const id = col[r];
              expect(id).toBeGreaterThanOrEqual(-1);
              expect(id).toBeLessThan(limit);
              if (id < 0) continue;
              withId++;
              const text = values[r];
              if (texts.has(id)) expect(texts.get(id)).toBe(text);
              else texts.set(id, text);
              if (byText.has(text)) expect(byText.get(text)).toBe(id);
              else byText.set(text, id);
            }
          }
        }
        // Not vacuous: the kernel gave ids, except where it took no line.
        if (ALL_JS.has(name)) expect(withId).toBe(0);
        else expect(withId).toBeGreaterThan(0);
        // A dictionary of one id fills at once: it is emptied, and its ids start a new epoch, batch after batch.
        if (maxIds === 1 && batches.length > 1) expect(textOf.size).toBeGreaterThan(1);
      });
    }
  }

  for (const maxIds of [1, 3, 16384]) {
    it(`leave featurize's output bit for bit as the strings give it (real logs, chunks of 1 KiB to 1 MiB, at most ${maxIds} ids)`, () => {
      for (const name of LOGS) {
        const bytes = readFileSync(fixture(name));
        const spec = specOf(bytes);
        for (const chunkBytes of [1024, 4096, 1 << 20]) {
          const faster = new WasmTsvParser(undefined, undefined, maxIds);
          for (const b of parseInChunks(bytes, connFeatureColumns(spec), faster, chunkBytes)) {
            const viaIds = featurize(b, spec);
            const viaStrings = featurize(withoutIds(b), spec);
            expect(new Uint32Array(viaIds.buffer), `${name}, chunks of ${chunkBytes} bytes`).toEqual(new Uint32Array(viaStrings.buffer));
          }
        }
      }
    });
  }

  it('start a new epoch when a header block changes what the unset and empty strings are', () => {
    const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'conn_state', 'history'];
    const types = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'string', 'string'];
    const block = (unset: string, empty: string, rows: string[]) =>
      `#separator \\x09\n#set_separator\t,\n#empty_field\t${empty}\n#unset_field\t${unset}\n#path\tconn\n#fields\t${fields.join('\t')}\n#types\t${types.join('\t')}\n${rows.join('\n')}\n`;
    const row = (service: string, state: string) => `1.5\tCa\t10.0.0.1\t1000\t10.0.0.2\t53\tudp\t${service}\t${state}\tDd`;
    // Block 1: '-' is unset, '(empty)' empty. Block 2: '?' is unset and '--' empty, so the bytes
    // '-' and '(empty)' now read as values of their own (the kernel takes one-byte unset fields only).
    const values = ['-', '(empty)', '?', '--'];
    const text = block('-', '(empty)', values.map((v) => row(v, 'SF'))) + block('?', '--', values.map((v) => row(v, 'SF')));
    const faster = new WasmTsvParser();
    const columns = str('service', 'conn_state');
    const r = parseChunk(new TextEncoder().encode(text), 1, null, { file: 'test.log', columns, strict: false, maxLineBytes: 1 << 20, faster });
    const js = parseChunk(new TextEncoder().encode(text), 1, null, { file: 'test.log', columns, strict: false, maxLineBytes: 1 << 20 });
    expect(r.batches.map((b) => [...b.strings])).toEqual(js.batches.map((b) => [...b.strings]));
    expect(r.batches.length).toBe(2);
    const [a, b] = r.batches;
    expect(a.strings.get('service')).toEqual([null, '', '?', '--']);
    expect(b.strings.get('service')).toEqual(['-', '(empty)', null, '']);
    expect(a.stringIds!.epoch).not.toBe(b.stringIds!.epoch);
    // Not vacuous: the kernel gave these values ids in both blocks.
    expect(Array.from(a.stringIds!.columns.get('service')!).every((id) => id >= 0)).toBe(true);
    expect(Array.from(b.stringIds!.columns.get('service')!).every((id) => id >= 0)).toBe(true);
  });

  it('are -1 for the lines the JavaScript parser takes, and for values too long for the dictionary', () => {
    const long = 'x'.repeat(33);
    const text = readFileSync(fixture('zat/conn.log'), 'latin1').split('\n');
    // A record the kernel leaves to JavaScript (a negative number), and one with a 33-byte history.
    const fields = text.find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
    const at = text.findIndex((l) => !l.startsWith('#'));
    const cols = text[at].split('\t');
    const negative = [...cols];
    negative[fields.indexOf('duration')] = '-1.5';
    const longHistory = [...cols];
    longHistory[fields.indexOf('history')] = long;
    text.splice(at + 1, 0, negative.join('\t'), longHistory.join('\t'));
    const faster = new WasmTsvParser();
    const columns = connFeatureColumns();
    const r = parseChunk(new TextEncoder().encode(text.join('\n')), 1, null, { file: 'test.log', columns, strict: false, maxLineBytes: 1 << 20, faster });
    const b = r.batches[0];
    const history = b.strings.get('history')!;
    const ids = b.stringIds!.columns.get('history')!;
    const proto = b.stringIds!.columns.get('proto')!;
    expect(history[2]).toBe(long);
    expect(ids[2]).toBe(-1); // too long
    expect(proto[2]).toBeGreaterThanOrEqual(0); // ... while the same record's short proto has one
    expect(ids[1]).toBe(-1); // the JavaScript parser's record
    expect(proto[1]).toBe(-1);
    expect(ids[0]).toBeGreaterThanOrEqual(0);
  });

  it('featurize caps what a batch says its ids are below: a huge limit allocates no huge table', () => {
    const bytes = readFileSync(fixture('zat/conn.log'));
    const spec = specOf(bytes);
    const b = parseInChunks(bytes, connFeatureColumns(spec), new WasmTsvParser(), 1 << 20)[0];
    const hostile: RecordBatch = { ...b, stringIds: { ...b.stringIds!, epoch: -42, limit: 2 ** 31 } };
    const before = process.memoryUsage().arrayBuffers;
    const x = featurize(hostile, spec);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    expect(new Uint32Array(x.buffer)).toEqual(new Uint32Array(featurize(withoutIds(b), spec).buffer));
  });
});
