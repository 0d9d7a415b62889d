// The FHIR RESTful URL table (http.html#summary): a path below the base and a method name an interaction.
// Transport-free: the HTTP edge and the batch/transaction entries both route through it.
import { concreteResourceTypes } from '../fhir/definitions';
import { FHIR_ID_RULE, isFhirId } from '../fhir/id';
import { fail, issue, notFound, OperationOutcomeError } from '../fhir/outcome';

export type Interaction =
  | 'capabilities'
  | 'batch'
  | 'search-system'
  | 'history-system'
  | 'operation-system'
  | 'create'
  | 'search-type'
  | 'history-type'
  | 'operation-type'
  | 'conditional-update'
  | 'conditional-delete'
  | 'conditional-patch'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'vread'
  | 'operation-instance'
  | 'search-compartment';

export interface RouteMatch {
  interaction: Interaction;
  type?: string;
  id?: string;
  vid?: string;
  operation?: string;
  compartmentType?: string;
}

function checkType(type: string): void {
  if (!concreteResourceTypes().has(type)) {
    throw notFound(`Unknown resource type "${type}": it is not one of the FHIR R4 resource types`);
  }
}

export function checkId(id: string, what = 'id'): void {
  if (!isFhirId(id)) {
    throw fail(400, 'invalid', `"${id}" is not a valid ${what}: ${FHIR_ID_RULE}`);
  }
}

function byMethod(method: string, path: string, table: Partial<Record<string, RouteMatch>>): RouteMatch {
  const m = method === 'HEAD' ? table.GET : table[method];
  if (m) return m;
  throw new OperationOutcomeError(
    405,
    [
      issue(
        'not-supported',
        `${method} is not supported on ${path}; allowed: ${Object.keys(table).join(', ')}`,
      ),
    ],
    { Allow: Object.keys(table).join(', ') },
  );
}

/** Maps a method and the path segments below the FHIR base to an interaction; 404/405/400 otherwise. */
export function route(method: string, segments: string[]): RouteMatch {
  const path = '/' + segments.join('/');
  const [a, b, c, d, ...rest] = segments;
  if (rest.length > 0) throw notFound(`No FHIR interaction at ${path}`);
  if (a === undefined) {
    return byMethod(method, path, { GET: { interaction: 'search-system' }, POST: { interaction: 'batch' } });
  }
  if (b === undefined) {
    if (a === 'metadata') return byMethod(method, path, { GET: { interaction: 'capabilities' } });
    if (a === '_history') return byMethod(method, path, { GET: { interaction: 'history-system' } });
    if (a.startsWith('$')) {
      const op = { interaction: 'operation-system' as const, operation: a.slice(1) };
      return byMethod(method, path, { GET: op, POST: op });
    }
    checkType(a);
    return byMethod(method, path, {
      GET: { interaction: 'search-type', type: a },
      POST: { interaction: 'create', type: a },
      PUT: { interaction: 'conditional-update', type: a },
      PATCH: { interaction: 'conditional-patch', type: a },
      DELETE: { interaction: 'conditional-delete', type: a },
    });
  }
  checkType(a);
  if (c === undefined) {
    if (b === '_search') return byMethod(method, path, { POST: { interaction: 'search-type', type: a } });
    if (b === '_history') return byMethod(method, path, { GET: { interaction: 'history-type', type: a } });
    if (b.startsWith('$')) {
      const op = { interaction: 'operation-type' as const, type: a, operation: b.slice(1) };
      return byMethod(method, path, { GET: op, POST: op });
    }
    checkId(b);
    return byMethod(method, path, {
      GET: { interaction: 'read', type: a, id: b },
      PUT: { interaction: 'update', type: a, id: b },
      PATCH: { interaction: 'patch', type: a, id: b },
      DELETE: { interaction: 'delete', type: a, id: b },
    });
  }
  checkId(b);
  if (d === undefined) {
    if (c === '_history')
      return byMethod(method, path, { GET: { interaction: 'history-instance', type: a, id: b } });
    if (c.startsWith('$')) {
      const op = { interaction: 'operation-instance' as const, type: a, id: b, operation: c.slice(1) };
      return byMethod(method, path, { GET: op, POST: op });
    }
    if (a === 'Patient' || concreteResourceTypes().has(c)) {
      checkType(c);
      return byMethod(method, path, {
        GET: { interaction: 'search-compartment', type: c, compartmentType: a, id: b },
      });
    }
    throw notFound(`No FHIR interaction at ${path}`);
  }
  if (c === '_history') {
    checkId(d, 'version id');
    return byMethod(method, path, { GET: { interaction: 'vread', type: a, id: b, vid: d } });
  }
  throw notFound(`No FHIR interaction at ${path}`);
}
