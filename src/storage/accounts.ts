// The server's own application records (not FHIR resources), through mongoose: OAuth clients, local user accounts,
// and the authorization server's short-lived records (sessions, interactions, grants, codes, replayed assertion
// `jti`s). Every record is read by `_id` (FerretDB reads no other index: docs/database.md); records that expire carry
// `expiresAt`, are ignored once past it and swept (FerretDB has no TTL index).
import { Schema, type Model } from 'mongoose';
import type { Database } from './database';
import { isDuplicateKey } from './errors';

/** An OAuth client: a backend system (SMART Backend Services) or a clinicians' application (authorization code). */
export interface ClientRecord {
  clientId: string;
  name: string;
  /** The clinic (Organization id) the client acts for. */
  clinic: string;
  /** The SMART scopes the client may be granted (space-separated). */
  scope: string;
  roles: string[];
  /** Its public keys, inline (a JWK set), or where to fetch them. */
  jwks?: { keys: Array<Record<string, unknown>> };
  jwksUri?: string;
  /** Where a clinicians' application receives its authorization codes; none for a backend client. */
  redirectUris: string[];
  created: Date;
}

/** A scrypt hash with what it takes to check a password against it again. */
export interface PasswordHash {
  alg: 'scrypt';
  N: number;
  r: number;
  p: number;
  keylen: number;
  salt: string;
  hash: string;
}

/** A clinician's local account. */
export interface UserRecord {
  username: string;
  clinic: string;
  scope: string;
  roles: string[];
  password: PasswordHash;
  disabled: boolean;
  created: Date;
}

export class DuplicateRecord extends Error {}

interface AccountDoc {
  _id: string;
  kind: 'client' | 'user';
  /** The record as JSON: JWKs and URLs hold characters a MongoDB key or FerretDB value may not. */
  json: string;
}

interface OAuthDoc {
  _id: string;
  /** The provider's model payload, as JSON (its keys include URLs, which hold dots). */
  json: string;
  /** Epoch milliseconds after which the record is gone; absent: kept until destroyed. */
  expiresAt?: number;
  grantId?: string;
  consumed?: number;
}

const accountSchema = new Schema<AccountDoc>(
  { _id: String, kind: String, json: String },
  { versionKey: false, autoIndex: false, collection: 'auth_accounts' },
);
const oauthSchema = new Schema<OAuthDoc>(
  { _id: String, json: String, expiresAt: Number, grantId: String, consumed: Number },
  { versionKey: false, autoIndex: false, collection: 'auth_records' },
);

const CLIENT = 'client:';
const USER = 'user:';
/** The key range of `_id`s starting with `prefix` (`:` + 1 is `;`). */
const range = (prefix: string): { $gte: string; $lt: string } => ({
  $gte: prefix,
  $lt: prefix.slice(0, -1) + ';',
});

