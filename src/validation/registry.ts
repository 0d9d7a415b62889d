// The conformance resources the validator knows: base R4 definitions plus our profiles (validation.html#profile).
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Questionnaire, Resource, StructureDefinition, ValueSet } from 'fhir/r4';
import { R4_PACKAGE_DIR } from '../fhir/definitions';

/** Conformance resource types read from the base package (the examples in it are not loaded). */
const BASE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem'];

export interface Registry {
  /** By canonical url, and by `url|version`. */
  structureDefinitions: Map<string, StructureDefinition>;
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
  questionnaires: Map<string, Questionnaire>;
  /** Base type definitions by type name (`Patient`, `string`, `CodeableConcept`). */
  types: Map<string, StructureDefinition>;
  /** What was loaded from the profile folders, in file order. */
  local: Resource[];
}

function put<T extends { url?: string; version?: string }>(map: Map<string, T>, r: T): void {
  if (!r.url) return;
  map.set(r.url, r);
  if (r.version) map.set(`${r.url}|${r.version}`, r);
}

function add(reg: Registry, r: Resource): void {
  switch (r.resourceType) {
    case 'StructureDefinition':
      put(reg.structureDefinitions, r as StructureDefinition);
      break;
    case 'ValueSet':
      put(reg.valueSets, r as ValueSet);
      break;
    case 'CodeSystem':
      put(reg.codeSystems, r as CodeSystem);
      break;
    case 'Questionnaire':
      put(reg.questionnaires, r as Questionnaire);
      break;
    default:
      break;
  }
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

/** Every `*.json` FHIR resource under a folder (recursively), skipping package manifests. */
function resourcesIn(dir: string): Resource[] {
  const out: Resource[] = [];
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...resourcesIn(file));
    } else if (entry.name.endsWith('.json')) {
      const json = readJson(file) as { resourceType?: unknown };
      if (typeof json.resourceType === 'string') out.push(json as Resource);
    }
  }
  return out;
}

export function loadRegistry(profileDirs: string[] = []): Registry {
  const reg: Registry = {
    structureDefinitions: new Map(),
    valueSets: new Map(),
    codeSystems: new Map(),
    questionnaires: new Map(),
    types: new Map(),
    local: [],
  };
  for (const file of fs.readdirSync(R4_PACKAGE_DIR)) {
    if (!file.endsWith('.json') || !BASE_TYPES.includes(file.slice(0, file.indexOf('-')))) continue;
    add(reg, readJson(path.join(R4_PACKAGE_DIR, file)) as Resource);
  }
  for (const sd of reg.structureDefinitions.values()) {
    if (
      sd.derivation !== 'constraint' &&
      sd.kind !== 'logical' &&
      sd.url === `http://hl7.org/fhir/StructureDefinition/${sd.type}`
    ) {
      reg.types.set(sd.type, sd);
    }
  }
  for (const dir of profileDirs) {
    if (!fs.existsSync(dir)) throw new Error(`profile folder ${dir} does not exist`);
    for (const r of resourcesIn(dir)) {
      add(reg, r);
      reg.local.push(r);
    }
  }
  return reg;
}

/** Looks up a canonical, with or without `|version`. */
export function byCanonical<T>(map: Map<string, T>, canonical: string): T | undefined {
  return map.get(canonical) ?? map.get(canonical.split('|')[0] ?? canonical);
}
