// The log of a whole test run holds no patient data (issue 16, point 9): the names, identifiers, birth dates and GBV
// answers of the data the tests write, taken from the fixtures, the R4 examples and the tests' own sources, are
// looked for in every line the run's servers logged.
import fs from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream } from 'pino';
import { R4_PACKAGE_DIR } from '../../src/fhir/definitions';

/** Where the run's servers log (set by the global setup; one file per jest run). */
export const RUN_LOG_ENV = 'EPHR_TEST_RUN_LOG';

const root = path.resolve(__dirname, '../..');

let destination: DestinationStream | undefined;

/** The run's log file as a pino destination (appended to by every worker; synchronous, so nothing is lost at exit). */
export function runLogDestination(): DestinationStream | undefined {
  const file = process.env[RUN_LOG_ENV];
  if (!file) return undefined;
  return (destination ??= pino.destination({ dest: file, append: true, sync: true }));
}

/** Lower case without diacritics: the log must not hold `amina` or `Jose` for `Amina` or `José` either. */
export const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Resource types whose identifiers, birth dates and contacts are a person's. */
const PERSON_TYPES = new Set(['Patient', 'RelatedPerson', 'Person', 'Practitioner']);

/** The sensitive strings of one FHIR resource (contained and bundled ones included). */
function fromResource(r: Json, out: Set<string>): void {
  const type = String(r.resourceType);
  const gbv = JSON.stringify(r.meta ?? {}).includes('"SDV"');
  const visit = (v: unknown, key: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, key));
    if (!isObject(v)) return;
    if (typeof v.resourceType === 'string' && v !== r) return fromResource(v, out);
    // HumanName: family, given, text, wherever it is (Patient.name, contact.name, RelatedPerson.name...)
    if (key === 'name' && (typeof v.family === 'string' || Array.isArray(v.given))) {
      for (const s of [...strings(v.family), ...strings(v.given), ...strings(v.text)]) out.add(s);
    }
    if (PERSON_TYPES.has(type)) {
      if (key === 'identifier') for (const s of strings(v.value)) out.add(s);
      if (key === 'telecom') for (const s of strings(v.value)) out.add(s);
      if (key === 'address') for (const s of [...strings(v.line), ...strings(v.text)]) out.add(s);
    }
    // The answers of a QuestionnaireResponse, and of anything labelled GBV (SDV).
    if (key === 'answer' || gbv) for (const s of [...strings(v.valueString), ...strings(v.text)]) out.add(s);
    for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  if (PERSON_TYPES.has(type)) for (const s of strings(r.birthDate)) out.add(s);
  visit(r, '');
}

/** The sensitive strings of one e-PHR record as exported (fixtures/ephr/*.json). */
function fromEphrRecord(rec: Json, out: Set<string>): void {
  for (const s of strings(rec.ephrId)) out.add(s);
  const id = isObject(rec.identification) ? rec.identification : {};
  for (const s of strings(id.birthDate)) out.add(s);
  for (const s of strings(id.placeOfBirth)) out.add(s);
  for (const n of Array.isArray(id.names) ? id.names : [])
    if (isObject(n))
      for (const s of [...strings(n.family), ...strings(n.given), ...strings(n.text)]) out.add(s);
  for (const r of Array.isArray(id.registrationNumbers) ? id.registrationNumbers : [])
    if (isObject(r)) for (const s of strings(r.value)) out.add(s);
  // Every value given in a GBV enquiry, and free text anywhere (findings, notes, reasons, safe contacts).
  const visit = (v: unknown, inGbv: boolean): void => {
    if (typeof v === 'string') {
      // A GBV answer of more than one word (`intimate-partner`, `physical-assault`) or any free text; one-word
      // answers (`yes`, `completed`, `referred`) are words a log holds for other reasons.
      if (/[\s-]/.test(v.trim()) && (inGbv || /\s/.test(v.trim()))) out.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, inGbv));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) visit(x, inGbv || k === 'gbv');
  };
  visit(rec.episodes, false);
}

/** Names a test source spells out (`family: 'Yusuf'`, `given: ['Amina']`): the strings its searches use. */
function fromTestSource(text: string, out: Set<string>): void {
  const quoted = /'((?:[^'\\\n]|\\.)+)'/g;
  for (const m of text.matchAll(/\b(?:family|given):\s*(\[[^\]\n]*\]|'(?:[^'\\\n]|\\.)+')/g))
    for (const q of m[1]!.matchAll(quoted)) out.add(q[1]!);
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
const jsonFiles = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((d) => d.isFile() && d.name.endsWith('.json'))
        .map((d) => path.join(d.parentPath, d.name))
    : [];
