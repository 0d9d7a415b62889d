// The target path language of the mapping rules (mappings/README.md) and the Provenance of an import.
import { ensurePath, setPath } from '../../src/mapping/paths';
import { byType, clinic, mapFixture, resources } from './fixtures';
import { mapRecord } from '../../src/mapping';

describe('target paths', () => {
  it('finds or creates selected elements, with URLs full of dots as keys', () => {
    const r: Record<string, unknown> = {};
    setPath(r, 'extension[url=http://x.org/a.b].extension[url=code].valueString', 'one');
    setPath(r, 'extension[url=http://x.org/a.b].extension[url=other].valueBoolean', true);
    expect(r).toEqual({
      extension: [
        {
          url: 'http://x.org/a.b',
          extension: [
            { url: 'code', valueString: 'one' },
            { url: 'other', valueBoolean: true },
          ],
        },
      ],
    });
  });

  it('appends with [+] and indexes with [n]', () => {
    const r: Record<string, unknown> = {};
    ensurePath(r, 'name[+]').family = 'A';
    ensurePath(r, 'name[+]').family = 'B';
    setPath(r, 'name[1].given[+]', 'x');
    setPath(r, 'contained[id=loc,resourceType=Location].name', 'Site');
    expect(r).toEqual({
      name: [{ family: 'A' }, { family: 'B', given: ['x'] }],
      contained: [{ id: 'loc', resourceType: 'Location', name: 'Site' }],
    });
  });

  it('rejects a malformed path', () => {
    expect(() => setPath({}, 'a[url=x', 1)).toThrow();
  });
});

describe('Provenance', () => {
  it('names the source record and the importing clinic, and targets every other entry', () => {
    const { bundle } = mapFixture('01-syrian-family-father');
    const prov = byType(bundle, 'Provenance')[0];
    expect(prov?.recorded).toBe('2024-01-10T09:00:00Z');
    expect(prov?.agent[0]?.who).toEqual({ display: clinic.name, identifier: { value: clinic.id } });
    expect(prov?.entity?.[0]).toMatchObject({
      role: 'source',
      what: { identifier: { system: 'http://ephr-fhir.org/fhir/sid/ephr-id', value: 'GR-2023-000101' } },
    });
    expect(prov?.target).toHaveLength(resources(bundle).length - 1);
  });

  it('uses the import time only when the record has no export time, and says so', () => {
    const record = {
      ephrId: 'T-9',
      identification: { names: [{ text: 'X' }] },
      episodes: [{ episodeId: 'E1', date: '2024-01-01' }],
    };
    const { bundle, report } = mapRecord(record, { clinic, now: '2024-05-05T00:00:00Z' });
    expect(byType(bundle, 'Provenance')[0]?.recorded).toBe('2024-05-05T00:00:00Z');
    expect(report.issues.map((i) => i.expression)).toEqual([['exportedAt']]);
  });
});
