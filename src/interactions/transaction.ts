// A transaction Bundle (http.html#transaction): resolve every entry and rewrite references to the ids the server
// assigns, check every write without storing anything, then commit them all at once (storage/transaction.ts).
// Processing order as the spec gives it: DELETE, POST, PUT/PATCH, then GET/HEAD after the commit.
import { badRequest, fail, notFound, operationOutcome, OperationOutcomeError } from '../fhir/outcome';
import { isRelativeReference, referenceBase, rewriteReferences } from '../fhir/references';
import {
  decideTarget,
  lookUpTarget,
  matchIds,
  singleMatch,
  type ConditionalKind,
  type CreateDecision,
} from './conditional';
import {
  CommitConflict,
  newId,
  type Change,
  type FhirRepository,
  type LabelsOf,
  type Prepared,
  type StoredResource,
  type WriteOptions,
  type WriteOutcome,
  type WritePrepared,
} from '../storage';
import {
  dispatch,
  entriesWithResource,
  locate,
  parseEntry,
  refuseDuplicateFullUrls,
  responseBundle,
  responseEntry,
  statusLine,
  toFhirRequest,
  type BundleContext,
  type EntryRequest,
  type ResponseEntry,
} from './bundle-entry';
import type { JsonObject } from '../fhir/json';
import { etag, location, parseIfMatch } from './common';
import { currentTree, patchLimits, readPatch } from './patch';
import { TransactionLabels } from './transaction-labels';
import type { FhirResponse, ServerContext } from './types';

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface Claimed {
  key: string;
  target: string;
}

interface Planned {
  entry: EntryRequest;
  type: string;
  id: string;
  /** A conditional create that found its match: nothing to write. */
  existing?: boolean;
  /** A conditional delete that matched nothing. */
  absent?: boolean;
  prepared?: Prepared;
}

export async function transaction(
  ctx: ServerContext,
  outer: BundleContext,
  rawEntries: unknown[],
): Promise<FhirResponse> {
  const result = await executeTransaction(ctx, outer, rawEntries);
  return { status: 200, body: responseBundle('transaction-response', result.entries) };
}

/** What a committed transaction did to each resource it wrote (for the e-PHR import report). */
export interface TransactionResult {
  entries: ResponseEntry[];
  writes: Array<{ type: string; id: string; outcome: WriteOutcome | undefined }>;
}

export async function executeTransaction(
  ctx: ServerContext,
  outer: BundleContext,
  rawEntries: unknown[],
): Promise<TransactionResult> {
  refuseDuplicateFullUrls(rawEntries, outer.baseUrl);
  const entries = rawEntries.map((e, i) => atEntry(i, undefined, () => parseEntry(e, i, outer.baseUrl)));
  const claimed: Claimed[] = []; // conditional-create keys this transaction holds, freed if it fails
  try {
    return await run(ctx, outer, entries, claimed);
  } catch (err) {
    for (const c of claimed) await ctx.repo.release(c.key, c.target);
    throw err;
  }
}

