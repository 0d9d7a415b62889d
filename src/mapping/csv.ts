// CSV of e-PHR episodes (RFC 4180: quoted fields, doubled quotes, CRLF or LF, UTF-8 with or without BOM) ->
// e-PHR records, using the column -> record path table in mappings/csv-columns.json. Rows sharing an ephrId
// form one record with one episode per row.
import { rules } from './rules';
import { refusePrototypeKey } from '../fhir/safe-keys';
import { setPath } from './source';

/** Rows of fields; quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f !== ''));
}

type Obj = Record<string, unknown>;

/** Typed cell value: `:number`, `:integer`, `:boolean`, `:list` (semicolon-separated) suffixes in csv-columns.json. */
function cellValue(raw: string, type: string | undefined): unknown {
  switch (type) {
    case 'number':
    case 'integer': {
      const n = Number(raw.replace(',', '.'));
      return Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      return /^(true|yes|y|1|oui|نعم)$/i.test(raw)
        ? true
        : /^(false|no|n|0|non|لا)$/i.test(raw)
          ? false
          : raw;
    case 'list':
      return raw
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'numberList':
      return raw
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => (Number.isFinite(Number(s)) ? Number(s) : s));
    default:
      return raw;
  }
}

/** Parses a CSV export into e-PHR records (not validated: call validateRecord on each). */
export function parseCsv(text: string): Obj[] {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) return [];
  // A header is a path below `csv.` when no column rule knows it: it never names a prototype key.
  header.forEach((h, i) => {
    for (const segment of h.trim().split(/[.[\]]/)) refusePrototypeKey(segment, `CSV header ${i + 1}`);
  });
  const columns = rules().csvColumns;
  const records = new Map<string, Obj>();
  for (const row of rows) {
    const episode: Obj = {};
    const record: Obj = {};
    header.forEach((h, i) => {
      const raw = (row[i] ?? '').trim();
      if (raw === '') return;
      const spec = Object.hasOwn(columns, h.trim()) ? columns[h.trim()] : undefined;
      if (spec === undefined) {
        // Unknown columns are kept (under `csv`) so that the mapping report lists them as unmapped.
        setPath(record, `csv.${h.trim()}`, raw);
        return;
      }
      const [path = '', type] = spec.split(':');
      if (path.startsWith('episode.')) setPath(episode, path.slice('episode.'.length), cellValue(raw, type));
      else setPath(record, path, cellValue(raw, type));
    });
    const id = typeof record.ephrId === 'string' ? record.ephrId : `row-${records.size + 1}`;
    const existing = records.get(id);
    if (existing) {
      (existing.episodes as Obj[]).push(episode);
      continue;
    }
    record.episodes = [episode];
    records.set(id, record);
  }
  return [...records.values()];
}
