// The storage port as one caller may use it: every read, version, history entry and write of the interactions
// passes the caller's access rules here (reads of what the caller may not reach answer as if nothing were there).
// Writes: the current version and the one written must both be reachable for the action; the server marks what a
// clinic creates as its own (a tag no client can set), and an e-PHR import, a transaction or a patch pass the same.
import type { Resource } from 'fhir/r4';
import { fail } from '../fhir/outcome';
import type { Change, FhirRepository, StoredResource } from '../storage';
import type { Access } from './access';
import { hasRole } from './principal';
import type { Action } from './scopes';
import { CLINIC_TAG_SYSTEM } from './segments';

type Decide = (current: StoredResource | undefined) => Change | undefined;

/** Another clinic's or a hidden resource: refused without saying what it holds. */
const notYours = (type: string, id: string): Error =>
  fail(403, 'forbidden', `You may not change ${type}/${id}`);

function ownerOf(json: string | undefined): string | undefined {
  if (json === undefined) return undefined;
  const meta = (JSON.parse(json) as Resource).meta;
  return meta?.tag?.find((t) => t.system === CLINIC_TAG_SYSTEM)?.code;
}

/** Sets the owning clinic's tag, dropping any a client sent. */
function markOwner(tree: Record<string, unknown>, owner: string | undefined): void {
  const meta = (tree.meta ?? {}) as { tag?: Array<{ system?: string; code?: string }> };
  const tags = (meta.tag ?? []).filter((t) => t.system !== CLINIC_TAG_SYSTEM);
  if (owner !== undefined) tags.push({ system: CLINIC_TAG_SYSTEM, code: owner });
  if (tags.length) meta.tag = tags;
  else delete meta.tag;
  if (Object.keys(meta).length) tree.meta = meta;
  else delete tree.meta;
}

export function guardRepository(
  inner: FhirRepository,
  access: Access,
  onWrite: (type: string) => void,
): FhirRepository {
  const p = access.principal;

  /** A stored version the caller may read: a live one by its text, a deletion by the version before it. */
  const readable = async (s: StoredResource): Promise<boolean> => {
    if (s.json !== undefined) return access.reaches(s.type, 'r', s.json);
    const before = s.versionId > 1 ? await inner.vread(s.type, s.id, s.versionId - 1) : undefined;
    return before?.json !== undefined && access.reaches(s.type, 'r', before.json);
  };

  const guardDecide =
    (type: string, id: string, decide: Decide): Decide =>
    (current) => {
      let live = current && !current.deleted ? current : undefined;
      const action = (change: Change): Action => (change.kind === 'delete' ? 'd' : live ? 'u' : 'c');
      let change = decide(current);
      if (!change) return change;
      if (live && !access.reaches(type, action(change), live.json!)) {
        // A resource the caller may not reach is answered as one that does not exist (a patch: 404; a delete:
        // nothing to delete); only a PUT onto its id is refused, without saying what it holds.
        live = undefined;
        change = decide(undefined);
        if (!change || change.kind === 'delete') return undefined;
        throw notYours(type, id);
      }
      access.require(type, action(change));
      const owner = live ? ownerOf(live.json) : p.clinic;
      if (live && owner !== undefined && owner !== p.clinic && p.kind !== 'development')
        throw fail(
          403,
          'forbidden',
          `${type}/${id} was written by another clinic: only that clinic changes it`,
        );
      if (change.kind === 'put') {
        markOwner(change.tree, owner);
        if (!access.reaches(type, action(change), change.tree)) throw notYours(type, id);
      }
      return change;
    };

  return {
    async read(type, id) {
      access.require(type, 'r');
      const s = await inner.read(type, id);
      return s && (await readable(s)) ? s : undefined;
    },
    async vread(type, id, versionId) {
      access.require(type, 'r');
      const v = await inner.vread(type, id, versionId);
      if (!v || !(await readable(v))) return undefined;
      const current = await inner.read(type, id);
      return current && (await readable(current)) ? v : undefined;
    },
    async history(q) {
      if (q.type !== undefined) access.require(q.type, 'r');
      const page = await inner.history(q);
      const keep: boolean[] = [];
      for (const [i, v] of page.versions.entries()) {
        const json = page.texts[i];
        const s = {
          type: v.type,
          id: v.id,
          versionId: v.versionId,
          lastUpdated: v.lastUpdated,
          deleted: v.deleted,
        };
        keep.push(access.granted(v.type, 'r') && (await readable(json === undefined ? s : { ...s, json })));
      }
      if (keep.every(Boolean)) return page;
      // Entries left out make a shorter page; the total would count them, so it is not given.
      const { total: _total, ...rest } = page;
      return {
        ...rest,
        versions: page.versions.filter((_, i) => keep[i]),
        texts: page.texts.filter((_, i) => keep[i]),
      };
    },
    async write(type, id, decide, opts) {
      const out = await inner.write(type, id, guardDecide(type, id, decide), {
        ...opts,
        labelAdmin: hasRole(p, 'label-admin'),
      });
      onWrite(type);
      return out;
    },
    prepare(type, id, decide, opts, known) {
      return inner.prepare(
        type,
        id,
        guardDecide(type, id, decide),
        { ...opts, labelAdmin: hasRole(p, 'label-admin') },
        known,
      );
    },
    currentMany: (keys) => inner.currentMany(keys),
    async commit(writes) {
      await inner.commit(writes);
      for (const w of writes) onWrite(w.doc.type);
    },
    claim: (key, target) => inner.claim(key, target),
    claimInOrder: (claims) => inner.claimInOrder(claims),
    release: (key, target) => inner.release(key, target),
    async expunge(type, id) {
      // An erasure is a delete of every version: `d` on the type and the admin role; what the caller may not reach
      // (hidden, or its last content out of the scopes) is answered as nothing there, as a delete is.
      access.require(type, 'd');
      if (!hasRole(p, 'admin')) throw fail(403, 'forbidden', `$expunge needs the admin role`);
      const current = await inner.read(type, id);
      if (current) {
        const last = current.deleted
          ? current.versionId > 1
            ? await inner.vread(type, id, current.versionId - 1)
            : undefined
          : current;
        if (last?.json !== undefined && !access.reaches(type, 'd', last.json)) return 0;
        const owner = ownerOf(last?.json);
        if (owner !== undefined && owner !== p.clinic && p.kind !== 'development')
          throw fail(
            403,
            'forbidden',
            `${type}/${id} was written by another clinic: only that clinic erases it`,
          );
      }
      const n = await inner.expunge(type, id);
      onWrite(type);
      return n;
    },
    reindex: () => Promise.reject(fail(403, 'forbidden', 'Reindexing is not an API interaction')),
  };
}
