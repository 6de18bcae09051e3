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
  if (len === 0) return '';
  // Length and the two bytes at each end tell apart the values that repeat (tcp/udp, SF/S0/REJ,
  // the last digits of addresses); a collision only costs a decode.
  let h = Math.imul(len, 0x9e3779b1) ^ ((buf[s] << 24) | (buf[s + (len >> 1)] << 16) | (buf[e - 2 + (len === 1 ? 1 : 0)] << 8) | buf[e - 1]);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  const slot = (h ^ (h >>> 13)) & (SLOTS - 1);
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
