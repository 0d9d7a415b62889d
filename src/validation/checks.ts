// Value checks of one element: fixed[x], pattern[x], bindings and reference targets (elementdefinition.html, terminologies.html#strength).
import type { Coding } from 'fhir/r4';
import { report, type Context } from './engine';
import type { ElementModel, TypeRef } from './model';
import type { Expansion } from '../fhir/terminology';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(ob).length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], ob[k]))
  );
}

/** A pattern matches when every property it has is matched in the value; each pattern array item by some item. */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (Array.isArray(pattern)) {
    const items = Array.isArray(value) ? value : [value];
    return pattern.every((p) => items.some((v) => matchesPattern(v, p)));
  }
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => matchesPattern(v, pattern));
  const v = value as Record<string, unknown>;
  return Object.entries(pattern).every(([k, p]) => v[k] !== undefined && matchesPattern(v[k], p));
}

/** A canonical fixed without a version is the same artefact at any version (`url|0.1.0`; references.html#canonical). */
const sameCanonical = (value: unknown, fixed: unknown, type?: string): boolean =>
  type === 'canonical' &&
  typeof value === 'string' &&
  typeof fixed === 'string' &&
  !fixed.includes('|') &&
  value.startsWith(fixed + '|');

export function checkFixedPattern(
  ctx: Context,
  value: unknown,
  def: ElementModel,
  path: string,
  type?: string,
): void {
  if (def.fixed !== undefined && !deepEqual(value, def.fixed) && !sameCanonical(value, def.fixed, type)) {
    report(
      ctx,
      'error',
      'value',
      `Value must be exactly ${JSON.stringify(def.fixed)} (fixed by ${def.model.url})`,
      path,
    );
  }
  if (
    def.pattern !== undefined &&
    !matchesPattern(value, def.pattern) &&
    !sameCanonical(value, def.pattern, type)
  ) {
    report(
      ctx,
      'error',
      'value',
      `Value must match the pattern ${JSON.stringify(def.pattern)} (${def.model.url})`,
      path,
    );
  }
}

