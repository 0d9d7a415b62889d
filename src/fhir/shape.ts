// The shape check every write passes before it is stored (json.html): a known resourceType, a legal id, no null,
// no empty object/array/string, and no unknown top-level element. Full validation plugs in after it.
import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { concreteResourceTypes, readPackageFile } from './definitions';
import { FHIR_ID_RULE, isFhirId } from './id';
import { isExactNumber } from './json';
import { issue, type Issue } from './outcome';

const topLevel = new Map<string, ReadonlySet<string>>();

/** The names a resource of `type` may carry at its top level, with `_x` for primitives and value[x] expanded. */
function topLevelElements(type: string): ReadonlySet<string> {
  let names = topLevel.get(type);
  if (names) return names;
  const sd = readPackageFile<StructureDefinition>(`StructureDefinition-${type}.json`);
  const set = new Set<string>(['resourceType']);
  for (const el of sd.snapshot?.element ?? []) addElementNames(set, type, el);
  names = set;
  topLevel.set(type, names);
  return names;
}

function addElementNames(set: Set<string>, type: string, el: ElementDefinition): void {
  const rest = el.path.slice(type.length + 1);
  if (!el.path.startsWith(type + '.') || rest.includes('.')) return;
  if (rest.endsWith('[x]')) {
    const stem = rest.slice(0, -3);
    for (const t of el.type ?? []) {
      const name = stem + t.code.charAt(0).toUpperCase() + t.code.slice(1);
      set.add(name).add('_' + name);
    }
  } else {
    set.add(rest).add('_' + rest);
  }
}

/** Returns every shape issue of a parsed resource (numbers may be exact LosslessNumbers). */
export function shapeIssues(resource: unknown, expectedType?: string): Issue[] {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [issue('structure', 'The body must be a JSON object holding a FHIR resource')];
  }
  const r = resource as Record<string, unknown>;
  const type = r.resourceType;
  if (typeof type !== 'string' || !concreteResourceTypes().has(type)) {
    return [
      issue(
        'structure',
        typeof type === 'string' ? `Unknown resourceType "${type}"` : 'The resource has no resourceType',
        'resourceType',
      ),
    ];
  }
  const issues: Issue[] = [];
  if (expectedType !== undefined && type !== expectedType) {
    issues.push(
      issue('invalid', `resourceType "${type}" does not match the URL's type "${expectedType}"`, type),
    );
  }
  if (r.id !== undefined && (typeof r.id !== 'string' || !isFhirId(r.id))) {
    issues.push(issue('value', `${JSON.stringify(r.id)} is not a valid id: ${FHIR_ID_RULE}`, `${type}.id`));
  }
  const allowed = topLevelElements(type);
  for (const key of Object.keys(r)) {
    if (!allowed.has(key))
      issues.push(issue('structure', `Unknown element "${key}" in ${type}`, `${type}.${key}`));
  }
  walkEmpty(r, type, issues);
  return issues;
}

function walkEmpty(value: unknown, path: string, issues: Issue[]): void {
  if (value === null) {
    issues.push(issue('structure', 'null is not allowed in FHIR JSON (leave the element out)', path));
  } else if (typeof value === 'string') {
    if (value.length === 0)
      issues.push(issue('value', 'Empty strings are not allowed (leave the element out)', path));
  } else if (Array.isArray(value)) {
    if (value.length === 0)
      issues.push(issue('structure', 'Empty arrays are not allowed (leave the element out)', path));
    // Primitive arrays may hold null as a placeholder when a parallel `_x` array carries extensions.
    const primitiveArray = value.some((v) => v !== null && typeof v !== 'object');
    value.forEach((v, i) => {
      if (v === null && primitiveArray) return;
      walkEmpty(v, `${path}[${i}]`, issues);
    });
  } else if (typeof value === 'object' && !isExactNumber(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0)
      issues.push(issue('structure', 'Empty objects are not allowed (leave the element out)', path));
    for (const [k, v] of entries) {
      // `_x` arrays keep nulls where the primitive array has a value without extensions.
      if (k.startsWith('_') && Array.isArray(v)) {
        v.forEach((item, i) => item !== null && walkEmpty(item, `${path}.${k}[${i}]`, issues));
        continue;
      }
      walkEmpty(v, `${path}.${k}`, issues);
    }
  }
}
