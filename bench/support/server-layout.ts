// The server's storage commands for a create without the server: the documents a create writes (journal entry,
// identifier slots and reference postings, version with its text, current view with its search index), built
// beforehand and inserted by the raw driver in the server's order and grouping (src/storage/repository.ts, write;
// concurrent commands grouped by src/storage/coalesce.ts). What is left between this and the raw insertOne is the
// storage layout's cost; what is left between this and the server is HTTP, validation, indexing and bookkeeping.
import crypto from 'node:crypto';
import type { Resource } from 'fhir/r4';
import type { MongoClient } from 'mongodb';
import { parseExact, type JsonObject } from '../../src/fhir/json';
import { indexResource } from '../../src/search';
import { Coalescer } from '../../src/storage/coalesce';
import { historyKey, versionKey } from '../../src/storage/collections';
import { identifierKeys } from '../../src/storage/identifiers';
import { referencePostings } from '../../src/storage/references';
import { stampedText } from '../../src/storage/stamp';
import { numbered, type BenchResource } from './resources';
import { runConcurrent, type Sample } from './stats';

type Doc = { _id: string; [k: string]: unknown };

interface CreateDocs {
  journal: Doc;
  keys: Doc[];
  version: Doc;
  view: Doc;
}

function createDocs(r: BenchResource, n: number): CreateDocs {
  const id = crypto.randomUUID();
  const at = new Date();
  const json = stampedText(parseExact(numbered(r.json, n)) as JsonObject, id, 1, at);
  const resource = JSON.parse(json) as Resource;
  const index = indexResource(resource);
  const key = versionKey(r.type, id, 1);
  return {
    journal: { _id: `write:${r.type}/${id}:${crypto.randomUUID()}`, kind: 'write', type: r.type, id, at },
    keys: [
      ...identifierKeys(r.type, resource).map((k) => ({ _id: `${k}#0`, target: id })),
      ...referencePostings(r.type, id, index.idx.k).map((p) => ({ _id: p })),
    ],
    version: {
      _id: key,
      type: r.type,
      id,
      versionId: 1,
      lastUpdated: at,
      hkey: historyKey(at, r.type, id, 1),
      deleted: false,
      method: 'POST',
      blob: key,
      json,
    },
    view: {
      _id: `${r.type}/${id}`,
      type: r.type,
      id,
      versionId: 1,
      lastUpdated: at,
      deleted: false,
      idx: index.idx,
      sort: index.sort,
      blob: key,
    },
  };
}

/**
 * `n` creates' documents, numbered from `first` and built now; the returned function inserts them, `c` in flight
 * (only it is timed).
 */
export function layoutCreates(
  client: MongoClient,
  dbName: string,
  r: BenchResource,
  first: number,
  n: number,
  c: number,
  deadlineMs: number,
): () => Promise<Sample> {
  const db = client.db(dbName);
  const identifiers = db.collection<Doc>('identifiers');
  const versions = db.collection<Doc>('versions');
  const resources = db.collection<Doc>('resources');
  const docs = Array.from({ length: n }, (_, i) => createDocs(r, first + i));
  const co = new Coalescer();
  return () =>
    runConcurrent(
      n,
      c,
      async (i) => {
        const d = docs[i]!;
        await Promise.all([d.journal, ...d.keys].map((k) => co.insert(identifiers, k)));
        await co.insert(versions, d.version);
        await co.insert(resources, d.view);
      },
      deadlineMs,
    );
}
