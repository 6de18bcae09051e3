// Ids for the short string values of a log: the same bytes get the same small integer for as long
// as the dictionary lives, so the host turns each id into its text once and looks codes up by id
// (src/zeek/wasm-tsv.ts, src/zeek/features.ts). conn.log's categorical columns (proto, service,
// conn_state, history) take a few hundred distinct values over millions of records.
//
// The host places the dictionary in linear memory (dictBytes() at `dict`) and clears it with
// dictReset. Layout from `dict`:
//   slots  i32[SLOTS]          open addressing: 1 + id, or 0 for an empty slot
//   keys   u64[MAX_IDS * 4]    each id's bytes, zero-padded to 32
//   lens   u8[MAX_IDS]         each id's length
// A full dictionary gives no new ids (-1) until the host resets it; values it never takes (empty,
// longer than 32 bytes) are -1 too, and the host reads those from their bytes.

/** Longest value that gets an id. */
const MAX_KEY: u32 = 32;
/** Most ids between resets; the table is at most half full, so probes stay short. */
export const MAX_IDS: u32 = 16384;
const SLOTS: u32 = MAX_IDS * 2;
const KEYS_AT: usize = <usize>SLOTS << 2;
const LENS_AT: usize = KEYS_AT + (<usize>MAX_IDS << 5);
const DICT_BYTES: usize = LENS_AT + <usize>MAX_IDS;

let count: u32 = 0;
let limit: u32 = MAX_IDS;

/** Bytes the host reserves at `dict`. */
export function dictBytes(): u32 {
  return <u32>DICT_BYTES;
}

/** Ids given since the last reset. */
export function dictCount(): u32 {
  return count;
}

/** Empties the dictionary at `dict`; at most `maxIds` (≤ MAX_IDS) ids are given until the next reset. */
export function dictReset(dict: usize, maxIds: u32): void {
  memory.fill(dict, 0, KEYS_AT);
  count = 0;
  limit = maxIds < MAX_IDS ? maxIds : MAX_IDS;
}

/** The bytes of a value's last word: `rem` (1–8) of them, the rest zero. */
// @ts-ignore: decorator
@inline function lastWord(p: usize, rem: u32): u64 {
  const w = load<u64>(p);
  return rem >= 8 ? w : w & ((<u64>1 << (<u64>rem << 3)) - 1);
}

/**
 * The id of the `len` bytes at `p`, given a new one if they have none and the dictionary has room;
 * -1 otherwise. Reads whole 8-byte words, so up to 7 bytes past the value (the host keeps them
 * inside linear memory).
 */
export function dictId(dict: usize, p: usize, len: u32): i32 {
  if (len - 1 >= MAX_KEY) return -1; // empty (len - 1 wraps) or too long
  const words = (len + 7) >> 3;
  // The words, masked, and a multiplicative hash of them.
  let w0: u64 = 0, w1: u64 = 0, w2: u64 = 0, w3: u64 = 0;
  if (words == 1) w0 = lastWord(p, len);
  else {
    w0 = load<u64>(p);
    if (words == 2) w1 = lastWord(p + 8, len - 8);
    else {
      w1 = load<u64>(p + 8);
      if (words == 3) w2 = lastWord(p + 16, len - 16);
      else {
        w2 = load<u64>(p + 16);
        w3 = lastWord(p + 24, len - 24);
      }
    }
  }
  let h: u64 = (<u64>len ^ w0) * 0x9e3779b97f4a7c15;
  h = (h ^ w1 ^ (h >> 29)) * 0xbf58476d1ce4e5b9;
  h = (h ^ w2 ^ (h >> 31)) * 0x94d049bb133111eb;
  h = (h ^ w3 ^ (h >> 29)) * 0x9e3779b97f4a7c15;
  let slot = <u32>(h >> 40) & (SLOTS - 1);
  for (;;) {
    const at = dict + (<usize>slot << 2);
    const e = load<i32>(at);
    if (e == 0) {
      if (count >= limit) return -1;
      const id = count++;
      store<i32>(at, <i32>id + 1);
      const k = dict + KEYS_AT + (<usize>id << 5);
      store<u64>(k, w0);
      store<u64>(k + 8, w1);
      store<u64>(k + 16, w2);
      store<u64>(k + 24, w3);
      store<u8>(dict + LENS_AT + <usize>id, <u8>len);
      return <i32>id;
    }
    const id = <u32>(e - 1);
    const k = dict + KEYS_AT + (<usize>id << 5);
    if (
      <u32>load<u8>(dict + LENS_AT + <usize>id) == len &&
      load<u64>(k) == w0 && load<u64>(k + 8) == w1 && load<u64>(k + 16) == w2 && load<u64>(k + 24) == w3
    ) return <i32>id;
    slot = (slot + 1) & (SLOTS - 1);
  }
  return -1; // not reached: the table always has an empty slot
}
