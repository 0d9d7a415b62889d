// Export formats (mappings/formats/<name>.json): the moves that turn a clinic's own JSON export into the e-PHR record
// shape of mappings/ephr-record.schema.json, so that supporting another export is a data file, not code.
import fs from 'node:fs';
import path from 'node:path';
import { badRequest } from '../fhir/outcome';
import { mappingsDir } from './rules';
import { isObject, joinPath, setPath, valueAt } from './source';

export interface Move {
  /** Path in the export, relative to the current element; `""` is the element itself. */
  from?: string;
  /** Path in the e-PHR record, relative to the current target element. */
  to: string;
  /** A constant written at `to` (no `from`). */
  value?: unknown;
  /** Export value -> record value (an unlisted value is copied as it is). */
  values?: Record<string, unknown>;
  /** `from` is an array: one target element per source element, filled by these moves. */
  each?: Move[];
}

export interface ExportFormat {
  name: string;
  description: string;
  moves: Move[];
}

type Obj = Record<string, unknown>;

let formats: Map<string, ExportFormat> | undefined;

/** The export formats in mappings/formats/, by name (the file name without `.json`). */
export function exportFormats(): Map<string, ExportFormat> {
  if (formats) return formats;
  const dir = path.join(mappingsDir, 'formats');
  formats = new Map();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    if (!f.endsWith('.json')) continue;
    const spec = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Omit<ExportFormat, 'name'>;
    formats.set(f.slice(0, -'.json'.length), { ...spec, name: f.slice(0, -'.json'.length) });
  }
  return formats;
}

/** The named format, or a 400 that lists the known ones. */
export function exportFormat(name: string): ExportFormat {
  const f = exportFormats().get(name);
  if (f) return f;
  const known = [...exportFormats().keys()].join(', ') || 'none';
  throw badRequest(
    `Unknown e-PHR export format "${name}" (known: ${known}; the default is the e-PHR record itself)`,
  );
}

/**
 * The e-PHR record for one exported record. Export fields no move reads are kept under `export.<path>`, so the
 * mapping report lists them as not mapped: nothing of the export is dropped silently.
 */
export function fromExport(input: unknown, format: ExportFormat): Obj {
  const out: Obj = {};
  const used = new Set<string>();
  apply(input, '', out, format.moves, used);
  const keep = (v: unknown, p: string): void => {
    if (used.has(p)) return;
    if (Array.isArray(v)) v.forEach((e, i) => keep(e, joinPath(p, i)));
    else if (isObject(v)) for (const [k, e] of Object.entries(v)) keep(e, joinPath(p, k));
    else setPath(out, joinPath('export', p), v);
  };
  keep(input, '');
  return out;
}

function apply(src: unknown, base: string, target: Obj, moves: Move[], used: Set<string>): void {
  for (const m of moves) {
    if (m.from === undefined) {
      if (m.value !== undefined) setPath(target, m.to, structuredClone(m.value));
      continue;
    }
    const at = m.from === '' ? base : joinPath(base, m.from);
    const v = m.from === '' ? src : valueAt(src, m.from);
    if (v === undefined) continue;
    if (m.each) {
      if (!Array.isArray(v)) continue; // left for `export.`: the report shows what did not fit
      // The array itself is not marked: fields of its elements that no move reads go to `export.` too.
      v.forEach((element, i) => {
        const existing = valueAt(target, `${m.to}[${i}]`);
        const into = isObject(existing) ? existing : {};
        apply(element, joinPath(at, i), into, m.each!, used);
        setPath(target, `${m.to}[${i}]`, into);
      });
      continue;
    }
    used.add(at);
    const scalar = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    const mapped = m.values && scalar && Object.hasOwn(m.values, String(v)) ? m.values[String(v)] : v;
    setPath(target, m.to, structuredClone(mapped));
  }
}
