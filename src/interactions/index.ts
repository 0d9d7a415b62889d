// The interactions this server implements, by route name.
import type { Interaction } from './routes';
import { batch } from './batch';
import { capabilities } from './capabilities';
import { create } from './create';
import { searchCompartment } from './compartment';
import { CONFORMANCE_TYPES, noHistory, readConformance, readOnly, searchConformance } from './conformance';
import { conditionalDelete, del } from './delete';
import { history } from './history';
import { conditionalPatch, patch } from './patch';
import { operationHandler } from './operations';
import { read } from './read';
import { searchSystem, searchType } from './search';
import type { Handler } from './types';
import { conditionalUpdate, update } from './update';
import { vread } from './vread';

const base: Partial<Record<Interaction, Handler>> = {
  capabilities,
  batch,
  create,
  read,
  vread,
  update,
  patch,
  delete: del,
  'conditional-update': conditionalUpdate,
  'conditional-delete': conditionalDelete,
  'conditional-patch': conditionalPatch,
  'history-instance': history,
  'history-type': history,
  'history-system': history,
  'search-type': searchType,
  'search-system': searchSystem,
  'search-compartment': searchCompartment,
  'operation-system': operationHandler('system'),
  'operation-type': operationHandler('type'),
  'operation-instance': operationHandler('instance'),
};

const WRITES: Interaction[] = [
  'create',
  'update',
  'patch',
  'delete',
  'conditional-update',
  'conditional-patch',
  'conditional-delete',
];

/** Conformance types are answered from the profiles and the R4 definitions, never from the database. */
function conformanceAware(interaction: Interaction, handler: Handler): Handler {
  const special =
    interaction === 'read' || interaction === 'vread'
      ? readConformance
      : interaction === 'search-type'
        ? searchConformance
        : WRITES.includes(interaction)
          ? readOnly
          : interaction === 'history-type' || interaction === 'history-instance'
            ? noHistory
            : undefined;
  if (!special) return handler;
  return (ctx, req) =>
    req.route.type && CONFORMANCE_TYPES.has(req.route.type) ? special(ctx, req) : handler(ctx, req);
}

export const handlers: Partial<Record<Interaction, Handler>> = Object.fromEntries(
  Object.entries(base).map(([k, h]) => [k, conformanceAware(k as Interaction, h)]),
);
