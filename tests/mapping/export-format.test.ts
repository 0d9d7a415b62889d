// Another export layout is a data file in mappings/formats/: the example format turns its version of fixture 01 into
// the same e-PHR record, hence the same Bundle, and what no move reads is reported as not mapped.
import fs from 'node:fs';
import path from 'node:path';
import { exportFormat, exportFormats, fromExport } from '../../src/mapping/export-format';
import { mapRecord } from '../../src/mapping';
import { OperationOutcomeError } from '../../src/fhir/outcome';
import { clinic, expectGolden, fixturesDir, loadFixture, now } from './fixtures';

const FORMAT = 'example-clinic-export';
const exported = (name: string): Record<string, unknown> =>
  loadFixture(name, path.join(fixturesDir, 'formats', FORMAT));

describe('export formats', () => {
  it('lists the formats in mappings/formats and refuses an unknown one with a 400 naming them', () => {
    expect([...exportFormats().keys()]).toContain(FORMAT);
    let err: unknown;
    try {
      exportFormat('no-such-format');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect((err as OperationOutcomeError).status).toBe(400);
    expect((err as OperationOutcomeError).issues[0]?.diagnostics).toContain(FORMAT);
  });

  it('turns the example export of fixture 01 into fixture 01, keeping the unread field under export.', () => {
    const { export: extra, ...record } = fromExport(
      exported('01-syrian-family-father'),
      exportFormat(FORMAT),
    );
    expect(record).toEqual(loadFixture('01-syrian-family-father'));
    expect(extra).toEqual({ visits: [{ ward: 'Health unit B' }] });
  });

  it('maps it to the golden Bundle of fixture 01 and reports the unread field, with nothing else unmapped', () => {
    const record = fromExport(exported('01-syrian-family-father'), exportFormat(FORMAT));
    const { bundle, report } = mapRecord(record, { clinic, now });
    expectGolden('01-syrian-family-father.bundle.json', bundle);
    expect(report.unmapped.map((u) => u.path)).toEqual(['export.visits[0].ward']);
  });

  it('recodes values and writes constants', () => {
    const record = fromExport(
      { person: { sex: 'F', surname: 'Osman' }, visits: [{ vaccines: [{ name: 'MMR', given_on: '2024' }] }] },
      exportFormat(FORMAT),
    );
    expect(record).toEqual({
      identification: {
        sex: 'female',
        names: [{ form: 'transliterated', script: 'Latn', family: 'Osman' }, { form: 'as-written' }],
      },
      episodes: [{ vaccinations: [{ vaccine: 'MMR', date: '2024' }] }],
    });
  });

  it('every format file parses and names only moves with a target', () => {
    const dir = path.join(fixturesDir, '..', '..', 'mappings', 'formats');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const walk = (moves: Array<{ to?: unknown; each?: unknown[] }>): void => {
        for (const m of moves) {
          expect(typeof m.to).toBe('string');
          if (m.each) walk(m.each as typeof moves);
        }
      };
      walk((JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { moves: [] }).moves);
    }
  });
});
