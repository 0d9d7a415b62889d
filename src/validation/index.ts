// The validator: base R4 definitions and our profiles compiled once, returning every located issue (validation.html).
import type { Questionnaire, Resource, StructureDefinition } from 'fhir/r4';
import type { Issue } from '../fhir/outcome';
import { Engine, report, type Context } from './engine';
import { byCanonical, loadRegistry } from './registry';
import { checkQuestionnaireResponse } from './questionnaire';
import { walkObject, walkResource } from './walker';

export interface ValidatorOptions {
  /** Folders of FHIR JSON conformance resources (ours: `<repo>/profiles`), loaded at compile time. */
  profileDirs?: string[];
  /** Finds the Questionnaire of a QuestionnaireResponse; defaults to the loaded ones. */
  resolveQuestionnaire?: (canonical: string) => Questionnaire | undefined;
}

export interface Validator {
  /** Validates a plain JSON resource against base R4 and every profile it claims in meta.profile, plus `profiles`.
   *  Returns every issue found, all at once (errors, warnings, information). */
  validate(resource: unknown, opts?: { profiles?: string[] }): Issue[];
  /** Whether a profile canonical (url or url|version) is known. */
  hasProfile(url: string): boolean;
  /** The type a known profile constrains (`Patient`), or undefined. */
  profileType(url: string): string | undefined;
  /** The conformance resources loaded from profileDirs. */
  conformanceResources(): Resource[];
  /** What compiling every definition at creation cost. */
  readonly compiled: { models: number; valueSets: number; ms: number };
}

export type { Issue };

type Json = Record<string, unknown>;

export function createValidator(opts: ValidatorOptions = {}): Validator {
  const reg = loadRegistry(opts.profileDirs);
  const resolve = opts.resolveQuestionnaire ?? ((c: string) => byCanonical(reg.questionnaires, c));
  const engine = new Engine(reg, resolve);
  const started = performance.now();
  const compiled = { ...engine.compileAll(), ms: 0 };
  compiled.ms = Math.round(performance.now() - started);
  const byQuestionnaire = profilesByQuestionnaire(reg.local);
  const everyInstance = profilesForEveryInstance(reg.local);
  const hasProfile = (url: string): boolean => byCanonical(reg.structureDefinitions, url) !== undefined;

  function newContext(root: Json, path: string): Context {
    const ctx: Context = {
      engine,
      issues: [],
      seen: new Set(),
      hits: [],
      top: 0,
      resource: root,
      root,
      resourcePath: path,
      conformsTo(value, profile) {
        const model = engine.model(profile);
        if (!model || typeof value !== 'object' || value === null) return false;
        const sub = newContext(value as Json, model.type);
        if (model.kind === 'resource') walkResource(sub, value, model, model.type);
        else walkObject(sub, value as Json, model.root, { code: model.type, profiles: [] }, model.type);
        return !sub.issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
      },
      conformsToClaims(resource, at, extra = []) {
        const meta = resource.meta as { profile?: unknown } | undefined;
        const claimed = Array.isArray(meta?.profile)
          ? meta.profile.filter((p): p is string => typeof p === 'string')
          : NONE;
        // Our profiles of a Questionnaire's responses apply whether claimed or not (GBV labels must not leak).
        const byType = everyInstance.get(String(resource.resourceType)) ?? NONE;
        const byResponse =
          resource.resourceType === 'QuestionnaireResponse' && typeof resource.questionnaire === 'string'
            ? (byQuestionnaire.get(resource.questionnaire.split('|')[0]!) ?? NONE)
            : NONE;
        const implied = byResponse.length ? [...byType, ...byResponse] : byType;
        // Most resources claim no profile and none applies to them: nothing to gather then.
        const urls =
          claimed.length || extra.length || implied.length
            ? [...new Set([...claimed, ...extra, ...implied])]
            : NONE;
        for (const url of urls) {
          const model = engine.model(url);
          if (!model) {
            report(
              ctx,
              'error',
              'not-supported',
              `Profile ${url} is not known to this server, so the resource cannot be validated against it`,
              claimed.includes(url) ? `${at}.meta.profile[${claimed.indexOf(url)}]` : at,
            );
          } else if (model.type !== resource.resourceType) {
            report(
              ctx,
              'error',
              'value',
              `Profile ${url} is for ${model.type}, not ${String(resource.resourceType)}`,
              at,
            );
          } else {
            const before = errorCount(ctx.issues);
            walkResource(ctx, resource, model, at);
            // A profile the resource does not claim is named, so the sender learns why its resource is held to it.
            if (!claimed.includes(url) && errorCount(ctx.issues) > before)
              report(
                ctx,
                'error',
                'invalid',
                `${model.type} does not conform to the profile ${url}, which applies ${
                  byType.includes(url)
                    ? `to every ${model.type} on this server`
                    : implied.includes(url)
                      ? `to every response to ${String(resource.questionnaire).split('|')[0]}`
                      : 'although the resource does not claim it'
                }`,
                at,
              );
          }
        }
        if (resource.resourceType === 'QuestionnaireResponse') checkQuestionnaireResponse(ctx, resource, at);
      },
    };
    return ctx;
  }

  return {
    validate(resource, options = {}) {
      const json = resource as Json;
      const rt =
        typeof resource === 'object' && resource !== null && !Array.isArray(resource)
          ? json.resourceType
          : undefined;
      if (typeof rt !== 'string' || !engine.isResourceType(rt)) {
        const what =
          typeof rt === 'string'
            ? `Unknown resourceType '${rt}'`
            : 'A resource must be a JSON object with a resourceType';
        return [
          {
            severity: 'error',
            code: 'structure',
            diagnostics: what,
            expression: [typeof rt === 'string' ? rt : 'resourceType'],
          },
        ];
      }
      const ctx = newContext(json, rt);
      walkResource(ctx, json, engine.resourceModel(rt)!, rt);
      ctx.conformsToClaims(json, rt, options.profiles);
      return ctx.issues;
    },
    hasProfile,
    profileType: (url) => engine.model(url)?.type,
    conformanceResources: () => reg.local,
    compiled,
  };
}

const NONE: string[] = [];

const errorCount = (issues: Issue[]): number =>
  issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;

/** Our QuestionnaireResponse profiles by the Questionnaire canonical (without version) they fix `questionnaire` to. */
const EVERY_INSTANCE = 'http://ephr-fhir.org/fhir/StructureDefinition/applies-to-every-instance';

/** Our profiles marked to apply to every resource of their type (server policy such as the GBV labels), by type. */
function profilesForEveryInstance(local: Resource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of local as StructureDefinition[]) {
    if (r.resourceType !== 'StructureDefinition' || r.kind !== 'resource') continue;
    if (!r.extension?.some((e) => e.url === EVERY_INSTANCE && e.valueBoolean === true)) continue;
    out.set(r.type, [...(out.get(r.type) ?? []), r.url]);
  }
  return out;
}

function profilesByQuestionnaire(local: Resource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of local as StructureDefinition[]) {
    if (r.resourceType !== 'StructureDefinition' || r.type !== 'QuestionnaireResponse') continue;
    const elements = [...(r.snapshot?.element ?? []), ...(r.differential?.element ?? [])];
    for (const e of elements) {
      if (e.id !== 'QuestionnaireResponse.questionnaire') continue;
      const canonical = e.fixedCanonical ?? e.patternCanonical;
      if (!canonical) continue;
      const key = canonical.split('|')[0]!;
      const urls = out.get(key) ?? [];
      if (!urls.includes(r.url)) out.set(key, [...urls, r.url]);
    }
  }
  return out;
}
