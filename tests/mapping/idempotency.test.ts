// Idempotent import: stable identifiers and fullUrls, conditional requests, only changed items change.
import type { BundleEntry, FhirResource } from 'fhir/r4';
import { mapRecord } from '../../src/mapping';
import { clinic, fixtureNames, itemIdentifier, loadFixture, mapFixture, now } from './fixtures';

const ITEM = 'http://ephr-fhir.org/fhir/sid/ephr-item';

describe('idempotent mapping', () => {
  it('maps the same record to the same Bundle twice', () => {
    for (const name of fixtureNames()) expect(mapFixture(name).bundle).toEqual(mapFixture(name).bundle);
  });

  it('gives every resource a stable identifier and a conditional request on it', () => {
    for (const name of fixtureNames()) {
      const entries = mapFixture(name).bundle.entry ?? [];
      for (const e of entries) {
        const r = e.resource as FhirResource | undefined;
        if (!r) throw new Error('entry without resource');
        expect(e.fullUrl).toMatch(
          /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        if (r.resourceType === 'Provenance') {
          expect(e.request).toEqual({ method: 'PUT', url: `Provenance/${r.id ?? ''}` });
        } else if (r.resourceType === 'Patient') {
          expect(e.request?.url).toBe(
            `Patient?identifier=${encodeURIComponent(`http://ephr-fhir.org/fhir/sid/ephr-id|${String(loadFixture(name).ephrId)}`)}`,
          );
        } else {
          const value = itemIdentifier(r);
          expect(value).toMatch(new RegExp(`^${String(loadFixture(name).ephrId)}/[^/]+/.+`));
          expect(e.request).toEqual({
            method: 'PUT',
            url: `${r.resourceType}?identifier=${encodeURIComponent(`${ITEM}|${value ?? ''}`)}`,
          });
        }
      }
      expect(new Set(entries.map((e) => e.fullUrl)).size).toBe(entries.length);
    }
  });

  it('changes only the entries of what changed in an updated record', () => {
    const before = loadFixture('13-hepatitis-b-positive');
    const after = structuredClone(before) as { episodes: { labs: { result: string }[] }[] };
    const lab = after.episodes[0]?.labs[2];
    if (!lab) throw new Error('fixture changed');
    lab.result = 'positive';
    const a = mapRecord(before, { clinic, now }).bundle.entry ?? [];
    const b = mapRecord(after, { clinic, now }).bundle.entry ?? [];
    const changed = (x: BundleEntry[], y: BundleEntry[]) =>
      x
        .filter((e, i) => JSON.stringify(e) !== JSON.stringify(y[i]))
        .map((e) => itemIdentifier(e.resource as never));
    expect(b.map((e) => e.fullUrl)).toEqual(a.map((e) => e.fullUrl));
    expect(changed(a, b)).toEqual(['GR-2023-000113/E1/lab/hcv']);
  });

  it('adds entries for an added episode and keeps the others as they were', () => {
    const before = loadFixture('20-minimal') as { episodes: unknown[] };
    const after = structuredClone(before);
    after.episodes.push({
      episodeId: 'E2',
      date: '2024-02-01',
      vitals: { weight: { value: 30, unit: 'kg' } },
    });
    const a = mapRecord(before, { clinic, now }).bundle.entry ?? [];
    const b = mapRecord(after, { clinic, now }).bundle.entry ?? [];
    const key = (e: BundleEntry) => JSON.stringify(e);
    const kept = a.filter((e) => e.resource?.resourceType !== 'Provenance');
    expect(kept.every((e) => b.some((x) => key(x) === key(e)))).toBe(true);
    expect(b.length - a.length).toBe(2);
  });
});
