// A log of another kind (dns.log) is refused with one clear line, not scored into noise.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, removeDir, runCli, tempDir, ZEEK_FIXTURES } from './helpers/e2e.js';

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => removeDir(dir));

const DNS_TSV = join(ZEEK_FIXTURES, 'zat/dns.log');
const DNS_JSON = join(ZEEK_FIXTURES, 'zat/json_dns.log');
const CONN = join(ZEEK_FIXTURES, 'zat/conn.log');

describe('logs that are not conn logs', () => {
  it('are refused by the one-go mode and by fit, naming the file and the log kind', async () => {
    for (const args of [[DNS_TSV], ['fit', DNS_TSV, '-o', join(dir, 'm.iforest')]]) {
      const run = await runCli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`zeek-iforest: ${DNS_TSV}: this is a dns log: it has none of the conn.log fields conn_state, orig_bytes, resp_bytes, duration…; zeek-iforest scores Zeek conn logs\n`);
    }
  });

  it('are refused by score, inline and in the pool, TSV and JSON, leaving no output', async () => {
    const model = join(dir, 'conn.iforest');
    expect((await runCli(['fit', CONN, '-o', model])).code).toBe(0);
    for (const [log, kind] of [[DNS_TSV, 'a dns log'], [DNS_JSON, 'not a conn log']]) {
      for (const threads of ['0', '2']) {
        const out = join(dir, 'scored.log');
        const run = await runCli(['score', log, '-m', model, '--threads', threads, '-o', out]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`${log}: this is ${kind}: it has none of the conn.log fields`);
        expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      }
    }
  });
});
