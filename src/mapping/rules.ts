// Loads the mapping rules and ConceptMaps from mappings/ once (data, not code: see mappings/README.md).
import fs from 'node:fs';
import path from 'node:path';
import type { ConceptMap, Coding, CodeableConcept } from 'fhir/r4';
import { projectRoot } from '../project-root';
import { parseTargetPath } from './paths';

export const mappingsDir = path.join(projectRoot, 'mappings');

export interface FieldRule {
  from?: string;
  to: string;
  as?: string;
  value?: unknown;
  /** data-absent-reason code written when the source is missing (on `_field`, or on the element itself). */
  absent?: string;
  absentOn?: 'primitive' | 'element';
  /** A value that says "unknown" in the target's own code system (e.g. gender `unknown`). */
  absentValue?: unknown;
  each?: string;
  set?: Record<string, unknown>;
  skip?: unknown[];
  rules?: FieldRule[];
}

export interface FieldRules {
  resourceType: string;
  profile: string;
  fixed?: Record<string, unknown>;
  rules: FieldRule[];
}

export interface CodedResult {
  value?: Coding;
  text?: string;
  interpretation?: Coding;
  absent?: string;
}

export interface QuantityRule {
  from: string;
  item: string;
  profile: string;
  code: Coding;
  unit: string;
  decimals: number;
}

export interface InstrumentRule {
  item: string;
  profile: string;
  panel: Coding;
  total: Coding;
  items: Coding[];
}

export interface ObservationRules {
  vitalSigns: {
    category: Coding;
    items: QuantityRule[];
    bmi: QuantityRule & { weightItem: string; heightItem: string };
    bloodPressure: Omit<QuantityRule, 'decimals'> & { systolic: Coding; diastolic: Coding };
  };
  examination: { item: string; category: Coding; abnormal: Coding; normal: Coding };
  labs: {
    item: string;
    profile: string;
    conceptMap: string;
    category: Coding;
    results: Record<string, CodedResult>;
  };
  tbSymptomScreen: {
    item: string;
    profile: string;
    code: CodeableConcept;
    category: Coding[];
    values: Record<string, Coding & { absent?: string }>;
  };
  instruments: { category: Coding[]; answers: Coding[]; phq9: InstrumentRule; gad7: InstrumentRule };
  pregnancy: {
    item: string;
    category: Coding[];
    status: { code: Coding; values: Record<string, Coding & { absent?: string }> };
    lmp: { code: CodeableConcept };
    edd: { code: CodeableConcept };
    gravida: { code: CodeableConcept };
    para: { code: CodeableConcept };
  };
}

export interface GbvItemRule {
  linkId: string;
  from: string;
  type: 'boolean' | 'coding' | 'string' | 'country';
  answers?: string;
  repeats?: boolean;
  code?: Coding;
  /** The Questionnaire's enableWhen for this item, as a sibling field of the record and the values that enable it. */
  enabledWhen?: { from: string; anyOf: string[] };
}

export interface GbvGroupRule {
  linkId: string;
  from: string;
  instrument?: string;
  items: GbvItemRule[];
  total?: { linkId: string; code: Coding; score: Record<string, number>; positiveAtLeast: number };
}

export interface GbvRules {
  questionnaire: string;
  item: string;
  answerSets: Record<string, Record<string, Coding | string>>;
  groups: GbvGroupRule[];
  observationCategory: Coding[];
  ipvCategory: Coding;
  interpretation: { positive: Coding; negative: Coding };
  absent: { declined: string; notAsked: string };
  referralItem: string;
  referralSkip: string[];
  /** What makes a treatment or referral part of the response to a disclosure (mappings/README.md). */
  related: { disclosureItems: string[]; phrases: string[] };
}

export interface CommonRules {
  canonicalBase: string;
  identifierSystems: { ephrId: string; registrationNumber: string; item: string };
  profiles: Record<string, string>;
  extensions: { dataAbsentReason: string; originalText: string };
  provenance: { activity: Coding; agentType: Coding; sourceDescription: string };
  conditionalMode: 'update' | 'create';
}

export interface ImmunizationRules {
  profile: string;
  item: string;
  conceptMap: string;
  sources: Record<string, { primarySource: boolean; reportOrigin?: CodeableConcept }>;
  absentDate: string;
}

export interface Rules {
  common: CommonRules;
  valueMaps: Record<string, Record<string, unknown>>;
  patient: FieldRules;
  encounter: FieldRules;
  observations: ObservationRules;
  immunization: ImmunizationRules;
  gbv: GbvRules;
  conceptMaps: Map<string, ConceptMap>;
  csvColumns: Record<string, string>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(mappingsDir, file), 'utf8')) as T;
}

/** Parses every target path once, so a broken rules file fails when loaded, not in the middle of an import. */
function checkTargets(list: FieldRule[]): void {
  for (const r of list) {
    parseTargetPath(r.to);
    if (r.rules) checkTargets(r.rules);
  }
}

let loaded: Rules | undefined;

/** All mapping data, read from mappings/ on first use. */
export function rules(): Rules {
  if (loaded) return loaded;
  const conceptMaps = new Map<string, ConceptMap>();
  for (const f of fs.readdirSync(path.join(mappingsDir, 'concept-maps')).sort()) {
    if (!f.endsWith('.json')) continue;
    const cm = readJson<ConceptMap>(path.join('concept-maps', f));
    conceptMaps.set(cm.id ?? f.replace(/\.json$/, ''), cm);
  }
  loaded = {
    common: readJson('rules/common.json'),
    valueMaps: readJson('rules/value-maps.json'),
    patient: readJson('rules/patient.json'),
    encounter: readJson('rules/encounter.json'),
    observations: readJson('rules/observations.json'),
    immunization: readJson('rules/immunization.json'),
    gbv: readJson('rules/gbv.json'),
    conceptMaps,
    csvColumns: readJson<{ columns: Record<string, string> }>('csv-columns.json').columns,
  };
  checkTargets(loaded.patient.rules);
  checkTargets(loaded.encounter.rules);
  return loaded;
}
