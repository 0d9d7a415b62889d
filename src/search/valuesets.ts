// ValueSet expansion for `:in`/`:not-in` (search.html#modifiers, valueset.html#expansion) by the one expander
// (src/fhir/terminology.ts), over the ValueSets and CodeSystems of the R4 package. A search lists every code, so
// only CodeSystems with all their codes (content `complete`) count, and a ValueSet that reaches any other system
// cannot be expanded here.
import type { CodeSystem, ValueSet } from 'fhir/r4';
import { packageFiles, readPackageFile } from '../fhir/definitions';
import { Terminology } from '../fhir/terminology';

export interface Concept {
  system: string;
  code: string;
}

/** A resource of the package by canonical url; the urls of its files are gathered on first use. */
function catalogue<T extends { url?: string }>(resourceType: string): (canonical: string) => T | undefined {
  let files: Map<string, string> | undefined;
  return (canonical) => {
    if (!files) {
      files = new Map();
      for (const f of packageFiles(resourceType)) {
        const url = readPackageFile<{ url?: string }>(f).url;
        if (url) files.set(url, f);
      }
    }
    // Read each time: the expander keeps what it needs of each ValueSet and CodeSystem.
    const file = files.get(canonical) ?? files.get(canonical.split('|')[0] ?? canonical);
    return file === undefined ? undefined : readPackageFile<T>(file);
  };
}

let terminology: Terminology | undefined;

function r4Terminology(): Terminology {
  if (terminology) return terminology;
  const codeSystem = catalogue<CodeSystem>('CodeSystem');
  terminology = new Terminology({
    valueSet: catalogue<ValueSet>('ValueSet'),
    codeSystem: (canonical) => {
      const cs = codeSystem(canonical);
      return cs?.content === 'complete' ? cs : undefined;
    },
  });
  return terminology;
}

/** The concepts of a ValueSet, or undefined when it is unknown or needs a terminology server. */
export function expandValueSet(url: string): Concept[] | undefined {
  const exp = r4Terminology().expand(url);
  if (!exp) return undefined;
  const out: Concept[] = [];
  for (const [system, codes] of exp.systems) {
    if (codes === 'any') return undefined;
    for (const code of codes) out.push({ system, code });
  }
  return out.length > 0 ? out : undefined;
}
