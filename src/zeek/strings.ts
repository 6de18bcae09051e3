// Text of short TSV values through a small direct-mapped cache keyed by the raw bytes. conn.log's
// string columns (proto, service, conn_state, history, addresses) repeat constantly, and hashing
// and comparing a dozen bytes is several times cheaper than making a new string through Buffer.
// A miss simply replaces the slot; the cache only ever maps bytes to their one decoded text, so it
// can be shared by every header and chunk parsed in this thread.

import type { Buffer } from 'node:buffer';
import { decodeValue } from './escape.js';

const SLOTS = 4096;
const MAX_KEY = 24;
const keyBytes = new Uint8Array(SLOTS * MAX_KEY);
const keyLen = new Int32Array(SLOTS).fill(-1);
const text: string[] = new Array<string>(SLOTS).fill('');

/** decodeValue(buf, s, e), cached for values of up to 24 bytes. */
export function cachedValue(buf: Buffer, s: number, e: number): string {
  const len = e - s;
  if (len > MAX_KEY) return decodeValue(buf, s, e);
  let h = len;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
  const base = slot * MAX_KEY;
  if (keyLen[slot] === len) {
    let k = 0;
    while (k < len && keyBytes[base + k] === buf[s + k]) k++;
    if (k === len) return text[slot];
  }
  const t = decodeValue(buf, s, e);
  for (let k = 0; k < len; k++) keyBytes[base + k] = buf[s + k];
  keyLen[slot] = len;
  text[slot] = t;
  return t;
}
