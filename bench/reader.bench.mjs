// Zeek reader benchmark: MB/s of parseChunk (one core, bytes already in memory) and of the whole
// single-thread path from a file (readChunks + parseChunk), TSV and JSON, plain and gzip.
// Data: the real rows of test/fixtures/zeek/zat/conn.log (MIT) repeated to the target size, and,
// when the build has it, the project's Zeek 7 conn.log generator. Files go to bench/tmp/.
// Run: npm run build:ts && node bench/reader.bench.mjs [--quick]
import { Bench } from 'tinybench';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseChunk, readChunks, readZeekLog } from '../dist/zeek/index.js';
import { WasmTsvParser } from '../dist/zeek/wasm-tsv.js';
import { machine, quick, saveResults } from './common.mjs';

const MB = 1e6;
const targetBytes = quick ? 16 * MB : 100 * MB;
const tmp = new URL('./tmp/', import.meta.url);
mkdirSync(tmp, { recursive: true });

// The ~15 conn.log fields a feature set asks for: 11 numeric, 4 strings.
const columns = [
  ...['ts', 'duration', 'orig_bytes', 'resp_bytes', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes',
    'resp_ip_bytes', 'missed_bytes', 'id.resp_p', 'local_orig'].map((name) => ({ name, kind: 'number' })),
  ...['proto', 'service', 'conn_state', 'history'].map((name) => ({ name, kind: 'string' })),
];

/** Repeats the records of a real log (header kept once) until the file reaches targetBytes. */
function repeatRealLog(fixture, name) {
  const path = new URL(name, tmp);
  if (existsSync(path) && statSync(path).size >= targetBytes) return path;
  const text = readFileSync(new URL(fixture, import.meta.url), 'latin1');
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines.filter((l) => l.startsWith('#') && !l.startsWith('#close'));
  const body = lines.filter((l) => !l.startsWith('#')).join('\n') + '\n';
  const times = Math.ceil(targetBytes / Buffer.byteLength(body, 'latin1'));
  writeFileSync(path, header.join('\n') + '\n' + body.repeat(times), 'latin1');
  return path;
}

async function generated(format) {
  const path = new URL(`gen-conn-${quick ? 'quick' : 'full'}.${format}`, tmp);
  if (existsSync(path)) return path;
  let gen;
  try {
    gen = await import('../dist/gen/conn-generator.js');
  } catch {
    return null;
  }
  writeFileSync(path, Buffer.concat([...gen.generateConnLog({ bytes: targetBytes, format, seed: 7 })]));
  return path;
}

function gzipped(path) {
  const gz = new URL(path.href.split('/').pop() + '.gz', tmp);
  if (!existsSync(gz)) writeFileSync(gz, gzipSync(readFileSync(path), { level: 6 }));
  return gz;
}

/** The input cut into chunks the way readChunks cuts it, with their headers. */
async function chunksOf(path) {
  const out = [];
  for await (const c of readChunks(path.pathname)) out.push(c);
  return out;
}

const inputs = [
  { label: 'zat conn.log rows, TSV', path: repeatRealLog('../test/fixtures/zeek/zat/conn.log', `zat-conn-${quick ? 'quick' : 'full'}.log`) },
  { label: 'zat json_conn.log rows, JSON', path: repeatRealLog('../test/fixtures/zeek/zat/json_conn.log', `zat-json-conn-${quick ? 'quick' : 'full'}.log`) },
];
const genTsv = await generated('tsv');
if (genTsv !== null) inputs.splice(1, 0, { label: 'generated Zeek 7 conn.log, TSV', path: genTsv });

const results = [];
const rows = [];
const time = quick ? 500 : 3000;
const record = (bench, sizes) => {
  for (const task of bench.tasks) {
    const r = task.result;
    const ms = r && 'latency' in r ? r.latency.p50 : NaN;
    const mbps = sizes[task.name] / MB / (ms / 1000);
    results.push({ task: task.name, bytes: sizes[task.name], msMedian: ms, mbPerS: mbps });
    rows.push({ task: task.name, 'MB': (sizes[task.name] / MB).toFixed(1), 'median ms': ms.toFixed(1), 'MB/s': mbps.toFixed(0) });
  }
};

for (const { label, path } of inputs) {
  const size = statSync(path).size;
  const chunks = await chunksOf(path);
  const options = { file: 'bench', columns, strict: false, maxLineBytes: 1 << 20 };
  const bench = new Bench({ name: label, time, iterations: 3, warmupIterations: 1 });
  const sizes = {};
  const name = (t) => `${label}: ${t}`;
  let records = 0;
  bench.add(name('parseChunk, 1 core, in memory'), () => {
    records = 0;
    for (const c of chunks) for (const b of parseChunk(c.bytes, c.firstLine, c.header, options).batches) records += b.length;
  });
  sizes[name('parseChunk, 1 core, in memory')] = size;
  if (label.includes('TSV')) {
    // The same chunks through the WASM TSV parser (what workers use with the WASM engine): the
    // ratio to the row above is the parser's gain, taken side by side in one run.
    const wasm = { ...options, faster: new WasmTsvParser() };
    bench.add(name('parseChunk + WASM TSV parser, 1 core'), () => {
      for (const c of chunks) parseChunk(c.bytes, c.firstLine, c.header, wasm);
    });
    sizes[name('parseChunk + WASM TSV parser, 1 core')] = size;
  }
  bench.add(name('readChunks only, from file'), async () => {
    for await (const c of readChunks(path.pathname)) void c;
  });
  sizes[name('readChunks only, from file')] = size;
  bench.add(name('readZeekLog, from file'), async () => {
    const r = readZeekLog(path.pathname, { columns });
    for await (const b of r.batches) void b;
  });
  sizes[name('readZeekLog, from file')] = size;
  if (label.includes('TSV')) {
    bench.add(name('readZeekLog wasmParser, from file'), async () => {
      const r = readZeekLog(path.pathname, { columns, wasmParser: true });
      for await (const b of r.batches) void b;
    });
    sizes[name('readZeekLog wasmParser, from file')] = size;
  }
  if (label.includes('TSV')) {
    const gz = gzipped(path);
    bench.add(name('readZeekLog, from .gz'), async () => {
      const r = readZeekLog(gz.pathname, { columns });
      for await (const b of r.batches) void b;
    });
    // MB/s of the decompressed log, the figure comparable with the rows above.
    sizes[name('readZeekLog, from .gz')] = size;
  }
  await bench.run();
  record(bench, sizes);
  console.error(`${label}: ${records} records per pass`);
}

const m = machine();
console.log(`Zeek reader, ${columns.length} columns requested (${quick ? 'quick' : 'full'} run) on ${m.cpu}, ${m.cores} cores, Node ${m.node}`);
console.log('MB/s counts decompressed log bytes; parseChunk rows are one core, the others include reading the file on the same thread.');
console.table(rows);
saveResults('reader', results);
