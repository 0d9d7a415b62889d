// Security labels follow GBV content (security-labels.html; issue 16 point 6): the label step of the one write
// pipeline. A resource whose content is GBV (mappings/gbv-content.json: codes, code systems, the GBV enquiry's
// linkIds, phrases in CodeableConcept.text / Coding.display) or that references a resource labelled SDV gets SDV + R,
// whatever the sender sent; the SDV / R / V labels of the current version stay on the next one unless the write is
// made by a label admin. Other labels and tags are kept as sent. Judged by content, never by one element alone.
import type { Coding } from 'fhir/r4';
import { childElement } from '../fhir/fhirpath';
import { codingKey, gbvContent, type GbvContent } from '../fhir/gbv-content';
import type { JsonObject } from '../fhir/json';
import type { LabelsOf, SecurityLabel } from '../storage';

/** What the walk found: GBV content, or the `Type/id`s it references (to be looked up). */
interface Finding {
  gbv: boolean;
  /** What made it GBV content first: `code`, `text`, `linkId` or `questionnaire`. */
  because?: string;
  references: Set<string>;
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const SKIPPED = new Set(['resourceType', 'id', 'meta', 'text', 'implicitRules', 'language']);

/** The element's model path and type below `parent`, choices (`valueCodeableConcept`) included. */
function child(parent: string, key: string): { path: string; type: string | undefined } | undefined {
  const direct = childElement(parent, key);
  if (direct.type !== undefined) return direct;
  for (let i = 1; i < key.length; i++) {
    if (key[i]! < 'A' || key[i]! > 'Z') continue;
    const base = childElement(parent, key.slice(0, i));
    const suffix = key.slice(i);
    if (base.choices?.includes(suffix)) return { path: base.path + suffix, type: suffix };
  }
  return undefined;
}

class Walk {
  readonly found: Finding = { gbv: false, references: new Set() };
  constructor(private readonly rules: GbvContent) {}

  private hit(because: string): void {
    this.found.gbv = true;
    this.found.because ??= because;
  }

  resource(r: JsonObject): void {
    const type = typeof r.resourceType === 'string' ? r.resourceType : undefined;
    if (type === 'QuestionnaireResponse' && typeof r.questionnaire === 'string') {
      if (this.rules.questionnaires.has(r.questionnaire.replace(/\|.*$/, ''))) this.hit('questionnaire');
    }
    this.object(r, type);
  }

  /** Walks an element of model type `path` (a type name or a backbone path); undefined: not in the model. */
  private object(o: JsonObject, path: string | undefined): void {
    if (this.found.gbv) return;
    if (path === 'Coding' || (path === undefined && typeof o.code === 'string')) this.coding(o);
    if (path === 'CodeableConcept' || (path === undefined && Array.isArray(o.coding))) {
      if (typeof o.text === 'string' && this.rules.mentionsGbv(o.text)) this.hit('text');
    }
    if ((path === 'Reference' || path === undefined) && typeof o.reference === 'string') {
      const m = RELATIVE.exec(o.reference);
      if (m && !this.rules.referencesNotFollowed.has(m[1]!)) this.found.references.add(`${m[1]!}/${m[2]!}`);
    }
    if (path === 'QuestionnaireResponse.item' && typeof o.linkId === 'string') {
      if (this.rules.linkIds.has(o.linkId)) this.hit('linkId');
    }
    for (const [key, value] of Object.entries(o)) {
      if (SKIPPED.has(key) || key.startsWith('_') || value === null || typeof value !== 'object') continue;
      if (key === 'contained') {
        for (const c of [value].flat()) if (c && typeof c === 'object') this.resource(c as JsonObject);
        continue;
      }
      const el = path === undefined ? undefined : child(path, key);
      const next =
        el === undefined
          ? undefined
          : el.type === 'BackboneElement' || el.type === 'Element'
            ? el.path
            : el.type;
      for (const item of [value].flat()) {
        if (item !== null && typeof item === 'object' && !Array.isArray(item))
          this.object(item as JsonObject, next);
      }
    }
  }

  private coding(o: JsonObject): void {
    const system = typeof o.system === 'string' ? o.system : undefined;
    const code = typeof o.code === 'string' ? o.code : undefined;
    if (this.rules.isGbvCoding(system, code)) this.hit('code');
    else if (typeof o.display === 'string' && this.rules.mentionsGbv(o.display)) this.hit('text');
  }
}

/** The GBV content a resource carries by itself, and the resources whose labels would make it GBV content. */
export function gbvFinding(resource: JsonObject, rules: GbvContent = gbvContent()): Finding {
  const w = new Walk(rules);
  if (rules.definitions.has(String(resource.resourceType))) return w.found;
  w.resource(resource);
  return w.found;
}

/** Whether a resource is GBV content: by itself, or by referencing a resource labelled SDV (`labelsOf`). */
export async function isGbvContent(
  resource: JsonObject,
  labelsOf: LabelsOf,
  rules: GbvContent = gbvContent(),
): Promise<boolean> {
  const f = gbvFinding(resource, rules);
  if (f.gbv) return true;
  if (f.references.size === 0) return false;
  const labels = await labelsOf([...f.references]);
  for (const list of labels.values()) if (list.some((l) => rules.referenced.has(codingKey(l)))) return true;
  return false;
}

const securityOf = (tree: JsonObject | undefined): SecurityLabel[] => {
  const meta = tree?.meta;
  if (meta === null || typeof meta !== 'object') return [];
  const s = (meta as JsonObject).security;
  return Array.isArray(s) ? (s.filter((c) => c !== null && typeof c === 'object') as SecurityLabel[]) : [];
};

/**
 * The tree to store: `tree` with the GBV labels its content calls for and the kept labels (SDV, R, V) of `current`,
 * added to the labels it carries. A label admin's write is stored as sent: that is how a wrong label comes off
 * (the policy profiles still require labels on GBV Conditions, screening Observations and enquiry responses).
 */
export async function labelWrite(
  tree: JsonObject,
  current: JsonObject | undefined,
  labelsOf: LabelsOf,
  labelAdmin: boolean,
  rules: GbvContent = gbvContent(),
): Promise<JsonObject> {
  if (labelAdmin) return tree;
  // A malformed meta is left for the shape check to refuse (400), not repaired here.
  const m = tree.meta;
  if (m !== undefined && (m === null || typeof m !== 'object' || Array.isArray(m))) return tree;
  const sec = (m as JsonObject | undefined)?.security;
  if (sec !== undefined && !Array.isArray(sec)) return tree;
  const wanted: SecurityLabel[] = securityOf(current).filter((l) => rules.kept.has(codingKey(l)));
  if (await isGbvContent(tree, labelsOf, rules)) wanted.push(...rules.labels);
  const have = securityOf(tree);
  const present = new Set(have.map(codingKey));
  const missing: SecurityLabel[] = [];
  for (const l of wanted) {
    const key = codingKey(l);
    if (present.has(key)) continue;
    present.add(key);
    missing.push(copyLabel(l));
  }
  if (missing.length === 0) return tree;
  const meta = (m as JsonObject | undefined) ?? {};
  return { ...tree, meta: { ...meta, security: [...have, ...missing] } };
}

function copyLabel(l: SecurityLabel): Coding {
  const out: Coding = {};
  if (l.system !== undefined) out.system = l.system;
  if (l.code !== undefined) out.code = l.code;
  if (typeof (l as Coding).display === 'string') out.display = (l as Coding).display!;
  return out;
}