async function run(
  ctx: ServerContext,
  outer: BundleContext,
  entries: EntryRequest[],
  claimed: Claimed[],
): Promise<TransactionResult> {
  const planned = await assignTargets(ctx, entries, claimed);
  const local = await rewriteAll(ctx, outer, entries, planned);
  const order = [...planned.values()].sort((a, b) => ORDER[a.entry.method]! - ORDER[b.entry.method]!);
  // Entries touch distinct resources: their current versions are read in bulk, then each is checked and stamped.
  const existing = order
    .filter((p) => p.entry.route.interaction !== 'create' || p.existing)
    .map((p) => `${p.type}/${p.id}`);
  const current = await ctx.repo.currentMany(existing);
  const read = new Set(existing);
  const fresh = order.map((p) => `${p.type}/${p.id}`).filter((key) => !read.has(key));
  const labels = new TransactionLabels(ctx.repo, current, fresh);
  const prepareEntry = async (p: Planned): Promise<void> => {
    const known = { current: current.get(`${p.type}/${p.id}`) };
    p.prepared = await atEntry(p.entry.index, p.entry.fullUrl, () =>
      prepare(ctx, outer, p, known, local, labels.lookupFor(p.entry.index)),
    );
    labels.record(`${p.type}/${p.id}`, p.prepared);
  };
  for (const p of order) {
    const known = { current: current.get(`${p.type}/${p.id}`) };
    if (p.existing || p.absent) {
      p.prepared =
        p.existing && known.current
          ? { outcome: { stored: known.current, created: false, changed: false } }
          : { outcome: undefined };
      continue;
    }
    await prepareEntry(p);
  }
  // An entry that references one prepared after it is prepared again with that one's labels (security/labels.ts).
  for (let round = 0; round < order.length; round++) {
    const stale = order.filter((p) => labels.stale(p.entry.index));
    if (stale.length === 0) break;
    for (const p of stale) await prepareEntry(p);
  }
  const writes = order.filter(
    (p): p is Planned & { prepared: WritePrepared } => p.prepared?.doc !== undefined,
  );
  try {
    await ctx.repo.commit(writes.map((p) => p.prepared));
  } catch (err) {
    if (!(err instanceof CommitConflict)) throw err;
    const p = writes[err.index]!;
    throw new OperationOutcomeError(
      409,
      locate(
        [
          {
            severity: 'error',
            code: 'conflict',
            diagnostics: `${p.type}/${p.id} was changed by another request meanwhile`,
          },
        ],
        p.entry.index,
        p.entry.fullUrl,
      ),
    );
  }
  const withResource = entriesWithResource(outer);
  const out: ResponseEntry[] = [];
  for (const e of entries) {
    const p = planned.get(e.index);
    out.push(p ? writeEntry(outer, p, withResource) : await readEntry(ctx, outer, e));
  }
  const writesDone = [...planned.values()].map((p) => ({
    type: p.type,
    id: p.id,
    outcome: p.prepared?.outcome,
  }));
  return { entries: out, writes: writesDone };
}

/** Entries whose targets are looked up at once. */
const RESOLVE_GROUP = 32;

/**
 * The resource each write entry touches: new ids for creates, the match of a conditional create, update or delete
 * (http.html#trules); two entries on one resource are an error.
 */
async function assignTargets(
  ctx: ServerContext,
  entries: EntryRequest[],
  claimed: Claimed[],
): Promise<Map<number, Planned>> {
  const planned = new Map<number, Planned>();
  const touched = new Map<string, number>();
  const writes = entries.filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
  // Looked up a group at a time, each group settled in full before the first failure in entry order is thrown.
  const targets: Target[] = [];
  for (let i = 0; i < writes.length; i += RESOLVE_GROUP) {
    const group = writes.slice(i, i + RESOLVE_GROUP);
    const settled = await Promise.allSettled(
      group.map((e) => atEntry(e.index, e.fullUrl, () => resolveTarget(ctx, e))),
    );
    for (const r of settled) {
      if (r.status === 'rejected') throw r.reason;
      targets.push(r.value);
    }
  }
  await claimTargets(ctx, writes, targets, claimed);
  for (const [n, e] of writes.entries()) {
    const target = targets[n]!;
    if (e.route.interaction === 'conditional-update')
      atEntry(e.index, e.fullUrl, () => settleUpdate(e, target));
    const key = `${target.type}/${target.id}`;
    const earlier = touched.get(key);
    if (earlier !== undefined) {
      throw atIndex(
        e,
        badRequest(
          `Entries ${earlier} and ${e.index} both change ${key}; a transaction may touch a resource once`,
        ),
      );
    }
    touched.set(key, e.index);
    const { claim: _claimed, ...resolved } = target;
    planned.set(e.index, { entry: e, ...resolved });
  }
  return planned;
}

/**
 * Claims the identifier keys of the conditional creates and updates that found no match, all in one sorted order
 * (claimInOrder), so that two transactions never wait for each other. A key another request took meanwhile is
 * settled as decideTarget does alone (claiming for the same target): its resource becomes the match. Each claim goes
 * into `claimed` first, to be freed if the transaction fails (a release frees a key only for its own target).
 */
