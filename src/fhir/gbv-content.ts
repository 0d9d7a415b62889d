// What GBV content is (security-labels.html, v3-ActCode SDV): the data of mappings/gbv-content.json, read once,
// with the matchers the server's label step (security/labels.ts) and the e-PHR mapping share.
import fs from 'node:fs';
import path from 'node:path';
import type { Coding } from 'fhir/r4';
import { projectRoot } from '../project-root';

interface ContentFile {
  labels: Coding[];
  kept: Coding[];
  referenced: Coding[];
  referencesNotFollowed: string[];
  definitions: string[];
  questionnaires: { canonicals: string[]; files: string[] };
  systems: Array<{ system: string }>;
  codes: Array<{ system?: string; code: string }>;
  prefixes: Array<{ system: string; prefix: string }>;
  phrases: string[];
}

export interface GbvContent {
  /** The labels GBV content carries: SDV and R. */
  labels: readonly Coding[];
  /** `system|code` of the labels a write keeps unless made by a label admin (SDV, R, V). */
  kept: ReadonlySet<string>;
  /** `system|code` of the labels that make a referencing resource GBV content too. */
  referenced: ReadonlySet<string>;
  /** Types whose references do not spread labels (who and where, not what). */
  referencesNotFollowed: ReadonlySet<string>;
  /** Definition types (Questionnaire, CodeSystem, ...): their content labels nothing. */
  definitions: ReadonlySet<string>;
  /** Canonicals (without `|version`) of the GBV Questionnaires. */
  questionnaires: ReadonlySet<string>;
  /** Every linkId of those Questionnaires. */
  linkIds: ReadonlySet<string>;
  /** Whether a Coding (system, code) is GBV content. */
  isGbvCoding(system: string | undefined, code: string | undefined): boolean;
  /** Whether a text (CodeableConcept.text, Coding.display) names GBV, as a whole normalised phrase. */
  mentionsGbv(text: string): boolean;
}

/** Lower case, accents and other marks removed, every run of non-letters/digits one space, padded with spaces. */
export function normalisePhrase(text: string): string {
  const plain = text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${plain} `;
}

export const codingKey = (c: { system?: string | undefined; code?: string | undefined }): string =>
  `${c.system ?? ''}|${c.code ?? ''}`;

const classificationCode = (code: string): string => code.toUpperCase().replace(/\./g, '');

function linkIdsOf(items: unknown, out: Set<string>): void {
  if (!Array.isArray(items)) return;
  for (const it of items as Array<{ linkId?: unknown; item?: unknown }>) {
    if (typeof it.linkId === 'string') out.add(it.linkId);
    linkIdsOf(it.item, out);
  }
}

function load(): GbvContent {
  const file = path.join(projectRoot, 'mappings', 'gbv-content.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as ContentFile;
  const linkIds = new Set<string>();
  for (const q of data.questionnaires.files) {
    const questionnaire = JSON.parse(fs.readFileSync(path.join(projectRoot, q), 'utf8')) as {
      item?: unknown;
    };
    linkIdsOf(questionnaire.item, linkIds);
  }
  const systems = new Set(data.systems.map((s) => s.system));
  const codes = new Set(data.codes.filter((c) => c.system !== undefined).map(codingKey));
  const anySystem = new Set(data.codes.filter((c) => c.system === undefined).map((c) => c.code));
  const prefixes = new Map<string, string[]>();
  for (const p of data.prefixes) {
    const list = prefixes.get(p.system) ?? [];
    list.push(classificationCode(p.prefix));
    prefixes.set(p.system, list);
  }
  const phrases = data.phrases.map(normalisePhrase).filter((p) => p.trim() !== '');
  return {
    labels: data.labels,
    kept: new Set(data.kept.map(codingKey)),
    referenced: new Set(data.referenced.map(codingKey)),
    referencesNotFollowed: new Set(data.referencesNotFollowed),
    definitions: new Set(data.definitions),
    questionnaires: new Set(data.questionnaires.canonicals),
    linkIds,
    isGbvCoding(system, code) {
      if (system !== undefined && systems.has(system)) return true;
      if (code === undefined) return false;
      if (anySystem.has(code) || codes.has(`${system ?? ''}|${code}`)) return true;
      const chapter = system === undefined ? undefined : prefixes.get(system);
      if (!chapter) return false;
      const c = classificationCode(code);
      return chapter.some((p) => c.startsWith(p));
    },
    mentionsGbv(text) {
      const t = normalisePhrase(text);
      return phrases.some((p) => t.includes(p));
    },
  };
}

let loaded: GbvContent | undefined;

/** The GBV content rules, read from mappings/gbv-content.json (and the Questionnaires it names) on first use. */
export function gbvContent(): GbvContent {
  return (loaded ??= load());
}
