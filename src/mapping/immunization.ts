// Immunizations given or reported (immunization.html): SNOMED CT + ATC from the vaccine ConceptMap, unknown
// dates as a data-absent-reason on occurrenceDateTime, primarySource false for reported doses.
import type { Immunization } from 'fhir/r4';
import { itemKey, type EpisodeScope, type MappingContext } from './context';
import { concept } from './terminology';

export function mapImmunizations(ctx: MappingContext, ep: EpisodeScope): void {
  const rule = ctx.rules.immunization;
  for (const path of ctx.src.elements(`${ep.path}.vaccinations`)) {
    const vaccine = ctx.src.string(`${path}.vaccine`) ?? '';
    const date = ctx.src.string(`${path}.date`);
    const source = ctx.src.string(`${path}.source`) ?? '';
    const dose = ctx.src.number(`${path}.doseNumber`);
    const lot = ctx.src.string(`${path}.lotNumber`);
    const vaccineCode = concept(ctx.rules, rule.conceptMap, vaccine);
    if (!vaccineCode.coding)
      ctx.warn(`vaccine '${vaccine}' is not in the vaccine ConceptMap; text only`, `${path}.vaccine`);
    const origin = rule.sources[source];
    ctx.addItem(ep, `${rule.item}/${itemKey(ctx.src, path)}`, (identifier) => {
      const imm: Immunization = {
        resourceType: 'Immunization',
        meta: ctx.meta(rule.profile),
        identifier: [identifier],
        status: 'completed',
        vaccineCode,
        patient: ctx.patient,
        encounter: ep.encounter,
      };
      if (date !== undefined) imm.occurrenceDateTime = date;
      else imm._occurrenceDateTime = ctx.dataAbsent(rule.absentDate);
      imm.recorded = ep.date;
      imm.primarySource = origin?.primarySource ?? false;
      if (origin?.reportOrigin) imm.reportOrigin = structuredClone(origin.reportOrigin);
      if (lot !== undefined) imm.lotNumber = lot;
      if (dose !== undefined) imm.protocolApplied = [{ doseNumberPositiveInt: dose }];
      return imm;
    });
  }
}