async function claimTargets(
  ctx: ServerContext,
  writes: EntryRequest[],
  targets: Target[],
  claimed: Claimed[],
): Promise<void> {
  const pending = targets
    .flatMap((t, n) => (t.claim ? [{ n, t, key: t.claim.key }] : []))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 1; i < pending.length; i++) {
    const [a, b] = [pending[i - 1]!, pending[i]!];
    if (a.key !== b.key) continue;
    const [first, second] = [writes[a.n]!, writes[b.n]!]; // the sort is stable: in entry order
    throw atIndex(
      second,
      badRequest(`Entries ${first.index} and ${second.index} both create the resource for ${a.key}`),
    );
  }
  const claims = pending.map((p) => ({ key: p.key, target: `${p.t.type}/${p.t.id}` }));
  claimed.push(...claims);
  const won = await ctx.repo.claimInOrder(claims);
  for (const p of pending.slice(won)) {
    const e = writes[p.n]!;
    const { condition, what } = p.t.claim!;
    const d = await atEntry(e.index, e.fullUrl, () => decideTarget(ctx, p.t.type, condition, what, p.t.id));
    targets[p.n] =
      'existing' in d ? targetOf(p.t.type, condition, what, d) : { type: p.t.type, id: d.create };
  }
}

interface Target {
  type: string;
  id: string;
  existing?: boolean;
  absent?: boolean;
  /** A conditional create or update that found no match: the identifier key to claim before `id` is created. */
  claim?: { key: string; condition: string; what: ConditionalKind };
}

/** A conditional create's or update's target from its decision (a match: existing for a create). */
function targetOf(type: string, condition: string, what: ConditionalKind, d: CreateDecision): Target {
  if ('existing' in d)
    return what === 'If-None-Exist' ? { type, id: d.existing, existing: true } : { type, id: d.existing };
  return d.key === undefined
    ? { type, id: d.create }
    : { type, id: d.create, claim: { key: d.key, condition, what } };
}

/** A conditional update's entry becomes an update of its target; a body id must be the match's. */
function settleUpdate(e: EntryRequest, t: Target): void {
  const bodyId = typeof e.resource!.id === 'string' ? e.resource!.id : undefined;
  if (bodyId !== undefined && bodyId !== t.id) {
    throw badRequest(`entry.resource.id "${bodyId}" is not the id of the match, "${t.id}"`, `${t.type}.id`);
  }
  e.resource!.id = t.id;
  e.route = { interaction: 'update', type: t.type, id: t.id };
}

/** The target of one write entry, from lookups alone: identifier keys are claimed afterwards (claimTargets). */
async function resolveTarget(ctx: ServerContext, e: EntryRequest): Promise<Target> {
  const { interaction, type, id } = e.route;
  const query = e.url.includes('?') ? e.url.slice(e.url.indexOf('?') + 1) : '';
  if (
    (interaction === 'create' || interaction === 'update' || interaction === 'conditional-update') &&
    e.resource === undefined
  ) {
    throw badRequest(`${e.method} needs entry.resource`);
  }
  switch (interaction) {
    case 'create': {
      const ifNoneExist = e.headers['if-none-exist'];
      if (ifNoneExist === undefined) return { type: type!, id: newId() };
      const condition = ifNoneExist.replace(/^[^?]*\?/, '');
      return targetOf(
        type!,
        condition,
        'If-None-Exist',
        await lookUpTarget(ctx, {
          type: type!,
          condition,
          what: 'If-None-Exist',
          newId: newId(),
        }),
      );
    }
    case 'update':
    case 'patch':
    case 'delete':
      return { type: type!, id: id! };
    case 'conditional-update': {
      const bodyId = typeof e.resource!.id === 'string' ? e.resource!.id : undefined;
      const d = await lookUpTarget(ctx, {
        type: type!,
        condition: query,
        what: 'Conditional update',
        newId: bodyId ?? newId(),
      });
      return targetOf(type!, query, 'Conditional update', d);
    }
    case 'conditional-patch': {
      const match = await singleMatch(ctx, type!, query, 'Conditional patch');
      if (match === undefined) throw notFound(`No ${type} matches "${query}": nothing to patch`);
      e.route = { interaction: 'patch', type: type!, id: match };
      return { type: type!, id: match };
    }
    case 'conditional-delete': {
      const match = await singleMatch(ctx, type!, query, 'Conditional delete');
      e.route = { interaction: 'delete', type: type!, id: match ?? newId() };
      return { type: type!, id: e.route.id!, absent: match === undefined };
    }
    default:
      throw fail(400, 'not-supported', `${e.method} ${e.url} is not supported inside a transaction`);
  }
}

