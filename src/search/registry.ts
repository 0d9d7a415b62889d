// The search parameter registry: the official R4 SearchParameters plus ours (searchparameter.html).
import fs from 'node:fs';
import path from 'node:path';
import type { SearchParameter } from 'fhir/r4';
import { concreteResourceTypes, packageFiles, readPackageFile } from '../fhir/definitions';

export type SearchParamType =
  'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

export interface SearchParamComponent {
  /** The code of the parameter the component refers to (from its canonical URL). */
  definition: string;
  type: SearchParamType;
  expression: string;
}

export interface SearchParamDef {
  code: string;
  url: string;
  type: SearchParamType;
  base: string[];
  /** The FHIRPath expression restricted to one base type (a multi-base expression is split at `|`). */
  expression: string;
  target: string[];
  components: SearchParamComponent[];
  description: string;
}

export interface SearchParameterRegistry {
  /** Every parameter that applies to a resource type, Resource and DomainResource ones included. */
  byType(type: string): SearchParamDef[];
  get(type: string, code: string): SearchParamDef | undefined;
  types(): string[];
}

export interface RegistryOptions {
  /** Folders holding our own `SearchParameter-*.json` files (for example `profiles/`). */
  extraSearchParameterDirs?: string[];
}

/** Splits an expression at its top-level `|` (not inside parentheses or quotes). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quote = !quote;
    else if (quote) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** The type an expression part starts from: `Patient` in `(Patient.deceased as dateTime)`. */
function leadingType(part: string): string | undefined {
  return /^\(*\s*([A-Z][A-Za-z]*)\b/.exec(part)?.[1];
}

function expressionFor(expression: string, base: string, bases: string[]): string | undefined {
  const parts = splitUnion(expression);
  const mine = parts.filter((p) => {
    const lead = leadingType(p);
    return lead === undefined ? bases.length === 1 : lead === base;
  });
  return mine.length === 0 ? undefined : mine.join(' | ');
}

const codeOfUrl = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

function readDir(dir: string): SearchParameter[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('SearchParameter-') && f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SearchParameter);
}

function loadAll(options: RegistryOptions): SearchParameter[] {
  const official = packageFiles('SearchParameter')
    .sort()
    .map((f) => readPackageFile<SearchParameter>(f));
  const extra = (options.extraSearchParameterDirs ?? []).flatMap(readDir);
  return [...official, ...extra];
}

export function buildRegistry(options: RegistryOptions = {}): SearchParameterRegistry {
  const byUrl = new Map<string, SearchParameter>();
  for (const sp of loadAll(options)) {
    if (sp.resourceType === 'SearchParameter' && sp.expression && sp.base?.length) byUrl.set(sp.url, sp);
  }
  const perType = new Map<string, Map<string, SearchParamDef>>();
  const componentType = (url: string): SearchParamType => byUrl.get(url)?.type ?? 'token';
  for (const sp of byUrl.values()) {
    for (const base of sp.base ?? []) {
      const expression = expressionFor(sp.expression ?? '', base, sp.base ?? []);
      if (!expression) continue;
      const defs = perType.get(base) ?? new Map<string, SearchParamDef>();
      perType.set(base, defs);
      // The first definition of a code wins: the official one, unless ours replaces it on purpose below.
      const existing = defs.get(sp.code);
      const ours = !sp.url.startsWith('http://hl7.org/fhir/SearchParameter/');
      if (existing && !ours) continue;
      defs.set(sp.code, {
        code: sp.code,
        url: sp.url,
        type: sp.type,
        base: sp.base ?? [],
        expression,
        target: sp.target ?? [],
        components: (sp.component ?? []).map((c) => ({
          definition: codeOfUrl(c.definition),
          type: componentType(c.definition),
          expression: c.expression,
        })),
        description: sp.description ?? '',
      });
    }
  }
  const cache = new Map<string, SearchParamDef[]>();
  const codeCache = new Map<string, Map<string, SearchParamDef>>();
  const byType = (type: string): SearchParamDef[] => {
    const hit = cache.get(type);
    if (hit) return hit;
    const merged = new Map<string, SearchParamDef>();
    for (const level of ['Resource', 'DomainResource', type]) {
      if (level === 'DomainResource' && (type === 'Bundle' || type === 'Binary' || type === 'Parameters'))
        continue;
      for (const def of perType.get(level)?.values() ?? []) merged.set(def.code, def);
    }
    const list = [...merged.values()].sort((a, b) => a.code.localeCompare(b.code));
    cache.set(type, list);
    codeCache.set(type, new Map(list.map((d) => [d.code, d])));
    return list;
  };
  return {
    byType,
    get: (type, code) => {
      if (!codeCache.has(type)) byType(type);
      return codeCache.get(type)?.get(code);
    },
    types: () => [...concreteResourceTypes()],
  };
}

let defaultRegistry: SearchParameterRegistry | undefined;
let defaultOptions: RegistryOptions = {};

/** Sets the folders of our own SearchParameters; call before the first search (or to reload after a change). */
export function configureSearchParameters(options: RegistryOptions): void {
  defaultOptions = options;
  defaultRegistry = undefined;
}

/** The registry every search and every index extraction uses. */
export function searchParameterRegistry(): SearchParameterRegistry {
  defaultRegistry ??= buildRegistry(defaultOptions);
  return defaultRegistry;
}
