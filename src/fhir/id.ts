// The FHIR id rule (datatypes.html#id): 1 to 64 of [A-Za-z0-9-.], and never `.` or `..`, which are path segments.
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isFhirId(id: string): boolean {
  return ID.test(id) && id !== '.' && id !== '..';
}

export const FHIR_ID_RULE = 'FHIR ids are 1 to 64 of [A-Za-z0-9-.], and not "." or ".."';
