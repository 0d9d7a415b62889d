// Narrative XHTML (narrative.html#xhtml, invariants txt-1 and txt-2 of Narrative.div): a strict tokenizer of the
// XML the narrative is, with the element and attribute lists of the txt-1 rule and the safety rules a clinic page
// that renders the narrative needs (no scripts, no event attributes, no script URLs).

/** One problem with a narrative: the invariant it breaks and what is wrong (names only, never the content). */
export interface NarrativeProblem {
  key: 'txt-1' | 'txt-2';
  message: string;
}

/** The elements of the R4 txt-1 rule (its XPath: chapters 7-11 and 15 of HTML 4.0, anchors and images). */
export const NARRATIVE_ELEMENTS: ReadonlySet<string> = new Set(
  'a abbr acronym b big blockquote br caption cite code col colgroup dd dfn div dl dt em h1 h2 h3 h4 h5 h6 hr i img li ol p pre q samp small span strong sub sup table tbody td tfoot th thead tr tt ul var'.split(
    ' ',
  ),
);

/** The attributes of the R4 txt-1 rule (its XPath), on any of the elements above. */
export const NARRATIVE_ATTRIBUTES: ReadonlySet<string> = new Set(
  'abbr accesskey align alt axis bgcolor border cellhalign cellpadding cellspacing cellvalign char charoff charset cite class colspan compact coords dir frame headers height href hreflang hspace id lang longdesc name nowrap rel rev rowspan rules scope shape span src start style summary tabindex title type valign value vspace width'.split(
    ' ',
  ),
);

