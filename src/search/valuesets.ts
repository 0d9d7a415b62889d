// ValueSet expansion for `:in`/`:not-in` (search.html#modifiers, valueset.html#expansion): the ValueSets and
// CodeSystems of the R4 package, enumerated concepts and whole code systems only (no filters, no imports).
import type { CodeSystem, CodeSystemConcept, ValueSet } from 'fhir/r4';
import { packageFiles, readPackageFile } from '../fhir/definitions';

export interface Concept {
  system: string;
  code: string;
}

let valueSets: Map<string, string> | undefined;
let codeSystems: Map<string, string> | undefined;

function catalogue(prefix: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const f of packageFiles(prefix)) {
    const r = readPackageFile<{ url?: string }>(f);
    if (r.url) map.set(r.url, f);
  }
  return map;
}

function flatten(concepts: CodeSystemConcept[] | undefined, out: string[]): void {
  for (const c of concepts ?? []) {
    out.push(c.code);
    flatten(c.concept, out);
  }
}

function systemCodes(url: string): string[] | undefined {
  codeSystems ??= catalogue('CodeSystem');
  const file = codeSystems.get(url);
  if (!file) return undefined;
  const cs = readPackageFile<CodeSystem>(file);
  if (cs.content !== 'complete') return undefined;
  const out: string[] = [];
  flatten(cs.concept, out);
  return out;
}

const expansions = new Map<string, Concept[] | undefined>();

/** The concepts of a ValueSet, or undefined when it is unknown or needs a terminology server. */
export function expandValueSet(url: string): Concept[] | undefined {
  if (expansions.has(url)) return expansions.get(url);
  valueSets ??= catalogue('ValueSet');
  const file = valueSets.get(url.split('|')[0] ?? url);
  let result: Concept[] | undefined;
  if (file) {
    const vs = readPackageFile<ValueSet>(file);
    const out: Concept[] = [];
    let complete = true;
    for (const inc of vs.compose?.include ?? []) {
      if (!inc.system || inc.filter?.length || inc.valueSet?.length) {
        complete = false;
        continue;
      }
      const system = inc.system;
      const codes = inc.concept ? inc.concept.map((c) => c.code) : systemCodes(system);
      if (!codes) complete = false;
      else for (const code of codes) out.push({ system, code });
    }
    if (vs.compose?.exclude?.length) complete = false;
    result = complete && out.length > 0 ? out : undefined;
  }
  expansions.set(url, result);
  return result;
}
