// Writes values into a FHIR resource by a small path language: `extension[url=X].valueDate`, `name[+]`, `type[0].text`.
// The language is documented in mappings/README.md; it is what the mapping rules in mappings/rules/ use.

import { isPrototypeKey } from '../fhir/safe-keys';

type Obj = Record<string, unknown>;

interface Segment {
  name: string;
  /** undefined: a plain field; 'append': `[+]` or `[+k=v]`; a number: `[n]`; otherwise a key=value selector. */
  mode: 'field' | 'append' | 'index' | 'select';
  index?: number;
  keys?: Record<string, string>;
}

/** Splits on dots outside brackets, because selector values are URLs full of dots. */
function splitTarget(path: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of path) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === '.' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') parts.push(cur);
  return parts;
}

const cache = new Map<string, Segment[]>();

export function parseTargetPath(path: string): Segment[] {
  const hit = cache.get(path);
  if (hit) return hit;
  const segments = splitTarget(path).map((part): Segment => {
    const m = /^([^[]+)(?:\[(.*)\])?$/.exec(part);
    if (!m?.[1]) throw new Error(`bad target path segment '${part}' in '${path}'`);
    const name = m[1];
    const sel = m[2];
    if (isPrototypeKey(name)) throw new Error(`target path '${path}' names a prototype key`);
    if (sel === undefined) return { name, mode: 'field' };
    if (/^\d+$/.test(sel)) return { name, mode: 'index', index: Number(sel) };
    const append = sel.startsWith('+');
    const body = append ? sel.slice(1) : sel;
    const keys: Record<string, string> = {};
    for (const pair of body === '' ? [] : body.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 1 || isPrototypeKey(pair.slice(0, eq))) throw new Error(`bad selector '${sel}' in '${path}'`);
      keys[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { name, mode: append ? 'append' : 'select', keys };
  });
  cache.set(path, segments);
  return segments;
}

function arrayOf(parent: Obj, name: string): unknown[] {
  const existing = parent[name];
  if (Array.isArray(existing)) return existing;
  const created: unknown[] = [];
  parent[name] = created;
  return created;
}

/** Finds or creates the object a segment points to. */
function step(parent: Obj, seg: Segment): Obj {
  if (seg.mode === 'field') {
    const v = parent[seg.name];
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
    const created: Obj = {};
    parent[seg.name] = created;
    return created;
  }
  const arr = arrayOf(parent, seg.name);
  if (seg.mode === 'index') {
    const i = seg.index ?? 0;
    while (arr.length <= i) arr.push({});
    return arr[i] as Obj;
  }
  const keys = seg.keys ?? {};
  if (seg.mode === 'select') {
    const found = arr.find(
      (e) =>
        typeof e === 'object' && e !== null && Object.entries(keys).every(([k, v]) => (e as Obj)[k] === v),
    );
    if (found) return found as Obj;
  }
  const created: Obj = { ...keys };
  arr.push(created);
  return created;
}

/** The object at `path` under `target`, created on the way (an appending segment always adds an element). */
export function ensurePath(target: Obj, path: string): Obj {
  let cur = target;
  for (const seg of parseTargetPath(path)) cur = step(cur, seg);
  return cur;
}

/** Sets `value` at `path`; the last segment may append (`given[+]`) or be a plain field. */
export function setPath(target: Obj, path: string, value: unknown): void {
  const segs = parseTargetPath(path);
  const last = segs[segs.length - 1];
  if (!last) throw new Error('empty target path');
  let cur = target;
  for (const seg of segs.slice(0, -1)) cur = step(cur, seg);
  if (last.mode === 'field') cur[last.name] = value;
  else if (last.mode === 'append') arrayOf(cur, last.name).push(value);
  else if (last.mode === 'index') {
    const arr = arrayOf(cur, last.name);
    arr[last.index ?? 0] = value;
  } else throw new Error(`cannot set a value on a selector segment in '${path}'`);
}
