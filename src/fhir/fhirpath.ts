// FHIRPath (fhirpath.html) through the fhirpath package: the one module that loads the package and its R4 model,
// with the one cache of compiled expressions that search extraction (src/search/paths.ts) and invariants
// (src/validation/invariants.ts) share. The direct evaluators beside it (search walkers, validation fast path)
// read the same model.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

/** The parts of the package's R4 model read outside the package: element types and choice elements by path. */
export interface R4Model {
  choiceTypePaths: Record<string, string[] | undefined>;
  pathsDefinedElsewhere: Record<string, string | undefined>;
  path2Type: Record<string, string | undefined>;
  path2TypeWithoutElements: Record<string, string | undefined>;
  type2Parent: Record<string, string | undefined>;
  availableTypes: Set<string>;
}

export const r4Model = r4 as unknown as R4Model;

const own = <T>(o: Record<string, T | undefined>, k: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

/**
 * Element `name` below the model path `parent` (`Observation.component`, `Quantity`) as the package navigates to it:
 * its model path (a recursive element's as defined elsewhere: `Questionnaire.item.item` is `Questionnaire.item`),
 * the type suffixes of a choice element, and its type.
 */
export function childElement(
  parent: string,
  name: string,
): { path: string; choices: string[] | undefined; type: string | undefined } {
  let path = `${parent}.${name}`;
  path = own(r4Model.pathsDefinedElsewhere, path) ?? path;
  return { path, choices: own(r4Model.choiceTypePaths, path), type: own(r4Model.path2Type, path) };
}

/** A compiled expression: its result on a node, with %resource, %rootResource and other variables in `env`. */
export type CompiledFhirPath = (node: unknown, env?: Record<string, unknown>) => unknown[];

// Results as plain JSON values; trace() (ref-1, some profiles' constraints) prints nothing.
const OPTIONS = { resolveInternalTypes: true, traceFn: () => undefined };

/** By base path and expression; an expression the package cannot parse keeps its error. */
const compiled = new Map<string, CompiledFhirPath | Error>();

/**
 * An expression compiled once by the package, evaluated from the element at `base` (`Observation.component`, as
 * an ElementDefinition's path) or, without one, from a resource. Throws when the package cannot parse it.
 */
export function compileFhirPath(expression: string, base?: string): CompiledFhirPath {
  const key = `${base ?? ''}\u0000${expression}`;
  let fn = compiled.get(key);
  if (fn === undefined) {
    try {
      fn = fhirpath.compile(
        base === undefined ? expression : { base, expression },
        r4,
        OPTIONS,
      ) as CompiledFhirPath;
    } catch (e) {
      fn = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(key, fn);
  }
  if (fn instanceof Error) throw fn;
  return fn;
}

/** The package's parse tree of an expression (the validation fast path compiles from it). */
export function parseFhirPath(expression: string): unknown {
  return fhirpath.parse(expression) as unknown;
}

/**
 * The package's nodes for what an expression selects in a resource, each with its parent, property name and index
 * (FHIRPath Patch applies its operations there). Not cached: these paths come from requests.
 */
export function selectNodes(resource: object, expression: string): unknown[] {
  return fhirpath.evaluate(resource, expression, undefined, r4, { resolveInternalTypes: false }) as unknown[];
}