const REFERENCE =
  /^(?:(?:https?:\/\/[^\s]+\/)?([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?)$/;

/** Literal references `Type/id` (relative or absolute) must name a resource type the element allows. */
export function checkReference(ctx: Context, value: Record<string, unknown>, t: TypeRef, path: string): void {
  const ref = value.reference;
  if (typeof ref !== 'string' || ref.startsWith('#') || ref.startsWith('urn:')) return;
  const m = REFERENCE.exec(ref);
  if (!m) return;
  const type = m[1]!;
  if (!ctx.engine.isResourceType(type)) {
    if (!/^https?:/.test(ref))
      report(
        ctx,
        'error',
        'value',
        `'${type}' in reference '${ref}' is not a resource type`,
        `${path}.reference`,
      );
    return;
  }
  if (t.targets && !t.targets.includes(type)) {
    report(
      ctx,
      'error',
      'structure',
      `A reference to ${type} is not allowed here; allowed: ${t.targets.join(', ')}`,
      [path, `${path}.reference`],
    );
  }
  if (typeof value.type === 'string' && value.type !== type) {
    report(
      ctx,
      'error',
      'value',
      `Reference.type ${value.type} does not match the reference '${ref}'`,
      `${path}.type`,
    );
  }
}

type Verdict = 'in' | 'out' | 'system-only';

function codingVerdict(exp: Expansion | undefined, coding: Coding): Verdict | undefined {
  // A malformed system or code is reported by the walker as a primitive error; the binding cannot judge it.
  if (!exp || typeof coding.code !== 'string') return undefined;
  if (coding.system !== undefined && typeof coding.system !== 'string') return undefined;
  if (!coding.system) return exp.all.has(coding.code) ? 'in' : 'out';
  const codes = exp.systems.get(coding.system);
  if (codes === undefined) return 'out';
  if (codes === 'any') return 'system-only';
  return codes.has(coding.code) ? 'in' : 'out';
}

/** HL7 terminology (terminology.hl7.org) is released apart from R4: the copies held are those of R4 (2019). */
const HL7_TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem/';

/**
 * Codes of a CodeSystem we hold must exist in it, whatever the binding (the HL7 validator does the same). A code of
 * HL7 terminology that the held copy lacks may come from a later release (v2-0203#NNFIN): an error only where a
 * required binding makes it one, a warning elsewhere.
 */
function checkCodeSystem(
  ctx: Context,
  coding: Coding,
  path: string,
  index: number,
  strength: string | undefined,
): void {
  if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return;
  const cs = ctx.engine.terminology.codeSystem(coding.system);
  if (cs?.content !== 'complete') return;
  if (ctx.engine.terminology.hasCode(cs, coding.code)) return;
  const where = index < 0 ? `${path}.code` : `${path}.coding[${index}].code`;
  if (strength !== 'required' && coding.system.startsWith(HL7_TERMINOLOGY)) {
    report(
      ctx,
      'warning',
      'code-invalid',
      `Code '${coding.code}' is not in the copy of the code system ${coding.system} held here (version ` +
        `${cs.version ?? '?'}, from R4); a later HL7 terminology release may define it`,
      where,
    );
    return;
  }
  report(
    ctx,
    'error',
    'code-invalid',
    `Code '${coding.code}' is not in the code system ${coding.system}`,
    where,
  );
}

const NO_CODINGS: Coding[] = [];
const isCoding = (c: unknown): c is Coding => typeof c === 'object' && c !== null && !Array.isArray(c);

function codingsOf(value: unknown, type: string): Coding[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (type === 'Coding') return [value];
  if (type === 'CodeableConcept') {
    // A coding that is not an array is reported by the walker; the binding sees no codes then.
    const coding = (value as { coding?: unknown }).coding;
    if (!Array.isArray(coding)) return NO_CODINGS;
    return coding.every(isCoding) ? coding : coding.filter(isCoding);
  }
  return undefined;
}

/** Bindings: `required` violations are errors, `extensible` ones warnings; external systems are checked for the system only. */
export function checkBinding(
  ctx: Context,
  value: unknown,
  def: ElementModel,
  type: string,
  path: string,
): void {
  const codings = codingsOf(value, type);
  const b = def.binding;
  if (codings)
    for (let i = 0; i < codings.length; i++)
      checkCodeSystem(ctx, codings[i]!, path, type === 'CodeableConcept' ? i : -1, b?.strength);
  if (!b?.valueSet || (b.strength !== 'required' && b.strength !== 'extensible')) return;
  const severity = b.strength === 'required' ? 'error' : 'warning';
  const vs = b.valueSet;
  if (type === 'code' || type === 'string' || type === 'uri') {
    if (typeof value !== 'string') return;
    const exp = ctx.engine.terminology.expand(vs);
    if (!exp) return;
    exp.open ??= [...exp.systems.values()].some((s) => s === 'any');
    if (exp.open) return;
    if (!exp.all.has(value))
      report(ctx, severity, 'code-invalid', `'${value}' is not in the ${b.strength} value set ${vs}`, path);
    return;
  }
  if (!codings || codings.length === 0) return;
  const exp = ctx.engine.terminology.expand(vs);
  let systemOnly = -1;
  for (let i = 0; i < codings.length; i++) {
    const v = codingVerdict(exp, codings[i]!);
    if (v === undefined || v === 'in') return;
    if (v === 'system-only' && systemOnly < 0) systemOnly = i;
  }
  if (systemOnly >= 0) {
    const c = codings[systemOnly]!;
    report(
      ctx,
      'information',
      'informational',
      `Code '${c.code}' of ${c.system} was checked for its system only (the code system is not held locally)`,
      path,
    );
    return;
  }
  const shown = codings.map((c) => `${c.system ?? '?'}#${c.code ?? '?'}`).join(', ');
  report(
    ctx,
    severity,
    'code-invalid',
    `None of the codes (${shown}) is in the ${b.strength} value set ${vs}`,
    path,
  );
}
