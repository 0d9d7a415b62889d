// The Patient `phonetic` parameter (patient.html#search): a sound key designed for names transliterated
// into Latin script from Arabic, Dari, Pashto, Tigrinya, Somali and Kurdish.
//
// Arabic script writes consonants and long vowels (ي y/ī, و w/ū, ا ā) but not short vowels, so
// transliterations of one name differ mainly in the short vowels (Mohammed, Muhammad, Mohamad), doubled
// letters (Youssef, Yusuf), digraphs for one sound (kh/x, sh/ch, dh/th/gh/q) and the article fused into
// compounds (Abdelrahman, Abdul Rahman, Abdurrahman). Names that differ by a written ي or و are different
// names, though: Hassan حسن and Hussein حسين, Saad سعد and Said سعيد, Mohammed محمد and Mahmoud محمود.
// So the key is the consonant skeleton plus the vowels that transliterations write reliably:
//   1. normalise (lower case, accents folded); drop the article `al`/`el` (leading, or a word of its own),
//      and apostrophes (ʿayn, hamza: Sa'id is one word); join the words;
//      Somali `c` for ʿayn before `abd` goes (Cabdullahi), `-llahi` is `-llah` (Abdullahi), a final `y`
//      after a consonant is `i` (Aly); in a Somali spelling (one with `x`) `ee` is ay and a final `uu` is ū;
//   2. `abd` + vowel + optional `l` becomes `abd` (the article after "servant of" and its assimilation);
//   3. digraphs to one letter: sch/sh -> S, ch -> h before a consonant (Achmed) and S otherwise,
//      kh/x/h -> H (Somali and Kurdish write ḥ/kh as x), gh -> g, th -> t, dh -> d, ph -> f, dj -> j,
//      ck/c/q -> k, v -> w; doubled consonants collapse;
//   4. each run of vowels (with a y or w between or after vowels) is one vowel group. A word-initial group
//      becomes `A`. Inside the word a group becomes `y` when it holds the diphthong or glide ي
//      (ai, ay, ei, ey, oi, aee, ia, io, iu, iy: Hussein, Husayn, Saeed, Mariam = Maryam), `w` when it holds
//      و after a (au, aw, ao: Daud = Dawood; Somali uw), `w` when it is u/o right after two consonants in the last
//      syllable (the pattern mafʿūl: Mahmoud, Mahmud, Mansour); otherwise it goes (short vowels vary).
//      A word-final `a`, `ah` or `eh` (tāʾ marbūṭa, alif) adds `a` (Amin ≠ Amina, Ali ≠ Alia); another
//      word-final `h` after a vowel goes.
// Known limits: a long vowel written as a single letter is not told from a short one (Jamal and Jamil,
// Omar and Ammar, Nasser and Nasr, Somali Mohamud (Mahmoud) and Mohamed share a key); a monophthong
// spelling loses its ي (Zenab does not find Zainab); German `ch` before a vowel reads as sh (Chalid).
// The stored keys of a name part are the key of the whole part and of each word; a search value matches
// when its whole key equals a stored key or every one of its words' keys is stored.
import { normaliseString } from './normalise';

const VOWEL = /[aeiou]/;
const Y_GROUP = /[aeo][iy]|aee|i[aouy]/;
const W_GROUP = /a[uwo]|uw/;

function letters(raw: string): string {
  let s = raw.replace(/[^a-z]/g, '');
  s = s
    .replace(/^cabd/, 'abd')
    .replace(/llahi$/, 'llah')
    .replace(/([^aeiou])y$/, '$1i');
  // Somali spelling (it writes ḥ as x) doubles long vowels: ee is ay (Xuseen), a final uu is ū (Maxamuud).
  if (s.includes('x')) s = s.replace(/ee/g, 'ey').replace(/uu(?=[^aeiou]$)/, 'uw');
  s = s.replace(/^abd[aeiou]l?/, 'abd');
  s = s
    .replace(/sch|sh/g, 'S')
    .replace(/ch(?=[^aeiouy]|$)/g, 'h')
    .replace(/ch/g, 'S')
    .replace(/kh|x/g, 'h')
    .replace(/gh/g, 'g')
    .replace(/th/g, 't')
    .replace(/dh/g, 'd')
    .replace(/ph/g, 'f')
    .replace(/dj/g, 'j')
    .replace(/ck|c|q/g, 'k')
    .replace(/v/g, 'w');
  // Doubled consonants collapse; doubled vowels stay for the vowel groups (Saeed).
  return s.replace(/([^aeiou])\1+/g, '$1');
}

/**
 * Splits into consonants and vowel groups; y/w after a vowel belong to its group. Each group is sliced once from
 * its run: growing it a letter at a time and reading its first letter made V8 flatten the growing string on every
 * letter, quadratic in a run of vowels (a 300,000-letter run took minutes).
 */
function segments(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (!VOWEL.test(c)) {
      out.push(c);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < s.length && /[aeiouyw]/.test(s[end] ?? '')) end++;
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

function groupKey(group: string, i: number, segs: string[]): string {
  if (i === 0) return 'A';
  if (Y_GROUP.test(group)) return 'y';
  if (W_GROUP.test(group)) return 'w';
  const twoBefore = [segs[i - 1], segs[i - 2]].every((x) => x !== undefined && !VOWEL.test(x[0] ?? ''));
  const lastSyllable = i >= segs.length - 2;
  if (/^[ou]+$/.test(group) && twoBefore && i >= 2 && lastSyllable) return 'w';
  return '';
}

function wordKey(raw: string): string {
  const s = letters(raw);
  if (s === '') return '';
  const segs = segments(s);
  // A final vowel + h is that vowel (Fatimah, Abdullah, Fatemeh).
  const tail = segs[segs.length - 1];
  const prev = segs[segs.length - 2];
  if (tail === 'h' && prev !== undefined && VOWEL.test(prev[0] ?? '') && segs.length > 2) segs.pop();
  let out = '';
  segs.forEach((seg, i) => {
    if (!VOWEL.test(seg[0] ?? '')) {
      out += seg === 'h' ? 'H' : seg;
      return;
    }
    out += groupKey(seg, i, segs);
    if (i === segs.length - 1 && i > 0 && /[ae]$/.test(seg) && (seg.endsWith('a') || tail === 'h'))
      out += 'a';
  });
  return out;
}

function words(value: string): string[] {
  const norm = normaliseString(value).replace(/^(?:al|el)[-\s]+/, '');
  // An apostrophe inside a word is ʿayn or hamza (Sa'id), not a word break; a lone article is no word.
  const ws = norm.split(/[\s-]+/).map((w) => w.replace(/['’`ʿʾ]/g, ''));
  return ws.filter((w, i) => w !== '' && !(i > 0 && /^(?:al|el|ul)$/.test(w)));
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
