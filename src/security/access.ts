// The access of one request: the caller's rules per type and action, compiled once, and the in-memory test of one
// resource against them (the same index entries the database filter reads; rule.ts).
import { fail } from '../fhir/outcome';
import { indexResource } from '../search';
import type { Resource } from 'fhir/r4';
import type { Principal } from './principal';
import { holds, type Rule } from './rule';
import { type Action, grants } from './scopes';
import { reachable, type Situation } from './visibility';

const ACTION_NAMES: Record<Action, string> = {
  c: 'create',
  r: 'read',
  u: 'update',
  d: 'delete',
  s: 'search',
};

export class Access {
  private readonly rules = new Map<string, Rule>();

  constructor(
    readonly situation: Situation,
    private readonly baseUrl: string,
  ) {}

  get principal(): Principal {
    return this.situation.principal;
  }

  /** The resources of `type` the caller may reach for `action`. */
  rule(type: string, action: Action): Rule {
    const key = `${type}.${action}`;
    let r = this.rules.get(key);
    if (r === undefined) this.rules.set(key, (r = reachable(this.situation, type, action)));
    return r;
  }

  /** Whether some scope grants `action` on `type` at all (whatever the data). */
  granted(type: string, action: Action): boolean {
    return grants(this.principal.scopes, type, action).length > 0;
  }

  /** 403 unless some scope grants `action` on `type`: decided by the token alone, so it tells nothing of the data. */
  require(type: string, action: Action): void {
    if (!this.granted(type, action)) throw insufficientScope(`${ACTION_NAMES[action]} ${type}`);
  }

  /** Whether the resource (its text or tree) is one the caller may reach for `action`. */
  reaches(type: string, action: Action, resource: string | object): boolean {
    const rule = this.rule(type, action);
    if (typeof rule === 'boolean') return rule;
    const tree = (typeof resource === 'string' ? JSON.parse(resource) : resource) as Resource;
    const { idx } = indexResource(tree, { baseUrl: this.baseUrl });
    return holds(rule, { _id: `${type}/${tree.id ?? ''}`, k: new Set(idx.k ?? []) });
  }
}

/** 403 for a token whose scopes do not cover the request (smart-app-launch: `insufficient_scope`). */
export function insufficientScope(what: string): Error {
  const e = fail(403, 'forbidden', `The access token's scopes do not permit to ${what}`);
  e.headers['WWW-Authenticate'] = 'Bearer error="insufficient_scope"';
  return e;
}
