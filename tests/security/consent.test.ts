// Privacy Consent decisions (consent.html; issue 16 point 7), one provision shape at a time, with the expected
// decision written from the rule: deny keeps ordinary data from the clinic; restricted data opens only through a
// permit naming a restricted label; actors, classes and periods limit what a provision speaks of; deny wins.
import type { Consent, ConsentProvision } from 'fhir/r4';
import { consentDecision } from '../../src/security/consent';

const SDV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SDV' };
const consent = (provision: ConsentProvision): Consent => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ code: 'patient-privacy' }] },
  category: [],
  provision,
});
const actor = (org: string) => [{ role: { text: 'care' }, reference: { reference: `Organization/${org}` } }];
const cls = (type: string) => [{ system: 'http://hl7.org/fhir/resource-types', code: type }];
const NOW = '2026-12-08T10:00:00Z';

it.each<[string, ConsentProvision, string, string, { denied: boolean; opened: boolean }]>([
  ['no provision beyond permit', { type: 'permit' }, 'B', 'Observation', { denied: false, opened: false }],
  ['a blanket deny', { type: 'deny' }, 'B', 'Observation', { denied: true, opened: false }],
  [
    'deny to another clinic only',
    { type: 'permit', provision: [{ type: 'deny', actor: actor('C') }] },
    'B',
    'Observation',
    { denied: false, opened: false },
  ],
  [
    'deny to this clinic',
    { type: 'permit', provision: [{ type: 'deny', actor: actor('B') }] },
    'B',
    'Observation',
    { denied: true, opened: false },
  ],
  [
    'deny of Observations alone, asked of Observation',
    { type: 'permit', provision: [{ type: 'deny', class: cls('Observation') }] },
    'B',
    'Observation',
    { denied: true, opened: false },
  ],
  [
    'deny of Observations alone, asked of Condition',
    { type: 'permit', provision: [{ type: 'deny', class: cls('Observation') }] },
    'B',
    'Condition',
    { denied: false, opened: false },
  ],
  [
    'a deny whose period has ended',
    { type: 'deny', period: { end: '2025-01-01' } },
    'B',
    'Observation',
    { denied: false, opened: false },
  ],
  [
    'a deny not yet begun',
    { type: 'permit', provision: [{ type: 'deny', period: { start: '2027-01-01' } }] },
    'B',
    'Observation',
    { denied: false, opened: false },
  ],
  [
    'GBV data opened to this clinic',
    { type: 'permit', provision: [{ type: 'permit', actor: actor('B'), securityLabel: [SDV] }] },
    'B',
    'Observation',
    { denied: false, opened: true },
  ],
  [
    'GBV data opened to another clinic',
    { type: 'permit', provision: [{ type: 'permit', actor: actor('C'), securityLabel: [SDV] }] },
    'B',
    'Observation',
    { denied: false, opened: false },
  ],
  [
    'a permit without a label does not open GBV data',
    { type: 'permit', provision: [{ type: 'permit', actor: actor('B') }] },
    'B',
    'Observation',
    { denied: false, opened: false },
  ],
  [
    'GBV opened but everything denied: deny wins',
    { type: 'deny', provision: [{ type: 'permit', actor: actor('B'), securityLabel: [SDV] }] },
    'B',
    'Observation',
    { denied: true, opened: false },
  ],
])('%s', (_name, provision, clinic, type, expected) => {
  expect(consentDecision([consent(provision)], clinic, type, NOW)).toEqual(expected);
});

it('of two Consents, a deny in either wins', () => {
  const open = consent({
    type: 'permit',
    provision: [{ type: 'permit', actor: actor('B'), securityLabel: [SDV] }],
  });
  const closed = consent({ type: 'deny' });
  expect(consentDecision([open, closed], 'B', 'Observation', NOW)).toEqual({ denied: true, opened: false });
  expect(consentDecision([open], 'B', 'Observation', NOW)).toEqual({ denied: false, opened: true });
});
