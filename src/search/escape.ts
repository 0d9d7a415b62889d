// Escaping in search values (search.html#escaping): `\,` `\$` `\|` `\\` stand for the character itself. Values
// are split at unescaped separators first; each part is then unescaped once, by every parameter type alike.

/** Splits at unescaped `sep` (at most `limit` parts; the last keeps the rest); parts keep their escapes. */
export function splitUnescaped(value: string, sep: string, limit = Infinity): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length && out.length < limit - 1; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === sep) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** Resolves the escapes of one part: `\,` `\$` `\|` `\\` become `,` `$` `|` `\`; other backslashes stay. */
export const unescapeSearch = (s: string): string => s.replace(/\\([\\|$,])/g, '$1');
