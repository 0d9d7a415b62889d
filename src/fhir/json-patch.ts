// JSON Patch (RFC 6902, http.html#patch) applied with bounded work: at most a set number of operations, and a
// patched result no larger than a set size, checked before each operation that adds (a `copy` of an array into
// itself doubles it each time: issue 20 point 1).
import jsonpatch, { type Operation } from 'fast-json-patch';
import { isLosslessNumber } from 'lossless-json';
import { badRequest, fail } from './outcome';
import { refusePrototypeKey } from './safe-keys';
import type { JsonObject } from './json';

export interface PatchLimits {
  /** PATCH_MAX_OPERATIONS */
  maxOperations: number;
  /** PATCH_MAX_RESULT_SIZE, in bytes of JSON text */
  maxResultBytes: number;
}

/** 413 when a patch has more operations than PATCH_MAX_OPERATIONS; shared by JSON Patch and FHIRPath Patch. */
export function checkOperationCount(count: number, limits: PatchLimits, what: string): void {
  if (count > limits.maxOperations)
    throw fail(
      413,
      'too-costly',
      `The ${what} has ${count} operations, more than PATCH_MAX_OPERATIONS (${limits.maxOperations})`,
    );
}

/** The operations of a JSON Patch document, checked for shape, number and pointers into prototypes. */
export function readJsonPatch(body: unknown, limits: PatchLimits): Operation[] {
  if (!Array.isArray(body)) throw badRequest('A JSON Patch document is a JSON array of operations');
  checkOperationCount(body.length, limits, 'JSON Patch');
  const ops = body as Operation[];
  const invalid = jsonpatch.validate(ops);
  if (invalid) throw badRequest(`JSON Patch operation ${invalid.index} is invalid: ${invalid.message}`);
  ops.forEach((op, i) => {
    const pointers = [op.path, 'from' in op ? op.from : ''];
    for (const p of pointers)
      for (const segment of p.split('/')) refusePrototypeKey(segment, `JSON Patch operation ${i}`);
  });
  return ops;
}

/**
 * Applies the operations in place. The result's size is tracked as it grows: the resource's size plus what each
 * `add`, `replace` and `copy` brings (removals are not subtracted, so the bound also caps the work of copying).
 * Each value is measured only up to the room left, so the whole patch costs at most about the bound.
 */
export function applyJsonPatch(resource: JsonObject, ops: Operation[], limits: PatchLimits): unknown {
  let size = jsonSize(resource, Number.POSITIVE_INFINITY);
  let doc: unknown = resource;
  ops.forEach((op, i) => {
    const room = limits.maxResultBytes - size;
    const added =
      op.op === 'add' || op.op === 'replace'
        ? jsonSize(op.value, room)
        : op.op === 'copy'
          ? jsonSize(valueAt(doc, op.from), room)
          : 0;
    size += added;
    if (size > limits.maxResultBytes)
      throw fail(
        413,
        'too-costly',
        `JSON Patch operation ${i} (${op.op}) would make the patched resource larger than PATCH_MAX_RESULT_SIZE ` +
          `(${limits.maxResultBytes} bytes)`,
      );
    doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
  });
  return doc;
}

function valueAt(doc: unknown, pointer: string): unknown {
  try {
    return jsonpatch.getValueByPointer(doc, pointer);
  } catch {
    return undefined; // the operation itself fails with the library's message
  }
}

/** The length of `value` as JSON text (near enough), counted no further than `limit` (then `limit + 1`). */
export function jsonSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'boolean') total += String(v).length;
    else if (v === null || v === undefined) total += 4;
    else if (isLosslessNumber(v)) total += v.value.length;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      if (total > limit) return limit + 1;
      for (const e of v) stack.push(e);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v);
      total += 2 + entries.length;
      if (total > limit) return limit + 1;
      for (const [k, e] of entries) {
        total += k.length + 3;
        stack.push(e);
      }
    }
    if (total > limit) return limit + 1;
  }
  return total;
}
