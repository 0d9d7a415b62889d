// Random requests for the fuzzing run (issue 20 point 7): every route of src/interactions/routes.ts and the edge's
// own (/metadata, /oauth/token, /.well-known/smart-configuration), with mutated FHIR resources, random JSON, random
// bytes and large or deep values for bodies, random headers and random query strings (fast-check arbitraries).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  /** Path and query below the server's root, e.g. `/fhir/Patient?name=x`. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Resources the test stores before the run, so reads, updates, patches and history hit something real. */
export const SEEDED = { patient: 'fz-p1', observation: 'fz-o1' };

const VALID_DIR = path.resolve(__dirname, '../../fixtures/profiles/valid');
const EPHR_DIR = path.resolve(__dirname, '../../fixtures/ephr');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const VALID = fs
  .readdirSync(VALID_DIR)
  .map((f) => readJson(path.join(VALID_DIR, f)) as Record<string, unknown>);
const EPHR = fs
  .readdirSync(EPHR_DIR)
  .filter((f) => f.endsWith('.json'))
  .slice(0, 4)
  .map((f) => readJson(path.join(EPHR_DIR, f)));

const TYPES = [
  'Patient',
  'Observation',
  'Encounter',
  'Condition',
  'QuestionnaireResponse',
  'Bundle',
  'AuditEvent',
];
const PARAMS = [
  '_id',
  '_lastUpdated',
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_has:Observation:subject:code',
  '_since',
  '_at',
  '_format',
  '_pretty',
  'name',
  'family',
  'given',
  'phonetic',
  'birthdate',
  'gender',
  'identifier',
  'subject',
  'patient',
  'subject:Patient.name',
  'code',
  'date',
  'value-quantity',
  'status',
  'category',
  'address-country',
  'general-practitioner',
  'ephr-nonsense',
];
const MODIFIERS = [
  '',
  ':exact',
  ':contains',
  ':missing',
  ':not',
  ':text',
  ':above',
  ':below',
  ':in',
  ':iterate',
  ':of-type',
  ':identifier',
  ':Patient',
  ':bogus',
];
const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];
const CONTENT_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/json-patch+json',
  'application/fhir+json; charset=utf-8',
  'application/fhir+json; charset=latin1',
  'application/x-www-form-urlencoded',
  'text/csv',
  'application/xml',
  'multipart/form-data; boundary=x',
  'text/plain',
  ';;;',
  '*/*',
];
const ACCEPTS = [
  'application/fhir+json',
  'application/json',
  'application/fhir+xml',
  'text/html',
  '*/*',
  'x/y;q=abc',
  '',
];
const PREFERS = [
  'return=minimal',
  'return=representation',
  'return=OperationOutcome',
  'handling=strict',
  'handling=lenient',
  'respond-async',
  'return=',
  'x',
];

/** Printable ASCII only: a header value a client can send at all. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const weird = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '.',
    '..',
    '',
    ' ',
    '%00',
    '%2e%2e',
    '__proto__',
    'constructor',
    '$where',
    '9999-99-99',
    '-0',
    '1e400',
    'NaN',
    'null',
    '[]',
    '{}',
    '\u0000',
    '😀',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);
const id = fc.oneof(
  fc.constantFrom(SEEDED.patient, SEEDED.observation, 'nope', 'a'.repeat(64)),
  fc.stringMatching(/^[A-Za-z0-9.-]{1,70}$/),
  weird,
);
const type = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TYPES) },
  { weight: 1, arbitrary: fc.constantFrom('Nonsense', 'patient', '$x', '_history', 'metadata') },
);
const enc = (s: string): string => encodeURIComponent(s);
const seg = (s: string): string => (s === '.' || s === '..' ? s : enc(s));

/** A search value: a date, number, token, reference or anything, with a prefix; sometimes large or many. */
const value = fc.oneof(
  { weight: 3, arbitrary: weird },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...PREFIXES),
        fc.oneof(
          fc
            .tuple(fc.date({ noInvalidDate: true }), fc.constantFrom(4, 7, 10, 19, 24))
            .map(([d, n]) => d.toISOString().slice(0, n)),
          fc.constantFrom('2024', '2024-02-30', '1990-13', 'T10:00', '2024-01-01T25:00:00Z'),
        ),
      )
      .map(([p, d]) => p + d),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('http://loinc.org|', '|', 'Patient/', SEEDED.patient, ''), weird)
      .map(([a, b]) => a + b),
  },
  { weight: 1, arbitrary: fc.array(weird, { maxLength: 40 }).map((xs) => xs.join(',')) },
  // long, but a URL stays below Node's 16 KB of request line and headers (larger ones: `oversized` below)
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 6000 }).map((n) => 'x'.repeat(n)) },
);
const smallValue = fc.oneof(
  weird,
  fc.array(weird, { maxLength: 5 }).map((xs) => xs.join(',')),
);
const smallQuery = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), fc.constantFrom(...MODIFIERS), smallValue), { maxLength: 3 })
  .map((ps) => ps.map(([n, m, v]) => `${enc(n)}${m}=${enc(v)}`).join('&'));