export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/** Attributes holding a URL a browser follows or loads. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc']);
/** URL schemes a narrative may link to; any other scheme (javascript:, vbscript:, data: in a link...) is refused. */
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel', 'ftp', 'urn']);
/** Unsafe schemes named in a diagnostic; any other is not repeated (it is the sender's text). */
const NAMED_SCHEMES = new Set(['javascript', 'vbscript', 'data', 'file', 'blob', 'about', 'filesystem']);
/** CSS that runs code or loads from elsewhere in some browser. */
const UNSAFE_STYLE = /expression\s*\(|javascript:|vbscript:|@import|behavior\s*:|-moz-binding/i;
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?$/;
/** Characters XML 1.0 does not allow (control characters, lone surrogates, U+FFFE/U+FFFF). */
const ILLEGAL_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_PROBLEMS = 20;

/** Thrown inside the tokenizer when the text is not well-formed: nothing after that point can be read reliably. */
class Malformed extends Error {}

/** Every problem of a narrative `div`; empty when it is one well-formed XHTML `div` with content, as R4 asks. */
export function narrativeProblems(xhtml: string): NarrativeProblem[] {
  const problems: NarrativeProblem[] = [];
  const seen = new Set<string>();
  const add = (key: NarrativeProblem['key'], message: string): void => {
    if (seen.has(message) || problems.length >= MAX_PROBLEMS) return;
    seen.add(message);
    problems.push({ key, message });
  };
  try {
    const content = tokenize(xhtml, add);
    if (!content)
      add(
        'txt-2',
        'The narrative has no content: it needs some text that is not white space, or an image with src',
      );
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    add('txt-1', `The narrative is not well-formed XHTML: ${e.message}`);
  }
  return problems;
}

/** Reads the whole text; returns whether it has content (txt-2). Throws Malformed at the first syntax error. */
function tokenize(s: string, add: (key: NarrativeProblem['key'], message: string) => void): boolean {
  const illegal = ILLEGAL_CHAR.exec(s);
  if (illegal)
    throw new Malformed(`a character XML does not allow (U+${hex(illegal[0])}) at ${illegal.index}`);
  const open: string[] = [];
  let rootSeen = false;
  let content = false;
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const end = lt < 0 ? s.length : lt;
    if (end > i) {
      const text = decodeText(s, i, end);
      if (open.length === 0) {
        if (text.trim() !== '') throw new Malformed(`text outside the root <div> at ${i}`);
      } else if (/[^\t\n\r ]/.test(text)) content = true;
      if (s.slice(i, end).includes(']]>')) throw new Malformed(`"]]>" in text at ${i}`);
    }
    if (lt < 0) break;
    i = lt;
    if (s.startsWith('<!--', i)) {
      if (open.length === 0) throw new Malformed(`a comment outside the root <div> at ${i}`);
      const close = s.indexOf('-->', i + 4);
      if (close < 0) throw new Malformed(`a comment that is not closed at ${i}`);
      const body = s.slice(i + 4, close);
      // XML forbids "--" inside; an HTML page also ends a comment at "<!-->" and "<!--->": refused, so the page reads
      // the comment exactly as XML does and nothing hidden in it can become markup.
      if (body.includes('--') || body.startsWith('>') || body.startsWith('->') || body.endsWith('-'))
        throw new Malformed(`a comment with "--" or an abrupt end at ${i}`);
      i = close + 3;
    } else if (s.startsWith('<?', i)) {
      throw new Malformed(`a processing instruction at ${i}: not allowed in a narrative`);
    } else if (s.startsWith('<!', i)) {
      throw new Malformed(`a declaration or CDATA section at ${i}: not allowed in a narrative`);
    } else if (s.startsWith('</', i)) {
      const m = /^<\/([^\s>]*)\s*>/.exec(s.slice(i, i + 200));
      if (!m) throw new Malformed(`a broken end tag at ${i}`);
      const expected = open.pop();
      if (expected !== m[1])
        throw new Malformed(
          expected === undefined
            ? `an end tag </${m[1]} with no element open at ${i}`
            : `</${m[1]}> at ${i} closes <${expected}>`,
        );
      i += m[0].length;
    } else {
      const tag = startTag(s, i);
      if (open.length === 0) {
        if (rootSeen) throw new Malformed(`a second root element <${tag.name}> at ${i}`);
        rootSeen = true;
        if (tag.name !== 'div') add('txt-1', `The narrative's root element must be <div>, not <${tag.name}>`);
        if (tag.attributes.get('xmlns') !== XHTML_NAMESPACE)
          add('txt-1', `The root <div> must declare the XHTML namespace: xmlns="${XHTML_NAMESPACE}"`);
      }
      checkElement(tag, add);
      if (tag.name === 'img' && (tag.attributes.get('src') ?? '').trim() !== '') content = true;
      if (!tag.selfClosing) open.push(tag.name);
      i = tag.end;
    }
  }
  if (open.length > 0) throw new Malformed(`<${open[open.length - 1]}> is not closed`);
  if (!rootSeen) throw new Malformed('no root <div> element');
  return content;
}

interface StartTag {
  name: string;
  attributes: Map<string, string>;
  selfClosing: boolean;
  end: number;
}