/**
 * Rewrites references to other entries' fullUrls (urn:uuid:, urn:oid:, absolute) into `Type/id`, and resolves
 * conditional references (`Patient?identifier=...`) to their single match.
 */
async function rewriteAll(
  ctx: ServerContext,
  outer: BundleContext,
  entries: EntryRequest[],
  planned: Map<number, Planned>,
): Promise<LocalReferences> {
  const byFullUrl = new Map<string, string>();
  for (const p of planned.values()) {
    const fullUrl = p.entry.fullUrl;
    if (fullUrl === undefined || p.entry.method === 'DELETE') continue;
    byFullUrl.set(fullUrl, `${p.type}/${p.id}`);
    // A relative fullUrl names a resource on this server: references resolved against our base find it too.
    if (isRelativeReference(fullUrl)) byFullUrl.set(`${outer.baseUrl}/${fullUrl}`, `${p.type}/${p.id}`);
  }
  /** The entry a reference names: by fullUrl, or (`Patient/123`) resolved against the entry's base first. */
  const entryNamed = (value: string, e: EntryRequest): string | undefined =>
    byFullUrl.get(value) ??
    (isRelativeReference(value)
      ? byFullUrl.get(`${referenceBase(e.fullUrl, outer.baseUrl)}/${value}`)
      : undefined);
  const isLocal = (value: string): boolean => value.startsWith('urn:uuid:') || value.startsWith('urn:oid:');
  for (const e of entries) {
    if (e.resource === undefined || Array.isArray(e.resource)) continue;
    const conditional: Array<{ value: string; path: string }> = [];
    rewriteReferences(e.resource, ({ value, path }) => {
      // `Patient/123` inside an entry whose fullUrl is http://example.org/fhir/... means http://example.org/fhir/Patient/123.
      const hit = entryNamed(value, e);
      if (hit !== undefined) return hit;
      if (isLocal(value)) {
        throw atIndex(e, badRequest(`${path} = "${value}" names no entry of this Bundle`, path));
      }
      if (/^[A-Z][A-Za-z]+\?/.test(value)) conditional.push({ value, path });
      return undefined;
    });
    const resolved = new Map<string, string>();
    for (const { value, path } of conditional) {
      const [type, query] = [value.slice(0, value.indexOf('?')), value.slice(value.indexOf('?') + 1)];
      const ids = await atEntry(e.index, e.fullUrl, () => matchIds(ctx, type, query));
      if (ids.length !== 1) {
        throw atIndex(
          e,
          fail(
            ids.length === 0 ? 400 : 412,
            'not-found',
            `${path} = "${value}" matches ${ids.length} resources, not one`,
            path,
          ),
        );
      }
      resolved.set(value, `${type}/${ids[0]}`);
    }
    if (resolved.size > 0) rewriteReferences(e.resource, ({ value }) => resolved.get(value));
  }
  return (tree, e) => {
    rewriteReferences(tree, ({ value, path }) => {
      const hit = entryNamed(value, e);
      if (hit === undefined && isLocal(value))
        throw fail(422, 'processing', `${path} = "${value}" names no entry of this Bundle`, path);
      return hit;
    });
    return tree;
  };
}