const query = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAMS) }, { weight: 1, arbitrary: weird }),
      fc.constantFrom(...MODIFIERS),
      value,
    ),
    { maxLength: 6 },
  )
  .map((ps) => ps.map(([n, m, v]) => `${enc(n)}${m}=${enc(v)}`).join('&'));

/** Sets, deletes or replaces a value somewhere in a JSON tree (the tree is copied). */
function mutate(tree: unknown, steps: Array<{ pick: number; action: number; value: unknown }>): unknown {
  const root = structuredClone(tree);
  for (const s of steps) {
    const holders: Array<Record<string, unknown> | unknown[]> = [];
    const walk = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      holders.push(v as Record<string, unknown>);
      for (const x of Object.values(v)) walk(x);
    };
    walk(root);
    const h = holders[s.pick % holders.length];
    if (!h) continue;
    const keys = Object.keys(h);
    const k = keys[s.pick % Math.max(keys.length, 1)];
    if (s.action === 0 && k !== undefined) delete (h as Record<string, unknown>)[k];
    else if (s.action === 1 && k !== undefined) (h as Record<string, unknown>)[k] = s.value;
    else (h as Record<string, unknown>)[Array.isArray(h) ? String(h.length) : `x${s.pick}`] = s.value;
  }
  return root;
}

const jsonValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: weird },
);
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(fc.record({ pick: fc.nat(), action: fc.nat({ max: 2 }), value: jsonValue }), { maxLength: 4 }),
    fc.option(fc.constantFrom(SEEDED.patient, SEEDED.observation)),
  )
  .map(([r, steps, rid]) => {
    const tree = mutate(r, steps) as Record<string, unknown>;
    if (rid !== null && typeof tree === 'object' && tree !== null) tree.id = rid;
    return tree;
  });
const deep = fc
  .integer({ min: 100, max: 3000 })
  .map((n) => '{"resourceType":"Patient","extension":' + '['.repeat(n) + ']'.repeat(n) + '}');
const large = fc
  .integer({ min: 10_000, max: 200_000 })
  .map((n) =>
    JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'y'.repeat(n) } }),
  );
const manyKeys = fc
  .integer({ min: 100, max: 20_000 })
  .map((n) =>
    JSON.stringify(
      Object.fromEntries([['resourceType', 'Patient'], ...Array.from({ length: n }, (_, i) => [`k${i}`, i])]),
    ),
  );
