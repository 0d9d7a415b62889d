// Narrative XHTML (narrative.html#xhtml; txt-1, txt-2 of Narrative.div, issue 16 point 9): each rule refuses a
// bad narrative with a located issue and lets the matching good one pass; every R4 example narrative that the
// fhirpath package's own htmlChecks() accepts is accepted here too.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { readPackageFile } from '../../src/fhir/definitions';
import { createValidator } from '../../src/validation';
import { NARRATIVE_ATTRIBUTES, NARRATIVE_ELEMENTS, narrativeProblems } from '../../src/validation/narrative';
import { r4Examples } from './r4-examples';

const validator = createValidator();
const NS = 'xmlns="http://www.w3.org/1999/xhtml"';
const div = (inner: string): string => `<div ${NS}>${inner}</div>`;
const patient = (d: string): Record<string, unknown> => ({
  resourceType: 'Patient',
  text: { status: 'generated', div: d },
});
const errorsAt = (r: unknown): string[] =>
  validator
    .validate(r)
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.expression?.join() ?? ''} ${i.diagnostics ?? ''}`);

// [rule, refused narrative, what the diagnostics say, the matching narrative that passes]
const RULES: [string, string, RegExp, string][] = [
  [
    'no <script>',
    div('<script>alert(1)</script>Amina'),
    /<script> element/,
    div('<code>alert(1)</code>Amina'),
  ],
  [
    'no <SCRIPT> either (XML names are case-sensitive)',
    div('<SCRIPT>x</SCRIPT>y'),
    /<SCRIPT>/,
    div('<b>x</b>y'),
  ],
  ['no <style> element', div('<style>p{}</style>x'), /<style>/, div('<p style="color: red">x</p>')],
  [
    'no <iframe>',
    div('<iframe src="https://x.org"></iframe>x'),
    /<iframe>/,
    div('<a href="https://x.org">x</a>'),
  ],
  [
    'no <svg> (other vocabularies)',
    div('<svg><circle/></svg>x'),
    /<svg>/,
    div('<img src="https://x.org/c.png" alt="c"/>'),
  ],
  ['no form elements', div('<form><input/></form>x'), /<form>/, div('<table><tr><td>x</td></tr></table>')],
  [
    'no event attributes',
    div('<p onclick="steal()">x</p>'),
    /event attribute onclick/,
    div('<p class="c">x</p>'),
  ],
  [
    'no event attributes in capitals',
    div('<img src="a.png" ONERROR="x()"/>'),
    /ONERROR/,
    div('<img src="a.png"/>'),
  ],
  [
    'no attribute outside the txt-1 list',
    div('<p data-x="1">x</p>'),
    /attribute data-x/,
    div('<p title="1">x</p>'),
  ],
  [
    'no javascript: link',
    div('<a href="javascript:alert(1)">x</a>'),
    /"javascript:"/,
    div('<a href="#x">x</a>'),
  ],
  [
    'no javascript: hidden by spaces, case and a tab reference',
    div('<a href=" JaVa&#9;Script:alert(1)">x</a>'),
    /"javascript:"/,
    div('<a href=" https://x.org ">x</a>'),
  ],
  [
    'no vbscript: image',
    div('<img src="vbscript:x"/>'),
    /"vbscript:"/,
    div('<img src="data:image/png;base64,iVBORw0KGgo="/>'),
  ],
  [
    'no data: link (an HTML page)',
    div('<a href="data:text/html,&lt;script&gt;x&lt;/script&gt;">x</a>'),
    /"data:"/,
    div('<a href="mailto:a@b.org">x</a>'),
  ],
  [
    'no script in a style',
    div('<p style="background:url(javascript:x)">x</p>'),
    /style of <p>/,
    div('<p style="background: #eee">x</p>'),
  ],
  [
    'no CSS expression()',
    div('<p style="width: expression(alert(1))">x</p>'),
    /style of <p>/,
    div('<p style="width: 10em">x</p>'),
  ],
  [
    'no HTML entities',
    div('a&nbsp;b'),
    /&nbsp;/,
    div('a&#160;b &amp; &lt;c&gt; &quot;d&quot; &apos;e&apos; &#xA0;'),
  ],
  ['no bare &', div('fish & chips'), /"&"/, div('fish &amp; chips')],
  ['no reference to a character XML forbids', div('a&#0;b'), /character XML does not allow/, div('a&#65;b')],
  ['no control characters', div('a\u0001b'), /character XML does not allow/, div('a\tb')],
  ['no processing instruction', `<?xml version="1.0"?>${div('x')}`, /processing instruction/, div('x')],
  ['no processing instruction inside', div('x<?php echo 1 ?>'), /processing instruction/, div('x')],
  ['no CDATA section', div('<![CDATA[><script>x</script>]]>y'), /CDATA/, div('&lt;script&gt;y')],
  ['no DOCTYPE', `<!DOCTYPE html>${div('x')}`, /declaration/, div('x')],
  [
    'no comment an HTML page ends early',
    div('<!--><script>x()</script>-->y'),
    /comment/,
    div('<!-- a note -->y'),
  ],
  ['no "--" in a comment', div('<!-- a -- b -->y'), /comment/, div('<!-- a - b -->y')],
  ['the root is a div', `<p ${NS}>x</p>`, /root element must be <div>/, div('<p>x</p>')],
  ['the root declares the XHTML namespace', '<div>x</div>', /XHTML namespace/, div('x')],
  [
    'no other namespace',
    `<div xmlns="http://www.w3.org/2000/svg">x</div>`,
    /XHTML namespace/,
    div(`<p ${NS}>x</p>`),
  ],
  ['one root element', `${div('x')}${div('y')}`, /second root/, div(`${div('x')}${div('y')}`)],
  ['nothing outside the root', `${div('x')}tail`, /outside the root/, `\n  ${div('x')}\n`],
  ['every element closed', div('<p>x'), /not closed|closes/, div('<p>x</p>')],
  ['no void shorthand of HTML', div('a<br>b'), /closes|not closed/, div('a<br/>b<br></br>')],
  ['tags nest', div('<b><i>x</b></i>'), /closes/, div('<b><i>x</i></b>')],
  ['attribute values quoted', div('<p class=c>x</p>'), /quoted value/, div("<p class='c'>x</p>")],
  ['no attribute twice', div('<p title="a" title="b">x</p>'), /twice/, div('<p title="a" lang="en">x</p>')],
  [
    'no "<" in an attribute',
    div('<p title="a<b">x</p>'),
    /"<" in an attribute/,
    div('<p title="a&lt;b">x</p>'),
  ],
  ['txt-2: some text', div('  \n '), /txt-2/, div(' x ')],
  ['txt-2: white space only inside elements', div('<p> </p><br/>'), /txt-2/, div('<p>.</p>')],
  [
    'txt-2: an image counts only with src',
    div('<img alt=""/>'),
    /txt-2/,
    div('<img src="https://x.org/i.png"/>'),
  ],
];

describe('each narrative rule refuses the bad narrative with a located issue and passes the good one', () => {
  it.each(RULES)('%s', (_rule, bad, says, good) => {
    const errors = errorsAt(patient(bad));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/^Patient\.text\.div txt-[12]: /);
    expect(errors.join('\n')).toMatch(says);
    expect(errorsAt(patient(good))).toEqual([]);
  });
});

describe('where the narrative is', () => {
  const bad = div('<script>x()</script>y');
  it('in a contained resource', () => {
    const r = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      contained: [{ ...patient(bad), id: 'p' }],
      subject: { reference: '#p' },
    };
    expect(errorsAt(r)).toEqual([
      expect.stringMatching(/^Observation\.contained\[0\]\.text\.div txt-1: .*<script>/),
    ]);
  });
  it('in a bundle entry', () => {
    const r = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient(div('ok')) }, { resource: patient(bad) }],
    };
    expect(errorsAt(r)).toEqual([expect.stringMatching(/^Bundle\.entry\[1\]\.resource\.text\.div txt-1: /)]);
  });
  it('the diagnostics name elements and attributes, never the narrative text', () => {
    const problems = narrativeProblems(div('<script>Amina Yusuf</script><p onclick="Yusuf()">x</p>'));
    expect(problems.map((p) => p.message).join(' ')).not.toMatch(/Amina|Yusuf/);
    expect(problems).toHaveLength(2);
  });
});

describe('the lists are R4 txt-1', () => {
  // The XPath of txt-1 in R4's own StructureDefinition-Narrative: the one place the spec lists them.
  const sd = readPackageFile<{
    snapshot: { element: { path: string; constraint?: { key: string; xpath?: string }[] }[] };
  }>('StructureDefinition-Narrative.json');
  const xpath = sd.snapshot.element
    .find((e) => e.path === 'Narrative.div')!
    .constraint!.find((c) => c.key === 'txt-1')!.xpath!;
  const [elements, attributes] = [...xpath.matchAll(/=\(([^)]*)\)/g)].map((m) =>
    [...m[1]!.matchAll(/'([^']+)'/g)].map((q) => q[1]!).sort(),
  );
  it('the elements', () => expect([...NARRATIVE_ELEMENTS].sort()).toEqual(elements));
  it('the attributes', () => expect([...NARRATIVE_ATTRIBUTES].sort()).toEqual(attributes));
});

describe('the R4 example narratives', () => {
  const divs: { where: string; div: string }[] = [];
  const collect = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => collect(x, `${where}[${i}]`));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v))
        if (k === 'div' && typeof x === 'string') divs.push({ where, div: x });
        else collect(x, `${where}.${k}`);
  };
  for (const e of r4Examples()) collect(e.resource, e.file);
  const htmlChecks = (d: string): unknown =>
    (
      fhirpath.evaluate(
        { resourceType: 'Patient', text: { status: 'generated', div: d } },
        'Patient.text.`div`.htmlChecks()',
        undefined,
        r4,
      ) as unknown[]
    )[0];

  it('are many', () => expect(divs.length).toBeGreaterThan(700));
  it('get the verdict of the fhirpath package htmlChecks(): accepted unless it refuses them too', () => {
    const disagree = divs
      .filter((d) => (narrativeProblems(d.div).length === 0) !== (htmlChecks(d.div) === true))
      .map((d) => d.where);
    expect(disagree).toEqual([]);
    // It does refuse some (the empty ones of r4-examples.ts): the comparison can fail.
    expect(divs.filter((d) => htmlChecks(d.div) === false).length).toBeGreaterThan(0);
  });
});
