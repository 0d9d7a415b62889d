// The interactions this server implements, by route name.
import type { Interaction } from './routes';
import { batch } from './batch';
import { capabilities } from './capabilities';
import { create } from './create';
import { searchCompartment } from './compartment';
import { conditionalDelete, del } from './delete';
import { history } from './history';
import { conditionalPatch, patch } from './patch';
import { read } from './read';
import { searchSystem, searchType } from './search';
import type { Handler } from './types';
import { conditionalUpdate, update } from './update';
import { vread } from './vread';

export const handlers: Partial<Record<Interaction, Handler>> = {
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
};
