// The common frame of every Observation the mapping produces (observation.html).
import type { CodeableConcept, Coding, Identifier, Observation, Quantity } from 'fhir/r4';
import { UCUM } from '../fhir/ucum';
import type { EpisodeScope, MappingContext } from './context';

export interface ObservationFrame {
  profile?: string;
  sensitive?: boolean;
  category: Coding[];
  code: CodeableConcept;
  effective?: string;
}

export function observation(
  ctx: MappingContext,
  ep: EpisodeScope,
  identifier: Identifier,
  frame: ObservationFrame,
): Observation {
  const obs: Observation = {
    resourceType: 'Observation',
    identifier: [identifier],
    status: 'final',
    category: frame.category.map((c) => ({ coding: [{ ...c }] })),
    code: structuredClone(frame.code),
    subject: ctx.patient,
    encounter: ep.encounter,
    effectiveDateTime: frame.effective ?? ep.date,
  };
  const meta = ctx.meta(frame.profile, frame.sensitive);
  return meta ? { resourceType: 'Observation', meta, ...stripType(obs) } : obs;
}

function stripType(o: Observation): Omit<Observation, 'resourceType'> {
  const { resourceType: _r, ...rest } = o;
  return rest;
}

export function ucumQuantity(value: number, code: string): Quantity {
  return { value, unit: code, system: UCUM, code };
}

export function codeable(c: Coding): CodeableConcept {
  return { coding: [{ ...c }] };
}