const sources = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => path.join(d.parentPath, d.name));

/**
 * What must never be in a log, derived from the data the tests write: the e-PHR fixtures (raw and as mapped), the
 * profile fixtures, the R4 examples (every one is posted by tests/rest/examples-roundtrip), the tests' own names.
 * Kept: strings a line could not hold by chance — at least 4 characters with a letter, or 6 digits and more.
 */
export function sensitiveStrings(): string[] {
  const out = new Set<string>();
  const ephr = path.join(root, 'fixtures/ephr');
  for (const f of fs.readdirSync(ephr).filter((f) => f.endsWith('.json'))) {
    const d = readJson(path.join(ephr, f));
    for (const rec of Array.isArray(d) ? d : [d]) if (isObject(rec)) fromEphrRecord(rec, out);
  }
  for (const f of [
    ...jsonFiles(path.join(ephr, 'expected')),
    ...jsonFiles(path.join(ephr, 'formats')),
    ...jsonFiles(path.join(root, 'fixtures/profiles')),
  ]) {
    const d = readJson(f);
    for (const r of Array.isArray(d) ? d : [d])
      if (isObject(r) && typeof r.resourceType === 'string') fromResource(r, out);
  }
  // (The specification's definition bundles, megabytes each, hold no person: files over 1 MB are not read.)
  for (const f of fs
    .readdirSync(R4_PACKAGE_DIR)
    .filter((f) =>
      /^(Patient|RelatedPerson|Person|Practitioner|QuestionnaireResponse|Bundle)-.*\.json$/.test(f),
    )
    .filter((f) => fs.statSync(path.join(R4_PACKAGE_DIR, f)).size < 2 ** 20)) {
    const r = readJson(path.join(R4_PACKAGE_DIR, f));
    if (isObject(r)) fromResource(r, out);
  }
  for (const f of sources(path.join(root, 'tests'))) fromTestSource(fs.readFileSync(f, 'utf8'), out);
  // The R4 examples are PUT with their ids, which the log keeps in the path (ids are not a person's data): a name
  // that is also a word of such an id (the practitioner `Valve`, `ActivityDefinition/heart-valve-replacement`) would
  // be found in every run.
  const idWords = new Set(
    fs.readdirSync(R4_PACKAGE_DIR).flatMap((f) => fold(f.replace(/\.json$/, '')).split(/[^\p{L}\p{N}]+/u)),
  );
  return [...out]
    .map((s) => s.trim())
    .filter((s) => /^\d{6,}$/.test(s) || (s.length >= 4 && /\p{L}/u.test(s)))
    .filter((s) => !idWords.has(fold(s)))
    .filter((s, i, all) => all.indexOf(s) === i)
    .sort();
}

export interface Finding {
  line: number;
  string: string;
  text: string;
}

/**
 * Every line of `log` holding one of `sensitive`, case and accents aside, as a whole word (`Omar` is found in
 * `name=Omar&`, not in `Omarket`): a string of one word is looked up among the line's words, one of several is
 * looked for in the folded line.
 */
export function findSensitive(log: string, sensitive: string[]): Finding[] {
  const words = new Map<string, string>();
  const phrases: [string, string][] = [];
  for (const s of sensitive) {
    const f = fold(s);
    if (/^[\p{L}\p{N}]+$/u.test(f)) words.set(f, s);
    else phrases.push([f, s]);
  }
  const findings: Finding[] = [];
  log.split('\n').forEach((text, i) => {
    const line = fold(text);
    for (const w of line.split(/[^\p{L}\p{N}]+/u)) {
      const s = words.get(w);
      if (s !== undefined) findings.push({ line: i + 1, string: s, text });
    }
    for (const [f, s] of phrases) {
      let at = line.indexOf(f);
      while (at >= 0) {
        const before = line[at - 1];
        const after = line[at + f.length];
        if (!(before && /[\p{L}\p{N}]/u.test(before)) && !(after && /[\p{L}\p{N}]/u.test(after))) {
          findings.push({ line: i + 1, string: s, text });
          break;
        }
        at = line.indexOf(f, at + 1);
      }
    }
  });
  return findings;
}
