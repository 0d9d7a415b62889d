// The server's storage commands for a create without the server: the documents a create writes (journal entry and
// the keys of the ordered search index, version with its text, current view with its search index), built
// beforehand and inserted by the raw driver in the server's order and grouping (src/storage/repository.ts, write;
// concurrent commands grouped by src/storage/coalesce.ts). What is left between this and the raw insertOne is the
// storage layout's cost; what is left between this and the server is HTTP, validation, indexing and bookkeeping.
import crypto from 'node:crypto';
import type { Resource } from 'fhir/r4';
import type { MongoClient } from 'mongodb';
import { parseExact, type JsonObject } from '../../src/fhir/json';
import { Coalescer } from '../../src/storage/coalesce';
import { writeEntry } from '../../src/storage/journal';
import { stampedText } from '../../src/storage/stamp';
import { numbered, type BenchResource } from './resources';
import { runConcurrent, type Sample } from './stats';
import { firstVersionDocs, type Doc } from './stored-docs';

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
  return {
    journal: { ...writeEntry(r.type, id, at) }, // as a plain document, beside the others
    ...firstVersionDocs(JSON.parse(json) as Resource, json, at, 'POST'),
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
  const identifiers = db.collection<Doc>('keys');
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
