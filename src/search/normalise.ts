// The one normaliser of search strings (search.html#string): lower case, accents folded, spaces collapsed.

const COMBINING = /\p{M}/gu;
// Letters that NFD does not decompose but that a reader treats as the base letter.
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
  ħ: 'h',
  ŋ: 'n',
};
const SPECIAL_RE = /[ßæœøđðþłıħŋ]/g;

/** Case- and accent-insensitive form used on both sides: index values and search values. */
export function normaliseString(value: string): string {
  // Plain ASCII (most values) needs no decomposition.
  if (/^[\x20-\x7e]*$/.test(value)) {
    const lower = value.toLowerCase();
    return lower.includes('  ') || lower.startsWith(' ') || lower.endsWith(' ')
      ? lower.replace(/ +/g, ' ').trim()
      : lower;
  }
  return value
    .normalize('NFD')
    .replace(COMBINING, '')
    .toLowerCase()
    .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c)
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes a string for use inside a regular expression (always anchored by the caller). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
