// POST [base] with a Bundle of type batch or transaction (http.html#transaction). A batch runs every entry on its
// own through the same handlers as the HTTP edge; a transaction is all or nothing (./transaction.ts).
import { parseExact, type JsonObject } from '../fhir/json';
import { badRequest, fail, OperationOutcomeError } from '../fhir/outcome';
import {
  dispatch,
  entriesWithResource,
  errorEntry,
  parseEntry,
  refuseDuplicateFullUrls,
  responseBundle,
  responseEntry,
  toFhirRequest,
  type BundleContext,
  type ResponseEntry,
} from './bundle-entry';
import { transaction } from './transaction';
import type { Handler, ServerContext } from './types';

export const batch: Handler = async (ctx, req) => {
  if (!req.body || req.body.kind !== 'resource')
    throw badRequest('POST to the base needs a Bundle of type batch or transaction');
  const bundle = parseExact(req.body.text) as JsonObject;
  if (bundle?.resourceType !== 'Bundle')
    throw badRequest('POST to the base needs a Bundle resource', 'resourceType');
  const entries = bundle.entry === undefined ? [] : bundle.entry;
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  if (entries.length > ctx.config.maxBundleEntries) {
    throw fail(
      413,
      'too-costly',
      `The Bundle has ${entries.length} entries; this server accepts at most ${ctx.config.maxBundleEntries} (MAX_BUNDLE_ENTRIES)`,
      'Bundle.entry',
    );
  }
  const outer: BundleContext = { baseUrl: req.baseUrl, prefer: req.headers.prefer };
  if (bundle.type === 'transaction') return transaction(ctx, outer, entries);
  if (bundle.type !== 'batch') {
    throw badRequest(
      `Bundle.type "${String(bundle.type)}" cannot be processed: send batch or transaction`,
      'Bundle.type',
    );
  }
  refuseDuplicateFullUrls(entries, outer.baseUrl);
  const withResource = entriesWithResource(outer);
  const out: ResponseEntry[] = [];
  for (const [i, entry] of entries.entries())
    out.push(await runBatchEntry(ctx, outer, entry, i, withResource));
  return { status: 200, body: responseBundle('batch-response', out) };
};

async function runBatchEntry(
  ctx: ServerContext,
  outer: BundleContext,
  entry: unknown,
  index: number,
  withResource: boolean,
): Promise<ResponseEntry> {
  try {
    const e = parseEntry(entry, index, outer.baseUrl);
    if (e.route.interaction === 'batch')
      throw badRequest('A batch entry cannot itself be a batch or transaction');
    const res = await dispatch(ctx, toFhirRequest(e, outer));
    return responseEntry(res, withResource || e.method === 'GET' || e.method === 'HEAD');
  } catch (err) {
    if (err instanceof OperationOutcomeError) return errorEntry(err, index);
    ctx.logger.error({ err, entry: index }, 'unexpected error in a batch entry');
    return errorEntry(fail(500, 'exception', 'An unexpected error occurred in this entry'), index);
  }
}
