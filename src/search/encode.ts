// Order-preserving string encodings of index entries: numbers and instants compare as plain strings.

/**
 * A finite number as 16 hex digits whose string order is the numeric order (IEEE 754 with the sign bit
 * flipped for positives and every bit flipped for negatives), so a range on the number is a range on the string.
 */
const scratch = new DataView(new ArrayBuffer(8));
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function encodeNumber(n: number): string {
  scratch.setFloat64(0, n === 0 ? 0 : n); // -0 and 0 encode alike
  const negative = (scratch.getUint8(0) & 0x80) !== 0;
  let out = '';
  for (let i = 0; i < 8; i++) {
    const b = scratch.getUint8(i);
    out += HEX[negative ? ~b & 0xff : i === 0 ? b | 0x80 : b];
  }
  return out;
}

export function decodeNumber(hex: string): number {
  const buf = Buffer.from(hex, 'hex');
  if ((buf[0] ?? 0) & 0x80) {
    buf[0] = (buf[0] ?? 0) & 0x7f;
  } else {
    for (let i = 0; i < 8; i++) buf[i] = ~(buf[i] ?? 0) & 0xff;
  }
  return buf.readDoubleBE(0);
}

/** Instants are kept as milliseconds since the epoch; the encoded form is an ISO string (fixed width). */
export const MIN_TIME = -62135596800000; // 0001-01-01T00:00:00.000Z (Date.UTC maps year 1 to 1901)
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function encodeTime(ms: number): string {
  const clamped = Math.min(MAX_TIME, Math.max(MIN_TIME, ms));
  return new Date(clamped).toISOString();
}

/**
 * Index keys may not contain `.` nor start with `$`; a parameter code keeps letters, digits, `-` and `_`
 * and every other character becomes `~` plus its hex code, so two codes never collide.
 */
export function encodeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_-]/g, (c) => '~' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
