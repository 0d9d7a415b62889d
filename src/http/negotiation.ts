// Content negotiation for JSON-only FHIR (http.html#mime-type, http.html#parameters `_format`).
import { fail } from '../fhir/outcome';
import type { BodyKind } from '../interactions/types';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const JSON_FORMATS = new Set([
  'json',
  'application/json',
  'application/fhir+json',
  'application/json+fhir',
  'text/json',
]);
const JSON_ACCEPT = /^(application\/(fhir\+json|json\+fhir|json|\*)|\*\/\*|text\/json)$/;

/** Throws 406 unless the `_format` parameter or the Accept header allows JSON. */
export function negotiateResponseFormat(format: string | undefined, accept: string | undefined): void {
  if (format !== undefined) {
    const f = format.split(';')[0]!.trim().toLowerCase();
    if (!JSON_FORMATS.has(f)) {
      throw fail(
        406,
        'not-supported',
        `_format=${format} is not supported: this server answers in JSON only`,
        '_format',
      );
    }
    return;
  }
  if (accept === undefined || accept.trim() === '') return;
  const acceptable = accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return JSON_ACCEPT.test(type ?? '') && (q === undefined || Number(q.slice(2)) > 0);
  });
  if (!acceptable) {
    throw fail(
      406,
      'not-supported',
      `Accept: ${accept} is not supported: this server answers application/fhir+json only`,
    );
  }
}

/** Classifies a request body by its Content-Type; throws 415 for anything else. */
export function requestBodyKind(contentType: string | undefined): BodyKind {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (mime) {
    case 'application/fhir+json':
    case 'application/json+fhir':
    case 'application/json':
      return 'resource';
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/x-www-form-urlencoded':
      return 'form';
    case 'text/csv':
      return 'csv';
    default:
      throw fail(
        415,
        'not-supported',
        contentType
          ? `Content-Type ${contentType} is not supported: send application/fhir+json`
          : 'The request has a body but no Content-Type: send application/fhir+json',
      );
  }
}
