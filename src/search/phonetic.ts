// The Patient `phonetic` parameter (patient.html#search): a consonant-skeleton key designed for names
// transliterated into Latin script from Arabic, Dari, Pashto, Tigrinya, Somali and Kurdish.
//
// Transliterations of one name differ mainly in (1) vowels (Mohammed, Muhammad, Mohamad), (2) doubled
// letters (Youssef, Yusuf), (3) digraphs for one sound (kh/x, sh/ch, dh/th/gh/q), (4) the article fused
// into compounds (Abdelrahman, Abdul Rahman, Abdurrahman) and (5) glides y/w inside diphthongs (Husayn,
// Hussein). The key is therefore built as:
//   1. normalise (lower case, accents folded); drop a leading `al-`/`el-` particle; join the words;
//   2. `abd` + vowel + optional `l` becomes `abd` (the article after "servant of" and its assimilation);
//   3. digraphs to one letter: sch/sh/ch -> S, kh/x/h -> H (Somali and Kurdish write ḥ/kh as x),
//      gh -> g, th -> t, dh -> d, ph -> f, dj -> j, ck/c/q -> k, v -> w;
//   4. collapse doubled letters; a word-final `h` after a vowel is dropped (Fatimah, Abdullah);
//   5. a leading vowel becomes `A`; other vowels go; `y`/`w` after a vowel go unless a vowel other than
//      e/i (for y) or o/u (for w) follows (Zaynab = Zeinab, Dawood = Daoud, but Marwan keeps its w).
// The stored keys of a name part are the key of the whole part and of each word; a search value matches
// when its whole key equals a stored key or every one of its words' keys is stored.
import { normaliseString } from './normalise';

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

function wordKey(raw: string): string {
  let s = raw.replace(/[^a-z]/g, '');
  if (s === '') return '';
  s = s.replace(/^abd[aeiou]l?/, 'abd');
  s = s
    .replace(/sch|sh|ch/g, 'S')
    .replace(/kh|x/g, 'h')
    .replace(/gh/g, 'g')
    .replace(/th/g, 't')
    .replace(/dh/g, 'd')
    .replace(/ph/g, 'f')
    .replace(/dj/g, 'j')
    .replace(/ck|c|q/g, 'k')
    .replace(/v/g, 'w');
  s = s.replace(/(.)\1+/g, '$1');
  s = s.replace(/([aeiou])h$/, '$1');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    const prev = s[i - 1];
    const next = s[i + 1];
    if (VOWELS.has(c)) {
      if (i === 0) out += 'A';
      continue;
    }
    if ((c === 'y' || c === 'w') && i > 0 && prev !== undefined && VOWELS.has(prev)) {
      const keepBefore = c === 'y' ? ['a', 'o', 'u'] : ['a', 'e', 'i'];
      if (next === undefined || !keepBefore.includes(next)) continue;
    }
    out += c === 'h' ? 'H' : c;
  }
  return out;
}

function words(value: string): string[] {
  const norm = normaliseString(value).replace(/^(?:al|el)[-\s]+/, '');
  return norm.split(/[\s\-'’`ʿʾ]+/).filter((w) => w !== '');
}

/** The stored keys of one name part: the key of the whole part, then of each word. */
export function phoneticKeys(value: string): string[] {
  const ws = words(value);
  const keys = new Set<string>();
  const whole = wordKey(ws.join(''));
  if (whole) keys.add(whole);
  for (const w of ws) {
    const k = wordKey(w);
    if (k) keys.add(k);
  }
  return [...keys];
}

/** The search-side keys: `whole` for the joined value and `each` for its words. */
export function phoneticQuery(value: string): { whole: string; each: string[] } {
  const ws = words(value);
  return { whole: wordKey(ws.join('')), each: ws.map(wordKey).filter((k) => k !== '') };
}
