// Primitive data types: JSON representation and the value regexes of the R4 definitions (datatypes.html#primitive).
import { isRealDay } from '../fhir/instant';
import type { Registry } from './registry';

export interface PrimitiveRule {
  json: 'string' | 'number' | 'boolean';
  regex?: RegExp;
  /** The regex spells out Java's white space itself: the string is tested as it is. */
  javaSpaces?: boolean;
  integer?: boolean;
  minimum?: number;
  /** string and its specializations (code, id, markdown) SHALL NOT exceed 1 MB (datatypes.html#string). */
  maxBytes?: number;
}

const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const INT32 = 2147483647;
const STRING_MAX_BYTES = 1024 * 1024;
const STRING = 'http://hl7.org/fhir/StructureDefinition/string';
const UNICODE_SPACE = /[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g;

/** The primitive types by name, with the regex each definition carries on its `value` element. */
export function primitiveRules(reg: Registry): Map<string, PrimitiveRule> {
  const rules = new Map<string, PrimitiveRule>();
  for (const [name, sd] of reg.types) {
    if (sd.kind !== 'primitive-type') continue;
    const value = sd.snapshot?.element.find((e) => e.path === `${name}.value`);
    const source = value?.type?.[0]?.extension?.find((x) => x.url === REGEX_EXT)?.valueString;
    const rule: PrimitiveRule = { json: 'string' };
    if (name === 'boolean') rule.json = 'boolean';
    else if (['integer', 'decimal', 'positiveInt', 'unsignedInt'].includes(name)) rule.json = 'number';
    if (name !== 'decimal' && rule.json === 'number') rule.integer = true;
    if (name === 'string' || sd.baseDefinition === STRING) rule.maxBytes = STRING_MAX_BYTES;
    if (name === 'positiveInt') rule.minimum = 1;
    if (name === 'unsignedInt') rule.minimum = 0;
    // xhtml has no regex; its content is checked by the Narrative invariants (txt-1, txt-2).
    if (source && rule.json === 'string') {
      const java = javaSpaces(source);
      rule.regex = new RegExp(`^(?:${java ?? source})$`);
      if (java) rule.javaSpaces = true;
    }
    // The spec's base64Binary regex backtracks badly on large attachments: checked without it below.
    if (name === 'base64Binary') delete rule.regex;
    rules.set(name, rule);
  }
  return rules;
}

const JAVA_SPACE = '[\\t\\n\\x0B\\f\\r ]';
const SPACE_TOKENS = /\[ \\r\\n\\t\\S\]|\[\^\\s\]|\\s|\\S/g;

/**
 * The regexes are written for Java, whose `\s` is ASCII white space only: a regex made only of white-space classes,
 * groups and quantifiers (string, code, uri...) is rewritten with Java's classes, which tests a string exactly as
 * the original tests it with every other Unicode space read as a letter; undefined for any other regex.
 */
function javaSpaces(source: string): string | undefined {
  if (!/\\[sS]/.test(source) || !/^[()*+?|]*$/.test(source.replace(SPACE_TOKENS, ''))) return undefined;
  // `[ \r\n\t\S]` in Java is every character but the vertical tab and the form feed.
  return source.replace(SPACE_TOKENS, (t) =>
    t === '\\s'
      ? JAVA_SPACE
      : t === '\\S' || t === '[^\\s]'
        ? `[^${JAVA_SPACE.slice(1, -1)}]`
        : '[^\\x0B\\f]',
  );
}

/** Why a JSON value is not a valid primitive of this type, or undefined when it is. */
export function primitiveProblem(value: unknown, type: string, rule: PrimitiveRule): string | undefined {
  if (typeof value !== rule.json) return `a ${type} must be a JSON ${rule.json}, not ${describe(value)}`;
  if (rule.json === 'number') {
    const n = value as number;
    if (!Number.isFinite(n)) return `${String(n)} is not a valid ${type}`;
    if (rule.integer && !Number.isInteger(n)) return `${n} is not a valid ${type}: it must be a whole number`;
    if (rule.integer && (n > INT32 || n < -INT32 - 1)) return `${n} is out of the 32-bit range of ${type}`;
    if (rule.minimum !== undefined && n < rule.minimum)
      return `${n} is not a valid ${type}: it must be ≥ ${rule.minimum}`;
    return undefined;
  }
  if (rule.json === 'string') {
    const s = value as string;
    if (s.length === 0) return `an empty string is not a valid ${type} (leave the element out instead)`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long string is measured.
    if (rule.maxBytes !== undefined && s.length * 3 > rule.maxBytes) {
      const bytes = Buffer.byteLength(s, 'utf8');
      if (bytes > rule.maxBytes)
        return `a ${type} SHALL NOT exceed 1 MB (${rule.maxBytes} bytes in UTF-8); this one has ${bytes} bytes`;
    }
    if (type === 'base64Binary' && !isBase64(s)) return `'${clip(s)}' is not valid base64Binary`;
    // The regexes are written for Java, whose \s is ASCII whitespace only (JavaScript's also has U+00A0 and others).
    if (rule.regex && !rule.regex.test(rule.javaSpaces ? s : s.replace(UNICODE_SPACE, 'x')))
      return `'${clip(s)}' is not a valid ${type}`;
    if (CALENDAR_TYPES.has(type) && !isRealDay(s)) return `'${clip(s)}' is not a calendar date (no such day)`;
  }
  return undefined;
}

const BASE64 = /^[0-9a-zA-Z+/]*={0,2}$/;

/**
 * `[0-9a-zA-Z+/]*={0,2}` for a long string whose length is a multiple of 4, by Node's decoder (ten times faster than
 * the regex): it skips or stops at every character outside its alphabet (ours plus `-` and `_`), so the decoded length
 * is the full one only when there is none. False means "not this way": the caller checks again.
 */
function isPlainBase64(s: string): boolean {
  const n = s.length;
  if (s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return false;
  const pads = s.charCodeAt(n - 1) !== 61 ? 0 : s.charCodeAt(n - 2) !== 61 ? 1 : 2;
  return Buffer.from(s, 'base64').length === (n / 4) * 3 - pads;
}

/** The base64 alphabet by character code. */
const ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  ALPHABET[c.charCodeAt(0)] = 1;

/** JavaScript's `\s`: white space is allowed anywhere in base64Binary and is not counted. */
const isSpace = (c: number): boolean =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  (c >= 0xa0 &&
    (c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff));

/** `[0-9a-zA-Z+/]*={0,2}` in groups of four once white space is removed, without copying a large attachment. */
function isBase64(s: string): boolean {
  // Most attachments carry no white space: then the plain pattern decides.
  if (s.length % 4 === 0 && (s.length > 1024 ? isPlainBase64(s) : BASE64.test(s))) return true;
  const n = s.length;
  let i = 0;
  let spaces = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && ALPHABET[c] === 1) continue;
    if (!isSpace(c)) break;
    spaces++;
  }
  for (let pads = 0; i < n && pads < 2 && s.charCodeAt(i) === 61; pads++) {
    i++;
    while (i < n && isSpace(s.charCodeAt(i))) {
      spaces++;
      i++;
    }
  }
  return i === n && (n - spaces) % 4 === 0;
}

const CALENDAR_TYPES = new Set(['date', 'dateTime', 'instant']);

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

const clip = (s: string): string => (s.length > 60 ? s.slice(0, 57) + '...' : s);
