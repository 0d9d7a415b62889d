// The operations this server implements, by name, and the one handler that dispatches them (operations.html).
import { notFound } from '../../fhir/outcome';
import type { Handler } from '../types';
import { expunge } from './expunge';
import { importEphr } from './import-ephr';
import { validate } from './validate';

type Level = 'system' | 'type' | 'instance';

const OPERATIONS = new Map<string, { levels: Level[]; handler: Handler }>([
  ['validate', { levels: ['type', 'instance'], handler: validate }],
  ['expunge', { levels: ['instance'], handler: expunge }],
  ['import-ephr', { levels: ['system'], handler: importEphr }],
]);

export function operationHandler(level: Level): Handler {
  return (ctx, req) => {
    const name = req.route.operation ?? '';
    const op = OPERATIONS.get(name);
    if (!op || !op.levels.includes(level))
      throw notFound(`The operation $${name} is not known at ${level} level`);
    return op.handler(ctx, req);
  };
}
