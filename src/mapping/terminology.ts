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

type Index = Map<string, Map<string, Coding | null>>;
const indexes = new WeakMap<ConceptMap, Index>();

function indexOf(cm: ConceptMap): Index {
  const hit = indexes.get(cm);
  if (hit) return hit;
  const idx: Index = new Map();
  for (const g of cm.group ?? []) {
    const target = g.target ?? '';
    const byLabel = idx.get(target) ?? new Map<string, Coding | null>();
    idx.set(target, byLabel);
    for (const el of g.element ?? []) {
      const t = el.target?.[0];
      if (!el.code || !t) continue;
      const coding: Coding | null =
        t.equivalence === 'unmatched' || !t.code
          ? null
          : t.display
            ? { system: target, code: t.code, display: t.display }
            : { system: target, code: t.code };
      byLabel.set(normaliseLabel(el.code), coding);
    }
  }
  indexes.set(cm, idx);
  return idx;
}

/** Codings for a label from every target system of the ConceptMap, in group order (empty when unmatched). */
export function translate(r: Rules, conceptMap: string, label: string): Coding[] {
  const cm = r.conceptMaps.get(conceptMap);
  if (!cm) throw new Error(`ConceptMap '${conceptMap}' not found in mappings/concept-maps`);
  const key = normaliseLabel(label);
  const out: Coding[] = [];
  for (const byLabel of indexOf(cm).values()) {
    const c = byLabel.get(key);
    if (c) out.push({ ...c });
  }
  return out;
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