/** Rewrites references to entries of this Bundle in a tree computed later (the result of a patch). */
type LocalReferences = (tree: JsonObject, e: EntryRequest) => JsonObject;

async function prepare(
  ctx: ServerContext,
  outer: BundleContext,
  p: Planned,
  known: { current: StoredResource | undefined },
  local: LocalReferences,
  labelsOf: LabelsOf,
): Promise<Prepared> {
  const { entry: e, type, id } = p;
  const opts: WriteOptions & { fresh?: boolean } = {
    method: e.method as WriteOptions['method'],
    fresh: e.route.interaction === 'create',
    labelsOf,
  };
  const ifMatch = parseIfMatch(e.headers['if-match']);
  if (ifMatch !== undefined) opts.ifMatch = ifMatch;
  let decide: (cur: Parameters<Parameters<FhirRepository['prepare']>[2]>[0]) => Change | undefined;
  switch (e.route.interaction) {
    case 'create':
      decide = () => ({ kind: 'put', tree: e.resource! });
      break;
    case 'update': {
      const tree = e.resource!;
      if (tree.id !== id)
        throw badRequest(`entry.resource.id must be "${id}" as in request.url`, `${type}.id`);
      decide = () => ({ kind: 'put', tree });
      break;
    }
    case 'delete':
      decide = (cur) => (cur && !cur.deleted ? { kind: 'delete' } : undefined);
      break;
    case 'patch': {
      // The same parsing and application as PATCH over HTTP; a bad patch fails here, before anything is written.
      const patcher = readPatch(toFhirRequest(e, outer), patchLimits(ctx));
      opts.malformedStatus = 422;
      // A JSON Patch inside a Binary may add references to other entries: they are rewritten in the result.
      decide = (cur) => ({ kind: 'put', tree: local(patcher(currentTree(type, id, cur)), e) });
      break;
    }
    default:
      throw fail(400, 'not-supported', `${e.method} ${e.url} is not supported inside a transaction`);
  }
  return ctx.repo.prepare(type, id, decide, opts, known);
}

function writeEntry(outer: BundleContext, p: Planned, withResource: boolean): ResponseEntry {
  const outcome = p.prepared?.outcome;
  if (!outcome) return { response: { status: statusLine(200) } }; // a delete of something absent
  const s = outcome.stored;
  const status = p.entry.method === 'DELETE' ? 200 : outcome.created ? 201 : 200;
  const response: ResponseEntry['response'] = {
    status: statusLine(status),
    etag: etag(s.versionId),
    lastModified: s.lastUpdated.toISOString(),
  };
  if (p.entry.method !== 'DELETE') response.location = location(outer.baseUrl, s);
  const out: ResponseEntry = { response, fullUrl: `${outer.baseUrl}/${s.type}/${s.id}` };
  if (withResource && s.json !== undefined) out.resourceText = s.json;
  return out;
}

async function readEntry(ctx: ServerContext, outer: BundleContext, e: EntryRequest): Promise<ResponseEntry> {
  try {
    return responseEntry(await dispatch(ctx, toFhirRequest(e, outer)), true);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return {
      response: {
        status: statusLine(err.status),
        outcome: operationOutcome(err.issues),
      },
    };
  }
}

function atIndex(e: EntryRequest, err: OperationOutcomeError): OperationOutcomeError {
  return new OperationOutcomeError(err.status, locate(err.issues, e.index, e.fullUrl), err.headers);
}

/** Runs `f` and locates any FHIR error it throws at entry `index`. */
function atEntry<T>(index: number, fullUrl: string | undefined, f: () => T): T {
  try {
    const r = f();
    if (r instanceof Promise) {
      return r.catch((err: unknown) => {
        throw err instanceof OperationOutcomeError
          ? new OperationOutcomeError(err.status, locate(err.issues, index, fullUrl))
          : err;
      }) as T;
    }
    return r;
  } catch (err) {
    if (err instanceof OperationOutcomeError)
      throw new OperationOutcomeError(err.status, locate(err.issues, index, fullUrl));
    throw err;
  }
}
