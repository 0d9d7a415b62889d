// Conformance resources served read-only (issue 4): ours from profiles/ by id, url, name; the R4 core ones from the
// official package when asked by canonical URL (`?url=`) or id. Writes to these types are refused: the profiles
// are the contract between clinics and change with a release of this server, not through the API.
import type { Resource } from 'fhir/r4';
import fs from 'node:fs';
import path from 'node:path';
import { R4_PACKAGE_DIR, packageFiles, readPackageFile } from '../fhir/definitions';
import { bundleText } from '../fhir/json';
import { fail, notFound } from '../fhir/outcome';
import type { Validator } from '../validation';
import type { Handler, ServerContext } from './types';

export const CONFORMANCE_TYPES = new Set([
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'SearchParameter',
  'OperationDefinition',
]);

type Canonical = Resource & { url?: string; name?: string; version?: string; status?: string };

let coreByUrl: Map<string, string> | undefined;

/** url -> package file of the R4 core conformance resources (built once, on the first `?url=` search). */
function coreIndex(): Map<string, string> {
  if (coreByUrl) return coreByUrl;
  coreByUrl = new Map();
  for (const type of CONFORMANCE_TYPES) {
    for (const file of packageFiles(type)) {
      // parsed, not scanned: the first "url" in the text is often an extension's
      const { url } = readPackageFile<Canonical>(file);
      if (url) coreByUrl.set(`${type}|${url}`, file);
    }
  }
  return coreByUrl;
}

function ours(ctx: ServerContext, type: string): Canonical[] {
  return (ctx.validator.conformanceResources() as Canonical[]).filter((r) => r.resourceType === type);
}

export const readConformance: Handler = (ctx, req) => {
  const { type, id } = req.route as { type: string; id: string };
  const mine = ours(ctx, type).find((r) => r.id === id);
  if (mine) return { status: 200, body: mine };
  const file = `${type}-${id}.json`;
  if (fs.existsSync(path.join(R4_PACKAGE_DIR, file)))
    return { status: 200, body: readPackageFile<object>(file) };
  throw notFound(`${type}/${id} is not known`);
};

export const searchConformance: Handler = (ctx, req) => {
  const type = req.route.type!;
  const params = new Map(req.query);
  let found: Canonical[] = ours(ctx, type);
  const url = params.get('url');
  if (url !== undefined) {
    const [canonical, version] = url.split('|') as [string, string?];
    found = found.filter((r) => r.url === canonical && (version === undefined || r.version === version));
    const core = coreIndex().get(`${type}|${canonical}`);
    if (found.length === 0 && core) found = [readPackageFile<Canonical>(core)];
  }
  const id = params.get('_id');
  if (id !== undefined) found = found.filter((r) => id.split(',').includes(r.id ?? ''));
  const name = params.get('name');
  if (name !== undefined)
    found = found.filter((r) => (r.name ?? '').toLowerCase().startsWith(name.toLowerCase()));
  const status = params.get('status');
  if (status !== undefined) found = found.filter((r) => r.status === status);
  const self = `${ctx.config.baseUrl}/${type}${req.query.length ? '?' + new URLSearchParams(req.query).toString() : ''}`;
  return {
    status: 200,
    body: bundleText(
      { type: 'searchset', total: found.length, link: [{ relation: 'self', url: self }] },
      found.map((r) => ({
        fullUrl: `${ctx.config.baseUrl}/${type}/${r.id}`,
        resourceText: JSON.stringify(r),
        search: { mode: 'match' },
      })),
    ),
  };
};

/** Our own Questionnaires (the GBV clinical enquiry) are seeded into the database and may not be changed there. */
export function isOwnQuestionnaire(validator: Validator, type: string, id: string): boolean {
  return (
    type === 'Questionnaire' &&
    validator.conformanceResources().some((q) => q.resourceType === 'Questionnaire' && q.id === id)
  );
}

/** Stores our Questionnaires, so that clinics read and search them like any other (unchanged ones add nothing). */
export async function seedQuestionnaires(ctx: ServerContext): Promise<void> {
  for (const q of ours(ctx, 'Questionnaire')) {
    const tree = JSON.parse(JSON.stringify(q)) as Record<string, unknown>;
    await ctx.repo.write('Questionnaire', q.id!, () => ({ kind: 'put', tree }), {
      method: 'PUT',
      system: true,
    });
  }
}

export const readOnly: Handler = (_ctx, req) => {
  throw fail(
    405,
    'not-supported',
    `${req.route.type} resources are served read-only: they come from the server's profiles and the R4 definitions`,
  );
};

export const noHistory: Handler = (_ctx, req) => {
  throw fail(
    405,
    'not-supported',
    `${req.route.type} resources have no history here: they come from the server's profiles and the R4 definitions`,
  );
};
