// The context of one request as its caller may use it: the storage port wrapped by the access rules
// (guarded-repository.ts), the search's access hook (every query: matches, totals, chains, `_has`, includes, pages)
// and the interactions, each of which first checks that the token's scopes name its action on its type. Batch and
// transaction entries dispatch through the same wrapped interactions, so no path goes around them.
import { fail } from '../fhir/outcome';
import type { Interaction } from '../interactions/routes';
import type { Handler, ServerContext } from '../interactions/types';
import { Access, insufficientScope } from './access';
import type { BreakGlass } from './break-glass';
import type { ConsentDirectory } from './consent';
import { guardRepository } from './guarded-repository';
import { hasRole, type Principal } from './principal';
import { toFilter } from './rule';
import type { Action } from './scopes';

export interface Guards {
  consents: ConsentDirectory;
  breakGlass: BreakGlass;
}

const NOTHING = { _id: { $in: [] } };

/** The action each interaction needs on its type, checked against the scopes before it runs. */
const NEEDS: Partial<Record<Interaction, Action[]>> = {
  read: ['r'],
  vread: ['r'],
  'history-instance': ['r'],
  'history-type': ['r'],
  'search-type': ['s'],
  'search-compartment': ['s'],
  create: ['c'],
  // an update may create: either permission lets it in, the write decides (guarded-repository.ts)
  update: ['u', 'c'],
  'conditional-update': ['u', 'c'],
  patch: ['u'],
  'conditional-patch': ['u'],
  delete: ['d'],
  'conditional-delete': ['d'],
};

function checked(access: Access, interaction: Interaction, handler: Handler, guards: Guards): Handler {
  return (ctx, req) => {
    const type = req.route.type;
    if (interaction === 'operation-instance' && req.route.operation === 'break-glass') {
      if (type !== 'Patient') throw insufficientScope('break the glass on anything but a Patient');
      access.require('Patient', 'r');
      return guards.breakGlass.handle(access.principal, req);
    }
    if (interaction === 'operation-instance' && req.route.operation === 'expunge' && type !== undefined) {
      // an erasure is a delete of every version, for an administrator only
      access.require(type, 'd');
      if (!hasRole(access.principal, 'admin')) throw fail(403, 'forbidden', '$expunge needs the admin role');
      return handler(ctx, req);
    }
    // an operation on a type needs some permission on it; what it reads or writes is checked as it does so
    const needs: Action[] | undefined =
      interaction === 'operation-type' || interaction === 'operation-instance'
        ? ['r', 's', 'c', 'u', 'd']
        : NEEDS[interaction];
    if (needs && type !== undefined && !needs.some((a) => access.granted(type, a)))
      access.require(type, needs[0]!);
    if (interaction === 'search-system' || interaction === 'history-system') {
      if (!access.principal.scopes.some((s) => s.actions.has(interaction === 'search-system' ? 's' : 'r')))
        throw insufficientScope(interaction === 'search-system' ? 'search' : 'read history');
    }
    return handler(ctx, req);
  };
}

/** The context of one request by `principal`. */
export async function guardedContext(
  ctx: ServerContext,
  principal: Principal,
  guards: Guards,
): Promise<ServerContext> {
  const consents =
    principal.kind === 'development' || !principal.clinic
      ? undefined
      : await guards.consents.forClinic(principal.clinic);
  const brokenGlass = guards.breakGlass.openFor(principal).map((o) => o.patient);
  const access = new Access({ principal, brokenGlass, ...(consents && { consents }) }, ctx.config.baseUrl);
  const repo = guardRepository(ctx.repo, access, (type) => {
    if (type === 'Consent') guards.consents.changed();
  });
  const outer = ctx.search.hooks.constrain;
  const constrain = (type: string, filter: object, on?: 'current' | 'history'): object => {
    const f = outer ? outer(type, filter, on) : filter;
    // The version log has no index entries: the access decided by type here, by content in the repository.
    if (on === 'history') return access.granted(type, 'r') ? f : { $and: [f, NOTHING] };
    const rule = access.rule(type, 's');
    return rule === true ? f : { $and: [f, toFilter(rule)] };
  };
  const guarded: ServerContext = {
    ...ctx,
    principal,
    repo,
    search: { ...ctx.search, hooks: { ...ctx.search.hooks, constrain } },
    handlers: {},
  };
  guarded.handlers = Object.fromEntries(
    Object.entries(ctx.handlers).map(([k, h]) => [k, checked(access, k as Interaction, h, guards)]),
  );
  return guarded;
}
