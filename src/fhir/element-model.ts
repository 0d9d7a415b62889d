// Which elements repeat, from the R4 StructureDefinition snapshots (for patches that add to an element).
import type { StructureDefinition } from 'fhir/r4';
import { packageFiles, readPackageFile } from './definitions';

let maxByPath: Map<string, string> | undefined;

function load(): Map<string, string> {
  const m = new Map<string, string>();
  for (const file of packageFiles('StructureDefinition')) {
    const sd = readPackageFile<StructureDefinition>(file);
    if (sd.derivation !== 'specialization' || sd.kind === 'logical') continue;
    for (const el of sd.snapshot?.element ?? []) if (el.max !== undefined) m.set(el.path, el.max);
  }
  return m;
}

/** Whether `name` below the element at `path` (a type name such as HumanName, or Patient.contact) repeats. */
export function isRepeating(path: string, name: string): boolean {
  maxByPath ??= load();
  const max = maxByPath.get(`${path}.${name}`) ?? maxByPath.get(`${path}.${name.replace(/[A-Z].*$/, '')}[x]`);
  return max !== undefined && max !== '0' && max !== '1';
}
