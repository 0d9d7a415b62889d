// The interactions this server implements, by route name.
import type { Interaction } from '../http/routes';
import { capabilities } from './capabilities';
import type { Handler } from './types';

export const handlers: Partial<Record<Interaction, Handler>> = {
  capabilities,
};
