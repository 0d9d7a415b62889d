// Test support: a SearchStore over the raw `resources` collection of a database of its own in the run's
// embedded FerretDB, filled with documents of the storage contract's shape built by indexResource.
import crypto from 'node:crypto';
import mongoose from 'mongoose';
import type { FhirResource as Resource } from 'fhir/r4';
import { indexResource } from '../../src/search';
import type { SearchStore, StoredRow } from '../../src/search';
import { testDatabaseUri } from '../support/server';

export interface TestStore extends SearchStore {
  put(resources: Resource[], baseUrl?: string): Promise<void>;
  remove(type: string, id: string): Promise<void>;
  /** Every query the search sent, for the index coverage test. */
  log: Array<{ filter: object; sort?: Array<[string, 1 | -1]> }>;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const conn = await mongoose
    .createConnection(testDatabaseUri(), { dbName: `t_search_${crypto.randomBytes(6).toString('hex')}` })
    .asPromise();
  const db = conn.db;
  if (!db) throw new Error('no database');
  const col = db.collection<Record<string, unknown>>('resources');
  const log: TestStore['log'] = [];
  return {
    log,
    async find(filter, opts) {
      log.push({ filter, ...(opts.sort ? { sort: opts.sort } : {}) });
      const cursor = col.find(filter as Record<string, unknown>, {
        ...(opts.projection ? { projection: opts.projection } : {}),
        ...(opts.sort ? { sort: opts.sort } : {}),
        ...(opts.limit ? { limit: opts.limit } : {}),
      });
      return (await cursor.toArray()) as unknown as StoredRow[];
    },
    async texts(rows) {
      const docs = await col
        .find({ _id: { $in: rows.map((r) => r._id) } } as Record<string, unknown>, {
          projection: { json: 1 },
        })
        .toArray();
      const byId = new Map(docs.map((d) => [String(d._id), d.json as string]));
      for (const r of rows) r.json = byId.get(r._id) ?? r.json;
    },
    async count(filter) {
      log.push({ filter });
      return col.countDocuments(filter);
    },
    async put(resources, baseUrl) {
      const docs = resources.map((r) => {
        const { idx, sort } = indexResource(r, baseUrl ? { baseUrl } : {});
        return {
          _id: `${r.resourceType}/${r.id ?? ''}`,
          type: r.resourceType,
          id: r.id ?? '',
          versionId: 1,
          lastUpdated: new Date(r.meta?.lastUpdated ?? Date.now()),
          deleted: false,
          json: JSON.stringify(r),
          idx,
          sort,
        };
      });
      for (const d of docs)
        await col.replaceOne({ _id: d._id } as Record<string, unknown>, d, { upsert: true });
    },
    async remove(type, id) {
      await col.updateOne({ _id: `${type}/${id}` } as Record<string, unknown>, { $set: { deleted: true } });
    },
    async close() {
      await db.dropDatabase();
      await conn.close();
    },
  };
}