/** A start tag at `i` with its attributes, values decoded; every attribute quoted and given once, as XML asks. */
function startTag(s: string, i: number): StartTag {
  const nm = /^<([^\s/>]+)/.exec(s.slice(i, i + 200));
  if (!nm || !NAME.test(nm[1]!)) throw new Malformed(`a broken start tag at ${i}`);
  const attributes = new Map<string, string>();
  let j = i + nm[0].length;
  for (;;) {
    const ws = /^[\t\n\r ]*/.exec(s.slice(j, j + 1000))![0].length;
    j += ws;
    if (s.startsWith('/>', j)) return { name: nm[1]!, attributes, selfClosing: true, end: j + 2 };
    if (s[j] === '>') return { name: nm[1]!, attributes, selfClosing: false, end: j + 1 };
    if (j >= s.length) throw new Malformed(`<${nm[1]}> is not closed by ">"`);
    if (ws === 0) throw new Malformed(`no space before an attribute of <${nm[1]}> at ${j}`);
    const am = /^([^\s=/>"']+)[\t\n\r ]*=[\t\n\r ]*(["'])/.exec(s.slice(j, j + 300));
    if (!am || !NAME.test(am[1]!))
      throw new Malformed(`an attribute of <${nm[1]}> at ${j} without a quoted value`);
    const quote = am[2]!;
    const valueStart = j + am[0].length;
    const close = s.indexOf(quote, valueStart);
    if (close < 0) throw new Malformed(`an attribute value of <${nm[1]}> that is not closed`);
    const raw = s.slice(valueStart, close);
    if (raw.includes('<')) throw new Malformed(`"<" in an attribute value of <${nm[1]}> at ${valueStart}`);
    if (attributes.has(am[1]!)) throw new Malformed(`the attribute ${am[1]} twice on <${nm[1]}>`);
    attributes.set(am[1]!, decodeText(s, valueStart, close));
    j = close + 1;
  }
}

/** The txt-1 lists and the safety rules for one element. */
function checkElement(tag: StartTag, add: (key: NarrativeProblem['key'], message: string) => void): void {
  const el = tag.name;
  if (!NARRATIVE_ELEMENTS.has(el))
    add(
      'txt-1',
      /^script$/i.test(el)
        ? `A <${el}> element (a script) is not allowed in a narrative`
        : `The element <${el}> is not allowed in a narrative (txt-1 allows basic HTML formatting, links and images)`,
    );
  for (const [name, value] of tag.attributes) {
    if (name === 'xmlns') {
      if (value !== XHTML_NAMESPACE) add('txt-1', `<${el}> declares another namespace than XHTML's`);
      continue;
    }
    if (/^on/i.test(name)) {
      add('txt-1', `The event attribute ${name} on <${el}> is not allowed in a narrative`);
      continue;
    }
    if (!NARRATIVE_ATTRIBUTES.has(name)) {
      add('txt-1', `The attribute ${name} on <${el}> is not allowed in a narrative`);
      continue;
    }
    if (URL_ATTRIBUTES.has(name)) {
      const scheme = urlScheme(value);
      const image = el === 'img' && name === 'src' && scheme === 'data' && /^\s*data:image\//i.test(value);
      if (scheme !== undefined && !SAFE_SCHEMES.has(scheme) && !image)
        add(
          'txt-1',
          `The ${name} of <${el}> uses ${NAMED_SCHEMES.has(scheme) ? `the URL scheme "${scheme}:"` : 'a URL scheme'}, which a narrative may not use (only ${[...SAFE_SCHEMES].join(', ')}, relative URLs and data:image/ in img src)`,
        );
    }
    if (name === 'style' && UNSAFE_STYLE.test(value.replace(/\/\*[\s\S]*?\*\/|\\/g, '')))
      add(
        'txt-1',
        `The style of <${el}> runs code or loads from elsewhere (expression, script URL, @import)`,
      );
  }
}

/** A URL's scheme, lower case, read as a browser reads it (spaces and control characters around and in it
 *  dropped, so `java&#9;script:` is `javascript`); undefined for a relative URL. */
function urlScheme(url: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(cleaned);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Text with its references decoded; only the five XML entities and numeric references of legal characters. */
function decodeText(s: string, from: number, to: number): string {
  const text = s.slice(from, to);
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s<]{0,12});?/g, (ref, body: string, at: number) => {
    if (!ref.endsWith(';')) throw new Malformed(`an "&" that starts no reference at ${from + at}`);
    const named = XML_ENTITIES[body];
    if (named !== undefined) return named;
    const num = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!num)
      throw new Malformed(
        `the entity &${body}; at ${from + at}: only &amp; &lt; &gt; &quot; &apos; and numeric references are defined`,
      );
    const cp = num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2]);
    const char = cp <= 0x10ffff ? String.fromCodePoint(cp) : '\u0000';
    if (cp === 0 || cp > 0x10ffff || ILLEGAL_CHAR.test(char))
      throw new Malformed(`the reference &${body}; at ${from + at} names a character XML does not allow`);
    return char;
  });
}

const hex = (c: string): string => (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
