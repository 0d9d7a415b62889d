// FHIRPath Patch (fhirpatch.html): a Parameters resource of add / insert / delete / replace / move operations.
// Paths are found with the fhirpath engine on a plain copy, then applied at the same places in the exact tree
// so that decimals elsewhere in the resource keep their text.
import { isRepeating } from './element-model';
import { selectNodes } from './fhirpath';
import { toPlain, type JsonObject } from './json';
import { badRequest, fail } from './outcome';
import { checkOperationCount, type PatchLimits } from './json-patch';
import { refusePrototypeKey } from './safe-keys';

interface Node {
  parentResNode?: Node | null;
  propName?: string;
  index?: number | null;
  path?: string;
  fhirNodeDataType?: string;
}

type Step = { prop: string; index?: number };

interface Operation {
  type: string;
  path: string;
  name?: string;
  value?: unknown;
  index?: number;
  source?: number;
  destination?: number;
}

const unprocessable = (msg: string, where: string): Error => fail(422, 'processing', msg, where);

export function isFhirPathPatch(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as JsonObject).resourceType === 'Parameters';
}

export function applyFhirPathPatch(
  resource: JsonObject,
  parameters: JsonObject,
  limits: PatchLimits,
): JsonObject {
  const params = parameters.parameter;
  checkOperationCount(Array.isArray(params) ? params.length : 0, limits, 'FHIRPath Patch');
  const ops = readOperations(parameters);
  let tree = resource;
  ops.forEach((op, i) => {
    tree = applyOne(tree, op, `Parameters.parameter[${i}]`);
  });
  return tree;
}

function readOperations(parameters: JsonObject): Operation[] {
  const params = parameters.parameter;
  if (!Array.isArray(params) || params.length === 0)
    throw badRequest('FHIRPath Patch: no operation', 'Parameters.parameter');
  return params.map((p: JsonObject, i) => {
    const where = `Parameters.parameter[${i}]`;
    if (p.name !== 'operation' || !Array.isArray(p.part))
      throw badRequest('FHIRPath Patch: expected an operation', where);
    const op: Partial<Operation> = {};
    for (const part of p.part as JsonObject[]) {
      const name = part.name as string;
      const valueKey = Object.keys(part).find((k) => k.startsWith('value'));
      const value = valueKey === undefined ? undefined : part[valueKey];
      switch (name) {
        case 'type':
        case 'path':
        case 'name':
          op[name] = String(value);
          break;
        case 'value':
          op.value = value;
          break;
        case 'index':
        case 'source':
        case 'destination':
          op[name] = Number(String(value));
          break;
        default:
          throw badRequest(`FHIRPath Patch: unknown part "${name}"`, `${where}.part`);
      }
    }
    if (!op.type || !op.path) throw badRequest('FHIRPath Patch: an operation needs type and path', where);
    return op as Operation;
  });
}

function locate(tree: JsonObject, path: string, where: string): Array<{ steps: Step[]; node: Node }> {
  let nodes: unknown[];
  try {
    nodes = selectNodes(toPlain(tree), path);
  } catch (err) {
    throw badRequest(
      `FHIRPath Patch: path "${path}" is not valid FHIRPath: ${(err as Error).message}`,
      where,
    );
  }
  return (nodes as Node[]).map((node) => {
    const steps: Step[] = [];
    for (let n: Node | null | undefined = node; n?.parentResNode; n = n.parentResNode) {
      if (n.propName === undefined)
        throw unprocessable(`FHIRPath Patch: "${path}" does not point into the resource`, where);
      steps.unshift(
        typeof n.index === 'number' ? { prop: n.propName, index: n.index } : { prop: n.propName },
      );
    }
    return { steps, node };
  });
}

function single(tree: JsonObject, op: Operation, where: string): { steps: Step[]; node: Node } {
  const found = locate(tree, op.path, where);
  if (found.length !== 1) {
    throw unprocessable(
      `FHIRPath Patch ${op.type}: "${op.path}" matches ${found.length} elements, not one`,
      where,
    );
  }
  return found[0]!;
}

