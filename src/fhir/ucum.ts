// UCUM (terminologies.html#unit, https://ucum.org): the system url, conversion between units and the kind of
// quantity a unit measures, through @lhncbc/ucum-lhc, which knows every UCUM unit (special ones such as [degF] and
// Cel too); no table of our own.
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';

export const UCUM = 'http://unitsofmeasure.org';

interface Conversion {
  status: string;
  toVal: number | null;
}

/** The parts of ucum-lhc's parsed unit this module reads. */
interface ParsedUnit {
  dim_: { dimVec_: number[] };
  moleExp_: number;
  equivalentExp_: number;
  isArbitrary_: boolean;
}

interface Utils {
  convertUnitTo(from: string, value: number, to: string): Conversion;
  getSpecifiedUnit(code: string, use: string, suggest: boolean): { status: string; unit: ParsedUnit | null };
}

let utils: Utils | undefined;
const lhc = (): Utils => (utils ??= UcumLhcUtils.getInstance() as Utils);

/**
 * `value` in `from` expressed in `to` (UCUM codes), or undefined when either is no UCUM unit or they differ in kind,
 * also where ucum-lhc would convert: two dimensionless units of another property (mmol/mol is no %).
 */
export function convertUnit(value: number, from: string, to: string): number | undefined {
  if (from === to) return value;
  if (unitProperty(from) !== unitProperty(to)) return undefined;
  const r = lhc().convertUnitTo(from, value, to);
  return r.status === 'succeeded' && typeof r.toVal === 'number' ? r.toVal : undefined;
}

/**
 * The kind of quantity a unit measures, in LOINC's PROPERTY axis (loinc.org, "Property"): `MCnc` mass concentration
 * (g/L, mg/dL, ng/mL), `SCnc` substance concentration (mol/L, meq/L), `NCnc` number concentration (10*9/L, /uL),
 * `ACnc` arbitrary concentration ([iU]/L), `CCnc` catalytic concentration (U/L), `MFr` / `SFr` / `VFr` mass,
 * substance and volume fractions (mg/g, mmol/mol, mL/L), `Fr` a fraction of no stated kind (%, 1, {ratio}), `Mass`,
 * `Sub`, `Vol`, `Len`, `Pres`, `Temp`; undefined for a code that is no UCUM unit or of another kind.
 * Read from the unit's dimensions and its powers of mole and equivalent, never from a list of unit codes.
 */
export function unitProperty(code: string): string | undefined {
  const u = parse(code);
  if (!u) return undefined;
  const substance = u.moleExp_ !== 0 || u.equivalentExp_ !== 0;
  const dims = dimensions(u);
  if (dims === 'L-3') {
    if (u.isArbitrary_) return 'ACnc';
    return substance ? 'SCnc' : 'NCnc';
  }
  if (dims === 'L-3.M1') return substance ? undefined : 'MCnc';
  if (dims === 'L-3.T-1') return substance ? 'CCnc' : undefined;
  if (dims === '') return substance ? 'Sub' : fraction(code);
  if (substance) return undefined;
  return { M1: 'Mass', L3: 'Vol', L1: 'Len', 'L-1.T-2.M1': 'Pres', C1: 'Temp' }[dims];
}

/** A dimensionless unit: the kind of its numerator when it is a ratio of two units of one kind, else `Fr`. */
function fraction(code: string): string {
  const slash = code.indexOf('/');
  if (slash <= 0 || code.includes('(') || code.indexOf('/', slash + 1) >= 0) return 'Fr';
  const top = parse(code.slice(0, slash));
  if (!top) return 'Fr';
  if (top.moleExp_ !== 0 || top.equivalentExp_ !== 0) return 'SFr';
  const kind = dimensions(top);
  return kind === 'M1' ? 'MFr' : kind === 'L3' ? 'VFr' : 'Fr';
}

function parse(code: string): ParsedUnit | undefined {
  try {
    const r = lhc().getSpecifiedUnit(code, 'validate', false);
    return r.status === 'valid' && r.unit ? r.unit : undefined;
  } catch {
    return undefined;
  }
}

/** The unit's base dimensions as `L-3.M1` (length, time, mass, angle, temperature `C`, charge, luminosity). */
function dimensions(u: ParsedUnit): string {
  const names = ['L', 'T', 'M', 'A', 'C', 'Q', 'F'];
  return u.dim_.dimVec_
    .map((p, i) => (p === 0 ? '' : `${names[i] ?? '?'}${p}`))
    .filter(Boolean)
    .join('.');
}
