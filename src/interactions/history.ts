// GET [base]/_history, [base]/[type]/_history, [base]/[type]/[id]/_history (http.html#history):
// a Bundle of type history, newest first, with keyset paging links that stay valid while new versions arrive.
import { bundleText, type TextEntry } from '../fhir/json';
import { parseDateRange } from '../fhir/instant';
import { badRequest } from '../fhir/outcome';
import type { HistoryPage, HistoryQuery } from '../storage';
import { etag } from './common';
import type { FhirRequest, Handler } from './types';

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;

export const history: Handler = async (ctx, req) => {
  const { type, id } = req.route;
  const { q, applied } = parseHistoryParams(req);
  if (type !== undefined) q.type = type;
  if (id !== undefined) q.id = id;
  const hook = ctx.search.hooks.constrain;
  // The search's access hook, told that it constrains the version log (see SearchHooks.constrain).
  if (hook) q.constrain = (t, filter) => hook(t, filter, 'history');
  const page = await ctx.repo.history(q);
  const texts = page.texts;
  const path = [type, id, '_history'].filter((s) => s !== undefined).join('/');
  const here = {
    ...(q.after !== undefined && { after: q.after }),
    ...(q.before !== undefined && { before: q.before }),
  };
  const link = [{ relation: 'self', url: pageUrl(req.baseUrl, path, applied, here) }];
  const last = page.versions[page.versions.length - 1];
  const first = page.versions[0];
  if (page.hasOlder && last)
    link.push({ relation: 'next', url: pageUrl(req.baseUrl, path, applied, { after: last.hkey }) });
  if (page.hasNewer && first) {
    link.push({ relation: 'previous', url: pageUrl(req.baseUrl, path, applied, { before: first.hkey }) });
  }
  const head = {
    type: 'history',
    ...(page.total !== undefined && { total: page.total }),
    link,
  };
  return {
    status: 200,
    body: bundleText(
      head,
      page.versions.map((v, i) => entry(req.baseUrl, v, texts[i], page.creates.has(v._id))),
    ),
  };
};

/** `response.status` is what the interaction answered: 201 for a version that (re)created the resource, else 200. */
function entry(
  baseUrl: string,
  v: HistoryPage['versions'][number],
  text: string | undefined,
  created: boolean,
): TextEntry {
  const e: TextEntry = {
    fullUrl: `${baseUrl}/${v.type}/${v.id}`,
    request: { method: v.method, url: v.method === 'POST' ? v.type : `${v.type}/${v.id}` },
    response: {
      status: created ? '201 Created' : '200 OK',
      etag: etag(v.versionId),
      lastModified: v.lastUpdated.toISOString(),
    },
  };
  if (text !== undefined) e.resourceText = text;
  return e;
}

/** The typed query, and the parameters it applied (kept as sent, for the paging links). */
function parseHistoryParams(req: FhirRequest): { q: HistoryQuery; applied: URLSearchParams } {
  const q: HistoryQuery = { count: DEFAULT_COUNT, visible: () => Promise.resolve(true) };
  const applied = new URLSearchParams();
  for (const [name, value] of req.query) {
    switch (name) {
      case '_count': {
        if (!/^\d+$/.test(value)) throw badRequest(`_count "${value}" must be a whole number`, '_count');
        // _count=0: only the total, no entries (as HAPI answers it).
        q.count = Math.min(Number(value), MAX_COUNT);
        break;
      }
      case '_since': {
        if (!/T|^\d{4}(-\d{2}(-\d{2})?)?$/.test(value))
          throw badRequest(`_since "${value}" must be an instant`, '_since');
        q.since = parseDateRange(value, '_since').start;
        applied.set('_since', value);
        break;
      }
      case '_at':
        q.at = parseDateRange(value, '_at');
        applied.set('_at', value);
        break;
      case '_page_after':
        q.after = decodeCursor(value);
        break;
      case '_page_before':
        q.before = decodeCursor(value);
        break;
      case '_format':
        break;
      default:
        if ((req.headers.prefer ?? '').includes('handling=strict')) {
          throw badRequest(`Unknown history parameter "${name}"`, name);
        }
    }
  }
  applied.set('_count', String(q.count));
  return { q, applied };
}

function pageUrl(
  baseUrl: string,
  path: string,
  applied: URLSearchParams,
  cursor: { after?: string; before?: string },
): string {
  const p = new URLSearchParams(applied);
  if (cursor.after !== undefined) p.set('_page_after', encodeCursor(cursor.after));
  if (cursor.before !== undefined) p.set('_page_before', encodeCursor(cursor.before));
  return `${baseUrl}/${path}?${p.toString()}`;
}

const encodeCursor = (hkey: string): string => Buffer.from(hkey, 'utf8').toString('base64url');

function decodeCursor(token: string): string {
  const hkey = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\|[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}\|\d{10}$/.test(hkey)) {
    throw badRequest('The paging token is not valid; start again from the first page');
  }
  return hkey;
}