/** The container holding the last step, and the key/index in it. */
function parentOf(tree: JsonObject, steps: Step[]): { holder: JsonObject; last: Step } {
  let cur: unknown = tree;
  for (const s of steps.slice(0, -1)) {
    cur = (cur as JsonObject)[s.prop];
    if (s.index !== undefined) cur = (cur as unknown[])[s.index];
  }
  return { holder: cur as JsonObject, last: steps[steps.length - 1]! };
}

function applyOne(tree: JsonObject, op: Operation, where: string): JsonObject {
  switch (op.type) {
    case 'add': {
      if (!op.name || op.value === undefined)
        throw badRequest('FHIRPath Patch add needs name and value', where);
      refusePrototypeKey(op.name, `${where}.part(name)`);
      const { steps, node } = single(tree, op, where);
      const target = steps.length === 0 ? tree : resolve(tree, steps);
      const existing = Object.hasOwn(target, op.name) ? target[op.name] : undefined;
      if (Array.isArray(existing)) existing.push(op.value);
      else if (existing !== undefined)
        throw unprocessable(`FHIRPath Patch add: ${op.path}.${op.name} exists already`, where);
      else
        target[op.name] = isRepeating(node.path ?? String(tree.resourceType), op.name)
          ? [op.value]
          : op.value;
      return tree;
    }
    case 'insert': {
      const list = listAt(tree, op, where);
      if (op.value === undefined || op.index === undefined || op.index < 0 || op.index > list.length) {
        throw unprocessable('FHIRPath Patch insert needs a value and an index within the list', where);
      }
      list.splice(op.index, 0, op.value);
      return tree;
    }
    case 'delete': {
      const found = locate(tree, op.path, where);
      if (found.length === 0) return tree; // deleting nothing is not an error
      if (found.length > 1)
        throw unprocessable(`FHIRPath Patch delete: "${op.path}" matches several elements`, where);
      const { holder, last } = parentOf(tree, found[0]!.steps);
      if (last.index === undefined) delete holder[last.prop];
      else {
        const list = holder[last.prop] as unknown[];
        list.splice(last.index, 1);
        if (list.length === 0) delete holder[last.prop];
      }
      return tree;
    }
    case 'replace': {
      if (op.value === undefined) throw badRequest('FHIRPath Patch replace needs a value', where);
      const { steps } = single(tree, op, where);
      const { holder, last } = parentOf(tree, steps);
      if (last.index === undefined) holder[last.prop] = op.value;
      else (holder[last.prop] as unknown[])[last.index] = op.value;
      return tree;
    }
    case 'move': {
      const list = listAt(tree, op, where);
      const { source, destination } = op;
      if (
        source === undefined ||
        destination === undefined ||
        source >= list.length ||
        destination >= list.length
      ) {
        throw unprocessable('FHIRPath Patch move needs source and destination within the list', where);
      }
      const [item] = list.splice(source, 1);
      list.splice(destination, 0, item);
      return tree;
    }
    default:
      throw badRequest(`FHIRPath Patch: unknown operation type "${op.type}"`, where);
  }
}

function resolve(tree: JsonObject, steps: Step[]): JsonObject {
  const { holder, last } = parentOf(tree, steps);
  const v = holder[last.prop];
  return (last.index === undefined ? v : (v as unknown[])[last.index]) as JsonObject;
}

/** The list a path names (insert and move work on the whole list). */
function listAt(tree: JsonObject, op: Operation, where: string): unknown[] {
  const found = locate(tree, op.path, where);
  const first = found[0];
  if (!first) throw unprocessable(`FHIRPath Patch ${op.type}: "${op.path}" matches nothing`, where);
  const { holder, last } = parentOf(tree, first.steps);
  const list = holder[last.prop];
  if (!Array.isArray(list))
    throw unprocessable(`FHIRPath Patch ${op.type}: "${op.path}" is not a list`, where);
  return list;
}
