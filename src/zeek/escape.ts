// Zeek's ASCII writer escapes bytes it cannot print, the separator inside a value and a leading
// byte of a value that would read as unset or empty ("-" becomes "\x2d") as `\xNN`. Only that
// form exists: a backslash followed by anything else is literal (Zeek's own reader,
// util::get_unescaped_string, does the same).

import { Buffer, isUtf8 } from 'node:buffer';

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The bytes of b[s, e) with every `\xNN` replaced by the byte it stands for. */
export function unescapeBytes(b: Uint8Array, s: number, e: number): Uint8Array {
  const out = new Uint8Array(e - s);
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 0x5c && i + 3 < e && b[i + 1] === 0x78) {
      const hi = hexDigit(b[i + 2]);
      const lo = hexDigit(b[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 3;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/**
 * Text of raw log bytes. Zeek writes UTF-8 (raw, or as escaped bytes once unescaped); anything
 * that is not valid UTF-8 is read as Latin-1 so that every byte survives as one character.
 */
export function bytesToString(buf: Buffer, s: number, e: number): string {
  for (let i = s; i < e; i++) {
    if (buf[i] >= 0x80) {
      return isUtf8(buf.subarray(s, e)) ? buf.toString('utf8', s, e) : buf.toString('latin1', s, e);
    }
  }
  return buf.toString('latin1', s, e);
}

/** A TSV value as text, `\xNN` escapes resolved. */
export function decodeValue(buf: Buffer, s: number, e: number): string {
  let plain = true;
  let escaped = false;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 0x5c) escaped = true;
    else if (c >= 0x80) plain = false;
  }
  if (!escaped) return plain ? buf.toString('latin1', s, e) : bytesToString(buf, s, e);
  const raw = unescapeBytes(buf, s, e);
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  return bytesToString(b, 0, b.length);
}

/** A header value such as `#separator \x09` or `#set_separator ,` as text. */
export function unescapeText(text: string): string {
  // Directive text that is not Latin-1 cannot hold escapes Zeek wrote byte by byte.
  if (!text.includes('\\x') || /[^\u0000-\u00ff]/.test(text)) return text;
  const b = Buffer.from(text, 'latin1');
  const raw = unescapeBytes(b, 0, b.length);
  const rb = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  return bytesToString(rb, 0, rb.length);
}
