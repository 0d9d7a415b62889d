// GBV safety: answers follow the Questionnaire, labels SDV + R, declined / not asked never read as "no violence",
// and no Condition from a screening answer.
import type { FhirResource, Observation } from 'fhir/r4';
import { mapRecord } from '../../src/mapping';
import { byType, clinic, itemIdentifier, loadFixture, mapFixture, now, resources } from './fixtures';

const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
const R = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
const labelled = (r: FhirResource) =>
  [SDV, R].every((l) => r.meta?.security?.some((s) => s.system === l.system && s.code === l.code));
const gbvItems = (rs: FhirResource[]) => rs.filter((r) => itemIdentifier(r)?.includes('/gbv/'));
const dar = (o: Observation | undefined) => o?.dataAbsentReason?.coding?.[0]?.code;

describe('GBV clinical enquiry', () => {
  it('labels the QuestionnaireResponse, its Observations and referrals SDV + R', () => {
    const rs = resources(mapFixture('08-gbv-disclosed').bundle);
    const gbv = gbvItems(rs);
    expect(gbv.map((r) => r.resourceType).sort()).toEqual([
      ...Array<string>(5).fill('Observation'),
      'QuestionnaireResponse',
      'ServiceRequest',
      'ServiceRequest',
    ]);
    expect(gbv.every(labelled)).toBe(true);
    // Labels stay on GBV content: vital signs, labs and a non-GBV diagnosis are not labelled.
    const others = rs.filter((r) => !gbvItems(rs).includes(r) && r.resourceType !== 'Condition');
    expect(others.some(labelled)).toBe(false);
  });

  it('labels what a disclosure episode derives from the enquiry: PEP, emergency contraception, flagged items, CMR referral', () => {
    const rs = resources(mapFixture('25-gbv-pep').bundle);
    const state = (r: FhirResource) =>
      `${itemIdentifier(r) ?? r.resourceType} ${labelled(r) ? 'SDV+R' : '-'}`;
    expect(rs.filter((r) => itemIdentifier(r)?.includes('/E1/')).map(state)).toEqual([
      'IT-2024-000125/E1/encounter -',
      'IT-2024-000125/E1/gbv/response SDV+R',
      'IT-2024-000125/E1/gbv/referral/medical-cmr SDV+R',
      'IT-2024-000125/E1/treatment/t1 SDV+R', // HIV post-exposure prophylaxis (PEP)
      'IT-2024-000125/E1/treatment/t2 SDV+R', // emergency contraception
      'IT-2024-000125/E1/treatment/t3 SDV+R', // flagged gbvRelated by the clinician
      'IT-2024-000125/E1/treatment/t4 -', // paracetamol
      'IT-2024-000125/E1/referral/r1 SDV+R', // reason: clinical management of rape
      'IT-2024-000125/E1/referral/r2 SDV+R', // flagged gbvRelated
      'IT-2024-000125/E1/referral/r3 -', // dental caries
      'IT-2024-000125/E1/follow-up SDV+R', // note: PEP adherence
    ]);
  });

  it('a treatment named like a response to violence is not labelled where no violence was disclosed', () => {
    const record = loadFixture('25-gbv-pep') as { episodes: Array<Record<string, unknown>> };
    delete record.episodes[0]!.gbv;
    const rs = resources(mapRecord(record, { clinic, now }).bundle);
    const pep = rs.find((r) => itemIdentifier(r) === 'IT-2024-000125/E1/treatment/t1');
    expect(pep && labelled(pep)).toBe(false); // PEP alone may follow a needle-stick injury
    const cmr = rs.find((r) => itemIdentifier(r) === 'IT-2024-000125/E1/referral/r1');
    expect(cmr && labelled(cmr)).toBe(true); // "rape" in the reason is GBV content in any episode
  });

  it('follows the Questionnaire linkIds', () => {
    const qr = byType(mapFixture('08-gbv-disclosed').bundle, 'QuestionnaireResponse')[0];
    expect(qr?.questionnaire).toBe('http://ephr-fhir.org/fhir/Questionnaire/gbv-clinical-enquiry');
    expect(qr?.item?.map((i) => [i.linkId, i.item?.map((x) => x.linkId)])).toEqual([
      ['gbv-0', ['gbv-0.1', 'gbv-0.2', 'gbv-0.3', 'gbv-0.4', 'gbv-0.5']],
      ['gbv-1', ['76500-8', '76501-6', '76502-4', '76503-2', '76504-0']],
      ['gbv-3', ['gbv-3.1', 'gbv-3.2', 'gbv-3.3', 'gbv-3.3a', 'gbv-3.4', 'gbv-3.5', 'gbv-3.6']],
      ['gbv-4', ['gbv-4.1', 'gbv-4.2', 'gbv-4.3', 'gbv-4.4', 'gbv-4.5', 'gbv-4.6']],
    ]);
  });

  it('scores HARK (positive at 1 or more) and derives the total from the QuestionnaireResponse', () => {
    const { bundle } = mapFixture('08-gbv-disclosed');
    const total = byType(bundle, 'Observation').find(
      (o) => itemIdentifier(o) === 'GR-2023-000108/E1/gbv/hark-total',
    );
    const qrUrl = bundle.entry?.find((e) => e.resource?.resourceType === 'QuestionnaireResponse')?.fullUrl;
    expect(total?.valueQuantity?.value).toBe(3);
    expect(total?.interpretation?.[0]?.coding?.[0]?.code).toBe('POS');
    expect(total?.derivedFrom).toEqual([{ reference: qrUrl }]);
    expect(total?.hasMember).toHaveLength(4);
  });

  it('creates Conditions only from the clinician diagnoses, never from an answer', () => {
    const conditions = byType(mapFixture('08-gbv-disclosed').bundle, 'Condition');
    expect(conditions.map((c) => c.code?.coding?.[0]?.code)).toEqual(['T74.1', 'G47.0']);
    expect(labelled(conditions[0] as FhirResource)).toBe(true);
    expect(labelled(conditions[1] as FhirResource)).toBe(false);
    const record = loadFixture('08-gbv-disclosed') as { episodes: Record<string, unknown>[] };
    delete record.episodes[0]?.diagnoses;
    expect(byType(mapRecord(record, { clinic }).bundle, 'Condition')).toEqual([]);
  });

  it('records a declined enquiry as asked-declined, with no score and no negative', () => {
    const obs = byType(mapFixture('09-gbv-declined').bundle, 'Observation');
    expect(obs).toHaveLength(1);
    expect(dar(obs[0])).toBe('asked-declined');
    expect(obs[0]?.valueQuantity).toBeUndefined();
    expect(obs[0]?.interpretation).toBeUndefined();
  });

  it('leaves out an answer the Questionnaire does not enable, and reports it with the reason', () => {
    const record = loadFixture('08-gbv-disclosed');
    const incident = (record.episodes as Array<{ gbv: { incident: Record<string, unknown> } }>)[0]!.gbv
      .incident;
    incident.types = ['physical-assault']; // no rape or sexual assault: gbv-3.4 is not enabled
    incident.timeSinceSexualViolence = 'unknown';
    const { bundle, report } = mapRecord(record, { clinic, now });
    const qr = byType(bundle, 'QuestionnaireResponse')[0];
    const linkIds = qr?.item?.flatMap((i) => (i.item ?? []).map((x) => x.linkId));
    expect(linkIds).not.toContain('gbv-3.4');
    expect(report.unmapped).toContainEqual({
      path: 'episodes[0].gbv.incident.timeSinceSexualViolence',
      value: 'unknown',
      reason: 'not asked: gbv-3.4 is enabled only when types is rape or sexual-assault',
    });
  });

  it('records an enquiry not asked (preconditions not met) as not-asked, with the reason', () => {
    const { bundle } = mapFixture('10-gbv-not-asked-preconditions');
    const obs = byType(bundle, 'Observation');
    expect(obs.map(dar)).toEqual(['not-asked']);
    expect(obs[0]?.note?.[0]?.text).toContain('preconditions-not-met');
    const qr = byType(bundle, 'QuestionnaireResponse')[0];
    expect(qr?.item?.map((i) => i.linkId)).toEqual(['gbv-0']);
    expect(qr?.status).toBe('stopped');
  });

  it('keeps a declined item as declined and leaves the total unknown, not zero', () => {
    const { bundle } = mapFixture('18-hits-item-declined');
    const find = (key: string) =>
      byType(bundle, 'Observation').find((o) => itemIdentifier(o) === `GR-2023-000118/E1/gbv/${key}`);
    expect(dar(find('hark/76501-6'))).toBe('asked-declined');
    expect(dar(find('hark-total'))).toBe('asked-declined');
    expect(dar(find('hits-total'))).toBe('asked-declined');
    const qr = byType(bundle, 'QuestionnaireResponse')[0];
    const afraid = qr?.item?.[1]?.item?.find((i) => i.linkId === '76501-6');
    expect(afraid).toEqual({
      linkId: '76501-6',
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'asked-declined' },
      ],
    });
    // "declined" as a referral choice creates no ServiceRequest.
    expect(byType(bundle, 'ServiceRequest')).toEqual([]);
  });

  it('scores HITS in the antenatal enquiry (negative under 11)', () => {
    const { bundle } = mapFixture('12-pregnancy-anc');
    const total = byType(bundle, 'Observation').find(
      (o) => itemIdentifier(o) === 'GR-2023-000112/E1/gbv/hits-total',
    );
    expect(total?.valueQuantity?.value).toBe(6);
    expect(total?.interpretation?.[0]?.coding?.[0]?.code).toBe('NEG');
  });
});