/** The authorization server's records of one model (Session, Grant, AuthorizationCode, ReplayDetection, ...). */
export interface OAuthRecords {
  find(id: string): Promise<Record<string, unknown> | undefined>;
  /** Writes the record, replacing one of the same id; `expiresIn` seconds (0: no expiry). */
  upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void>;
  /** Writes the record unless one of the same id exists (expired or not yet swept ones excepted): false then. */
  insertOnce(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<boolean>;
  findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface Accounts {
  clients: {
    /** DuplicateRecord when the id is taken. */
    add(c: ClientRecord): Promise<void>;
    /** Adds or replaces. */
    put(c: ClientRecord): Promise<void>;
    get(clientId: string): Promise<ClientRecord | undefined>;
    list(): Promise<ClientRecord[]>;
  };
  users: {
    add(u: UserRecord): Promise<void>;
    get(username: string): Promise<UserRecord | undefined>;
    list(): Promise<UserRecord[]>;
  };
  /** The records of one model of the authorization server. */
  oauth(model: string): OAuthRecords;
  /** Removes expired records; resolves to how many. */
  sweep(): Promise<number>;
}

function revive<T>(doc: { json: string } | null): T | undefined {
  if (!doc) return undefined;
  return JSON.parse(doc.json, (k, v: unknown) =>
    k === 'created' && typeof v === 'string' ? new Date(v) : v,
  ) as T;
}

/** One model per connection (a connection keeps the models made on it). */
function model<T>(db: Database, name: string, schema: Schema<T>): Model<T> {
  return (db.models[name] ?? db.model(name, schema)) as unknown as Model<T>;
}

export function openAccounts(db: Database): Accounts {
  const A = model<AccountDoc>(db, 'AuthAccount', accountSchema);
  const O = model<OAuthDoc>(db, 'AuthRecord', oauthSchema);

  const insert = async (doc: AccountDoc): Promise<void> => {
    try {
      await A.create(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateRecord(`${doc._id.replace(':', ' ')} exists already`);
      throw err;
    }
  };
  const listOf = async <T>(prefix: string): Promise<T[]> =>
    (
      await A.find({ _id: range(prefix) })
        .sort({ _id: 1 })
        .lean()
    ).map((d) => revive<T>(d)!);

  const live = (doc: OAuthDoc | null): Record<string, unknown> | undefined =>
    doc && (doc.expiresAt === undefined || doc.expiresAt > Date.now())
      ? {
          ...(JSON.parse(doc.json) as Record<string, unknown>),
          ...(doc.consumed !== undefined && { consumed: doc.consumed }),
        }
      : undefined;
  const oauthDoc = (
    key: string,
    payload: Record<string, unknown>,
    expiresIn: number,
  ): OAuthDoc & { _id: string } => ({
    _id: key,
    json: JSON.stringify(payload),
    ...(expiresIn > 0 && { expiresAt: Date.now() + expiresIn * 1000 }),
    ...(typeof payload.grantId === 'string' && { grantId: payload.grantId }),
  });

  return {
    clients: {
      add: (c) => insert({ _id: CLIENT + c.clientId, kind: 'client', json: JSON.stringify(c) }),
      put: async (c) => {
        await A.replaceOne(
          { _id: CLIENT + c.clientId },
          { _id: CLIENT + c.clientId, kind: 'client', json: JSON.stringify(c) },
          { upsert: true },
        );
      },
      get: async (id) => revive<ClientRecord>(await A.findById(CLIENT + id).lean()),
      list: () => listOf<ClientRecord>(CLIENT),
    },
    users: {
      add: (u) => insert({ _id: USER + u.username, kind: 'user', json: JSON.stringify(u) }),
      get: async (name) => revive<UserRecord>(await A.findById(USER + name).lean()),
      list: () => listOf<UserRecord>(USER),
    },
    oauth: (model) => {
      const key = (id: string): string => `${model}:${id}`;
      const uidKey = (uid: string): string => `${model}:uid:${uid}`;
      return {
        find: async (id) => live(await O.findById(key(id)).lean()),
        upsert: async (id, payload, expiresIn) => {
          const doc = oauthDoc(key(id), payload, expiresIn);
          await O.replaceOne({ _id: doc._id }, doc, { upsert: true });
          // A session is also found by its uid (the cookie's value): a pointer record, read by `_id`.
          if (typeof payload.uid === 'string')
            await O.replaceOne(
              { _id: uidKey(payload.uid) },
              oauthDoc(uidKey(payload.uid), { id }, expiresIn),
              { upsert: true },
            );
        },
        insertOnce: async (id, payload, expiresIn) => {
          const doc = oauthDoc(key(id), payload, expiresIn);
          // An expired record not yet swept must not block its id.
          await O.deleteOne({ _id: doc._id, expiresAt: { $lte: Date.now() } });
          try {
            await O.create(doc);
            return true;
          } catch (err) {
            if (isDuplicateKey(err)) return false;
            throw err;
          }
        },
        findByUid: async (uid) => {
          const pointer = live(await O.findById(uidKey(uid)).lean());
          if (typeof pointer?.id !== 'string') return undefined;
          return live(await O.findById(key(pointer.id)).lean());
        },
        consume: async (id) => {
          await O.updateOne({ _id: key(id) }, { $set: { consumed: Math.floor(Date.now() / 1000) } });
        },
        destroy: async (id) => {
          const doc = live(await O.findById(key(id)).lean());
          await O.deleteOne({ _id: key(id) });
          if (typeof doc?.uid === 'string') await O.deleteOne({ _id: uidKey(doc.uid) });
        },
        // Rare (a grant revoked): a scan of the records' `grantId` is acceptable here.
        revokeByGrantId: async (grantId) => {
          await O.deleteMany({ grantId });
        },
      };
    },
    sweep: async () => (await O.deleteMany({ expiresAt: { $lte: Date.now() } })).deletedCount,
  };
}
