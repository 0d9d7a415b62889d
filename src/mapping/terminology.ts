// ConceptMap look-ups ($translate-like, conceptmap.html) and UCUM unit codes for the e-PHR mapping.
import type { CodeableConcept, Coding, ConceptMap } from 'fhir/r4';
import type { Rules } from './rules';

/** Case-, accent- and spacing-insensitive key; Arabic diacritics, tatweel and alef/yeh/teh-marbuta variants folded. */
function normaliseLabel(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\u0640/g, '')
    .replace(/\u0649/g, '\u064A')
    .replace(/\u0629/g, '\u0647')
    .toLowerCase()
    .replace(/[\s_'’.-]+/g, ' ')
    .trim();
}

/** One target of a ConceptMap element: its coding (null when unmatched) and the values it dependsOn, by property. */
export interface Target {
  coding: Coding | null;
  dependsOn: Record<string, string>;
}

type Index = Map<string, Map<string, Target[]>>;
const indexes = new WeakMap<ConceptMap, Index>();

function indexOf(cm: ConceptMap): Index {
  const hit = indexes.get(cm);
  if (hit) return hit;
  const idx: Index = new Map();
  for (const g of cm.group ?? []) {
    const target = g.target ?? '';
    const byLabel = idx.get(target) ?? new Map<string, Target[]>();
    idx.set(target, byLabel);
    for (const el of g.element ?? []) {
      if (!el.code || !el.target?.length) continue;
      const list = el.target.map((t): Target => {
        const coding: Coding | null =
          t.equivalence === 'unmatched' || !t.code
            ? null
            : t.display
              ? { system: target, code: t.code, display: t.display }
              : { system: target, code: t.code };
        const dependsOn = Object.fromEntries((t.dependsOn ?? []).map((d) => [d.property, d.value ?? '']));
        return { coding, dependsOn };
      });
      byLabel.set(normaliseLabel(el.code), list);
    }
  }
  indexes.set(cm, idx);
  return idx;
}

function conceptMap(r: Rules, name: string): ConceptMap {
  const cm = r.conceptMaps.get(name);
  if (!cm) throw new Error(`ConceptMap '${name}' not found in mappings/concept-maps`);
  return cm;
}

/** Codings for a label from every target system of the ConceptMap (each system's first target), in group order. */
export function translate(r: Rules, name: string, label: string): Coding[] {
  const key = normaliseLabel(label);
  const out: Coding[] = [];
  for (const byLabel of indexOf(conceptMap(r, name)).values()) {
    const c = byLabel.get(key)?.[0]?.coding;
    if (c) out.push({ ...c });
  }
  return out;
}

/** Every target of a label in one target system (empty when the ConceptMap does not know the label). */
export function targets(r: Rules, name: string, system: string, label: string): Target[] {
  return indexOf(conceptMap(r, name)).get(system)?.get(normaliseLabel(label)) ?? [];
}

/** A CodeableConcept that keeps the label as written in `text` and adds codes when the ConceptMap knows it. */
export function concept(r: Rules, conceptMap: string, label: string): CodeableConcept {
  const coding = translate(r, conceptMap, label);
  return coding.length > 0 ? { coding, text: label } : { text: label };
}

/** UCUM code for a unit label, or undefined. */
export function ucum(r: Rules, label: string): string | undefined {
  return translate(r, 'unit', label)[0]?.code;
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
