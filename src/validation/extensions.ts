// Extensions: resolved by url to their definitions, with context and value checks (extensibility.html).
import { byCanonical } from './registry';
import { report, type Context } from './engine';
import type { ElementModel, TypeRef } from './model';

type Json = Record<string, unknown>;
type WalkObject = (ctx: Context, obj: Json, def: ElementModel, type: TypeRef, path: string) => void;

const CORE_EXT = 'http://hl7.org/fhir/StructureDefinition/';

/** The element path an extension sits on, relative to its resource (`Patient.birthDate`), without indexes. */
function hostPath(ctx: Context, path: string): string {
  const rel = path
    .slice(ctx.resourcePath.length)
    .replace(/\[\d+\]/g, '')
    .replace(/\._/g, '.');
  const host = `${String(ctx.resource.resourceType)}${rel}`;
  return host.slice(0, host.lastIndexOf('.'));
}

function contextAllows(ctx: Context, url: string, def: ElementModel, path: string): boolean {
  const sd = byCanonical(ctx.engine.reg.structureDefinitions, url);
  if (!sd?.context?.length) return true;
  const host = hostPath(ctx, path);
  const hostType = def.path.slice(0, def.path.lastIndexOf('.'));
  const isRoot = !host.includes('.');
  return sd.context.some((c) => {
    if (c.type !== 'element') return true; // extension and fhirpath contexts are not checked
    const e = c.expression;
    if (e === 'Element' || e === 'BackboneElement' || e === host || e === hostType) return true;
    if (isRoot && (e === 'Resource' || e === 'DomainResource')) return true;
    if (e.endsWith('[x]') && host.startsWith(e.slice(0, -3))) return true;
    // `HumanName.family` allows `Patient.contact.name.family`: the element named inside a data type.
    const inType = e.indexOf('.');
    if (inType > 0 && /^[A-Z]/.test(e) && host.endsWith(e.slice(inType))) return true;
    return ctx.engine.typeAncestors(hostType).includes(e);
  });
}

/** An extension item: by its declared profile, else by its url when we hold the definition, else the base Extension. */
export function checkExtension(
  ctx: Context,
  value: Json,
  def: ElementModel,
  type: TypeRef,
  path: string,
  walk: WalkObject,
): void {
  const url = value.url;
  let hasValue = false;
  for (const k in value)
    if (k.startsWith('value') || k.startsWith('_value')) {
      hasValue = true;
      break;
    }
  if (hasValue === (value.extension !== undefined)) {
    const why = hasValue ? 'not both' : 'it has neither';
    report(
      ctx,
      'error',
      'invariant',
      `Constraint failed: ext-1: an extension has either a value or sub-extensions, ${why}`,
      path,
    );
  }
  let model = type.profiles.length ? ctx.engine.model(type.profiles[0]!) : undefined;
  if (!model && typeof url === 'string' && /^[a-z]+:/.test(url)) {
    model = ctx.engine.model(url);
    if (model && model.type !== 'Extension') model = undefined;
    if (!model) {
      const hl7 = url.startsWith(CORE_EXT);
      report(
        ctx,
        hl7 ? 'warning' : 'information',
        hl7 ? 'structure' : 'informational',
        `Unknown extension ${url}: its definition is not held, so only its structure is checked`,
        path,
      );
    } else if (!contextAllows(ctx, url, def, path)) {
      report(
        ctx,
        'error',
        'structure',
        `Extension ${url} is not allowed here (its context does not include ${hostPath(ctx, path)})`,
        path,
      );
    }
  }
  if (model) walk(ctx, value, model.root, { code: 'Extension', profiles: [] }, path);
  else walk(ctx, value, def, type, path);
}
