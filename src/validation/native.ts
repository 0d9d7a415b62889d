// Core invariants checked in code rather than FHIRPath, each for the reason given in SKIPPED_INVARIANTS (references.html#contained).
import { report, type Context } from './engine';

/** Every `#...` string in a JSON tree (references and canonicals to contained resources). */
function localRefs(node: unknown, into: Set<string>): Set<string> {
  if (typeof node === 'string') {
    if (node.charCodeAt(0) === 35) into.add(node);
  } else if (Array.isArray(node)) {
    for (const v of node) localRefs(v, into);
  } else if (typeof node === 'object' && node !== null) {
    for (const v of Object.values(node)) localRefs(v, into);
  }
  return into;
}

/** dom-3: a contained resource is referenced from elsewhere in the resource, or refers back to it with `#`. */
export function checkContainedReferenced(
  ctx: Context,
  resource: Record<string, unknown>,
  path: string,
): void {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return;
  const refs = localRefs(resource, new Set());
  contained.forEach((c: unknown, i) => {
    const id = (c as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || refs.has(`#${id}`) || localRefs(c, new Set()).has('#')) return;
    report(
      ctx,
      'error',
      'invariant',
      `Constraint failed: dom-3: 'If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource' (contained '${id}' is not referenced)`,
      `${path}.contained[${i}]`,
    );
  });
}

/** ref-1: a reference `#id` needs a contained resource with that id in the root resource. */
export function checkLocalReference(ctx: Context, ref: unknown, path: string): void {
  if (typeof ref !== 'string' || ref.charCodeAt(0) !== 35 || ref.length === 1) return;
  const contained = ctx.root.contained;
  const id = ref.slice(1);
  if (Array.isArray(contained) && contained.some((c) => (c as { id?: unknown } | null)?.id === id)) return;
  report(
    ctx,
    'error',
    'invariant',
    `Constraint failed: ref-1: no contained resource has the id '${id}' this reference points to`,
    `${path}.reference`,
  );
}
