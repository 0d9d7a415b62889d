// Read access to one e-PHR record that remembers which fields were used, so that nothing is dropped silently.
// Paths use the record's own shape: `episodes[0].vitals.weight` (see mappings/README.md).
import { isPrototypeKey, refusePrototypeKey } from '../fhir/safe-keys';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface UnmappedField {
  path: string;
  value?: unknown;
  reason: string;
}

/** Splits `a.b[2].c` into ['a', 'b', 2, 'c']. */
function parseSourcePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  }
  return out;
}

/**
 * Writes `value` at `path` in `target`, creating the objects and arrays on the way. Paths come from client data (CSV
 * headers, export keys): a segment `__proto__`, `constructor` or `prototype` is a 400, never a write.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = parseSourcePath(path);
  for (const key of keys) refusePrototypeKey(key, path);
  // Arrays are written by index like objects; JSON.stringify and the mapper see ordinary arrays.
  let cur: Record<string | number, unknown> = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      cur[key] = value;
      return;
    }
    if (!Object.hasOwn(cur, key)) cur[key] = typeof keys[i + 1] === 'number' ? [] : {};
    cur = cur[key] as Record<string | number, unknown>;
  });
}

export function joinPath(base: string, rel: string | number): string {
  if (typeof rel === 'number') return `${base}[${rel}]`;
  if (rel === '') return base;
  if (base === '') return rel;
  return `${base}.${rel}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `path` in `root` (`a.b[2].c`), or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let v = root;
  for (const key of parseSourcePath(path)) {
    if (typeof key === 'number') v = Array.isArray(v) ? v[key] : undefined;
    else v = isObject(v) && !isPrototypeKey(key) && Object.hasOwn(v, key) ? v[key] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

export class Source {
  private readonly consumed = new Set<string>();
  private readonly explained = new Map<string, string>();

  constructor(readonly root: unknown) {}

  /** The value at `path` without marking it. */
  peek(path: string): unknown {
    return valueAt(this.root, path);
  }

  /** The value at `path`, marked as mapped (with everything below it). */
  get(path: string): unknown {
    const v = this.peek(path);
    if (v !== undefined) this.consumed.add(path);
    return v;
  }

  string(path: string): string | undefined {
    const v = this.get(path);
    return typeof v === 'string' ? v : undefined;
  }

  number(path: string): number | undefined {
    const v = this.get(path);
    return typeof v === 'number' ? v : undefined;
  }

  boolean(path: string): boolean | undefined {
    const v = this.get(path);
    return typeof v === 'boolean' ? v : undefined;
  }

  /** Paths of the elements of the array at `path` (the array itself is not marked). */
  elements(path: string): string[] {
    const v = this.peek(path);
    return Array.isArray(v) ? v.map((_, i) => `${path}[${i}]`) : [];
  }

  has(path: string): boolean {
    return this.peek(path) !== undefined;
  }

  /** Marks a field as deliberately not mapped; it is reported with this reason. */
  explain(path: string, reason: string): void {
    if (this.has(path)) this.explained.set(path, reason);
  }

  private isConsumed(path: string): boolean {
    const keys = parseSourcePath(path);
    let prefix = '';
    for (const key of keys) {
      prefix = joinPath(prefix, key);
      if (this.consumed.has(prefix)) return true;
    }
    return false;
  }

  /** Every leaf of the record that no rule used, with the reason. */
  unmapped(): UnmappedField[] {
    const out: UnmappedField[] = [];
    const walk = (v: unknown, path: string): void => {
      if (path !== '' && this.isConsumed(path)) return;
      const reason = this.explained.get(path);
      if (reason !== undefined) {
        out.push({ path, value: v, reason });
        return;
      }
      if (Array.isArray(v)) v.forEach((e, i) => walk(e, joinPath(path, i)));
      else if (isObject(v)) for (const [k, e] of Object.entries(v)) walk(e, joinPath(path, k));
      else out.push({ path, value: v, reason: 'no mapping rule for this field' });
    };
    walk(this.root, '');
    return out;
  }
}