const bytes = fc.uint8Array({ maxLength: 300 });
const patchOps = fc.array(
  fc.record(
    {
      op: fc.constantFrom('add', 'remove', 'replace', 'copy', 'move', 'test', 'bogus'),
      path: fc.constantFrom(
        '',
        '/',
        '/name',
        '/name/0',
        '/name/-',
        '/id',
        '/meta',
        '/__proto__/x',
        '/status',
        '/x/y/z',
        '/identifier/99',
      ),
      from: fc.constantFrom('/name', '/', '/id', ''),
      value: jsonValue,
    },
    { requiredKeys: ['op', 'path'] },
  ),
  { maxLength: 5 },
);
const fhirpathPatch = fc.constant({
  resourceType: 'Parameters',
  parameter: [
    {
      name: 'operation',
      part: [
        { name: 'type', valueCode: 'delete' },
        { name: 'path', valueString: 'Patient.name' },
      ],
    },
  ],
});

/** One entry of a batch or transaction: a method and a URL of the same routes, with a resource or none. */
const entry = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'BOGUS'),
    type,
    id,
    query,
    fc.option(mutated),
    fc.option(fc.constantFrom('urn:uuid:1', 'urn:uuid:2', 'Patient/x', 'bad')),
  )
  .map(([m, t, i, q, r, fullUrl]) => ({
    ...(fullUrl !== null && { fullUrl }),
    ...(r !== null && { resource: r }),
    request: { method: m, url: m === 'POST' ? t : `${t}/${i}${q ? `?${q}` : ''}` },
  }));
const bundle = fc
  .tuple(fc.constantFrom('batch', 'transaction', 'collection', 'nonsense'), fc.array(entry, { maxLength: 6 }))
  .map(([t, entries]) => ({ resourceType: 'Bundle', type: t, entry: entries }));

