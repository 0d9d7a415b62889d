// CSV: RFC 4180 quoting, UTF-8 (Arabic), one row per episode grouped by e-PHR id, typed cells.
import { parseCsv, parseCsvRows } from '../../src/mapping';

describe('parseCsvRows', () => {
  it('handles quotes, doubled quotes, commas and line breaks inside fields, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","line1\nline2"\r\n1,,3\n';
    expect(parseCsvRows(text)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'line1\nline2'],
      ['1', '', '3'],
    ]);
  });

  it('rejects an unterminated quoted field', () => {
    expect(() => parseCsvRows('a\n"open')).toThrow(/unterminated/);
  });
});

describe('parseCsv', () => {
  const header =
    'ephr_id,family_name,given_names,name_as_written,name_as_written_script,episode_id,episode_date,weight,weight_unit,unaccompanied_minor,phq9_answers';
  const text = [
    header,
    'A-1,Haddad,Yusuf;Ali,يوسف حداد,Arab,E1,2024-01-02,70.5,kg,no,1;2;0;0;1;0;0;0;0',
    'A-1,Haddad,Yusuf;Ali,يوسف حداد,Arab,E2,2024-02-03,71,kg,no,',
    'B-2,"O\'Neil, Jr",Sam,,,E1,2024-01-05,,,yes,',
  ].join('\n');

  it('groups rows by e-PHR id into records with one episode per row', () => {
    const records = parseCsv(text);
    expect(records.map((r) => r.ephrId)).toEqual(['A-1', 'B-2']);
    expect((records[0]?.episodes as unknown[]).length).toBe(2);
  });

  it('types cells and keeps Arabic text intact', () => {
    const [a, b] = parseCsv(text);
    expect(a?.identification).toEqual({
      names: [
        { family: 'Haddad', given: ['Yusuf', 'Ali'] },
        { text: 'يوسف حداد', script: 'Arab' },
      ],
    });
    expect((a?.episodes as Record<string, unknown>[])[0]).toEqual({
      episodeId: 'E1',
      date: '2024-01-02',
      vitals: { weight: { value: 70.5, unit: 'kg' } },
      mentalHealth: { phq9: { answers: [1, 2, 0, 0, 1, 0, 0, 0, 0] } },
    });
    expect(a?.migration).toEqual({ unaccompaniedMinor: false });
    expect((b?.identification as { names: unknown[] }).names).toEqual([
      { family: "O'Neil, Jr", given: ['Sam'] },
    ]);
  });

  it('keeps unknown columns under csv so that the report lists them', () => {
    const [r] = parseCsv('ephr_id,blood_group\nC-3,O+');
    expect(r?.csv).toEqual({ blood_group: 'O+' });
  });
});
