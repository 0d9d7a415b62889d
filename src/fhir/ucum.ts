// UCUM (terminologies.html#unit, https://ucum.org): the system url, and conversion between units through
// @lhncbc/ucum-lhc, which knows every UCUM unit (special ones such as [degF] and Cel too); no table of our own.
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';

export const UCUM = 'http://unitsofmeasure.org';

interface Conversion {
  status: string;
  toVal: number | null;
}

let utils: { convertUnitTo(from: string, value: number, to: string): Conversion } | undefined;

/** `value` in `from` expressed in `to` (UCUM codes), or undefined when either is no UCUM unit or they differ in kind. */
export function convertUnit(value: number, from: string, to: string): number | undefined {
  if (from === to) return value;
  utils ??= UcumLhcUtils.getInstance() as typeof utils;
  const r = utils?.convertUnitTo(from, value, to);
  return r?.status === 'succeeded' && typeof r.toVal === 'number' ? r.toVal : undefined;
}