const body = fc.oneof(
  { weight: 6, arbitrary: mutated.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: bytes },
  { weight: 2, arbitrary: patchOps.map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: fhirpathPatch.map((p) => JSON.stringify(p)) },
  { weight: 2, arbitrary: bundle.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.constantFrom(...EPHR).map((r) => JSON.stringify(r)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('a,b,c\n1,2,3', '__proto__.x,name\n1,2', 'identification.names.0.family\nX'),
  },
  { weight: 1, arbitrary: query },
  { weight: 1, arbitrary: fc.oneof(deep, large, manyKeys) },
);

/** Mostly what a client sends; now and then garbage. */
const mostly = (sane: fc.Arbitrary<string>, garbage: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: sane }, { weight: 1, arbitrary: garbage });
const sometimes = (a: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: a });
const headers = fc
  .record({
    'Content-Type': mostly(
      fc.constantFrom(
        'application/fhir+json',
        'application/json-patch+json',
        'application/x-www-form-urlencoded',
      ),
      fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText),
    ),
    Accept: mostly(
      fc.constantFrom('application/fhir+json', 'application/json', '*/*'),
      fc.oneof(fc.constantFrom(...ACCEPTS), headerText),
    ),
    'If-Match': sometimes(
      fc.oneof(
        fc.constantFrom('W/"1"', 'W/"2"', '"1"', '*', 'W/"x"', 'W/"99999999999999999999"'),
        headerText,
      ),
    ),
    'If-None-Exist': sometimes(fc.oneof(smallQuery, headerText)),
    'If-None-Match': sometimes(fc.constantFrom('*', 'W/"1"', 'x')),
    'If-Modified-Since': sometimes(fc.constantFrom('Mon, 01 Jan 2024 00:00:00 GMT', 'garbage')),
    Prefer: sometimes(fc.oneof(fc.constantFrom(...PREFERS), headerText)),
    Authorization: sometimes(
      fc.oneof(
        fc.constantFrom(
          'Bearer ',
          'Bearer a.b.c',
          'Basic Zm9vOmJhcg==',
          'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        ),
        headerText.map((t) => `Bearer ${t}`),
        headerText,
      ),
    ),
    'Accept-Encoding': sometimes(fc.constantFrom('gzip', 'identity', 'br', 'x')),
    'Content-Encoding': sometimes(fc.constantFrom('gzip', 'deflate', 'identity', 'x')),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')) as Record<string, string>);
/** Now and then a header past Node's 16 KB limit (answered by Node's HTTP parser, before Express). */
const withOversized = fc.oneof(
  { weight: 40, arbitrary: headers },
  { weight: 1, arbitrary: headers.map((h) => ({ ...h, 'X-Padding': 'p'.repeat(17_000) })) },
);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const qs = (q: string): string => (q === '' ? '' : `?${q}`);

/** A path below /fhir for each route of routes.ts (and its neighbours: wrong level, unknown names), with its methods. */
const fhirPath: fc.Arbitrary<[string, string[]]> = fc.oneof(
  query.map((q): [string, string[]] => [qs(q), ['GET', 'POST']]),
  fc
    .constantFrom(
      '/metadata',
      '/_history',
      '/$import-ephr',
      '/$import-ephr?format=csv',
      '/$unknown',
      '/.well-known/smart-configuration',
    )
    .map((p): [string, string[]] => [p, ['GET', 'POST']]),
  fc
    .tuple(fc.constantFrom('', '/_history'), query)
    .map(([p, q]): [string, string[]] => [`${p}${qs(q)}`, ['GET']]),
  fc
    .tuple(type, query)
    .map(([t, q]): [string, string[]] => [`/${seg(t)}${qs(q)}`, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']]),
  fc
    .tuple(type, fc.constantFrom('_search', '_history', '$validate', '$everything', '$expunge'), query)
    .map(([t, s, q]): [string, string[]] => [
      `/${seg(t)}/${s}${qs(q)}`,
      s === '_history' ? ['GET'] : ['POST'],
    ]),
  fc
    .tuple(type, id, query)
    .map(([t, i, q]): [string, string[]] => [
      `/${seg(t)}/${seg(i)}${qs(q)}`,
      ['GET', 'PUT', 'PATCH', 'DELETE'],
    ]),
  fc
    .tuple(
      type,
      id,
      fc.constantFrom(
        '_history',
        '$validate',
        '$break-glass',
        '$expunge',
        '$everything',
        'Observation',
        'Encounter',
        'x',
      ),
      query,
    )
    .map(([t, i, s, q]): [string, string[]] => [
      `/${seg(t)}/${seg(i)}/${s}${qs(q)}`,
      s.startsWith('$') ? ['POST'] : ['GET'],
    ]),
  fc
    .tuple(type, id, fc.oneof(fc.constantFrom('1', '2', '0', '-1', '99999999999999999999'), id))
    .map(([t, i, v]): [string, string[]] => [`/${seg(t)}/${seg(i)}/_history/${seg(v)}`, ['GET']]),
  fc
    .array(fc.constantFrom('Patient', 'a', '_history', '1', '$x'), { minLength: 5, maxLength: 7 })
    .map((xs): [string, string[]] => [`/${xs.join('/')}`, ['GET']]),
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      { weight: 12, arbitrary: fhirPath.map(([p, ms]): [string, string[]] => [`/fhir${p}`, ms]) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('/.well-known/smart-configuration', '/oauth/token', '/healthz', '/readyz')
          .map((p): [string, string[]] => [p, p === '/oauth/token' ? ['POST'] : ['GET']]),
      },
    ),
    fc.nat(),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    withOversized,
    fc.option(body, { freq: 3 }),
  )
  .map(([[url, methods], pick, other, h, b]) => {
    // mostly a method the route serves; now and then any
    const method = other ?? methods[pick % methods.length]!;
    const r: FuzzRequest = { method, url, headers: h };
    if (b !== null && !['GET', 'HEAD'].includes(method)) r.body = b;
    return r;
  });

/** A short, printable description of a request for the report of a failure. */
export function describe(r: FuzzRequest): string {
  const b =
    r.body === undefined
      ? ''
      : typeof r.body === 'string'
        ? ` body(${r.body.length} chars)=${JSON.stringify(r.body.slice(0, 300))}`
        : ` body(${r.body.length} bytes)=${Buffer.from(r.body).toString('hex').slice(0, 200)}`;
  return `${r.method} ${r.url.slice(0, 400)} headers=${JSON.stringify(r.headers).slice(0, 600)}${b}`;
}
