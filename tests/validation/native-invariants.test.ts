// Core invariants evaluated in code give the fhirpath package's answers, or give up and leave them to it.
import * as fhirpath from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';
import { isGiveUp } from '../../src/validation/fastpath';
import { nativeInvariant } from '../../src/validation/native-invariants';

type Json = Record<string, unknown>;

const QUE_2 = 'descendants().linkId.isDistinct()';
const TRD_3 =
  "(type = 'named-event' implies name.exists()) and (type = 'periodic' implies timing.exists()) and (type.startsWith('data-') implies data.exists())";

function nativeAnswer(key: string, expression: string, node: Json): unknown {
  const evaluate = nativeInvariant(key, expression);
  if (!evaluate) throw new Error(`${key} is not evaluated natively`);
  try {
    return evaluate(node);
  } catch (e) {
    if (isGiveUp(e)) return 'gives up';
    throw e;
  }
}

const q = (item: unknown[], extra: Json = {}): Json => ({
  resourceType: 'Questionnaire',
  status: 'draft',
  item,
  ...extra,
});

describe('natively evaluated invariants', () => {
  const cases: [string, string, string, Json, unknown][] = [
    [
      'que-2',
      QUE_2,
      'Questionnaire',
      q([{ linkId: 'a', type: 'group', item: [{ linkId: 'b', type: 'string' }] }]),
      [true],
    ],
    [
      'que-2',
      QUE_2,
      'Questionnaire',
      q([{ linkId: 'a', type: 'group', item: [{ linkId: 'a', type: 'string' }] }]),
      [false],
    ],
    [
      'que-2',
      QUE_2,
      'Questionnaire',
      q([
        { linkId: 'a', type: 'string' },
        { linkId: 'b', type: 'string' },
      ]),
      [true],
    ],
    [
      'que-2',
      QUE_2,
      'Questionnaire',
      q([{ linkId: 'a', type: 'string' }], {
        contained: [
          { resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: 'a', type: 'string' }] },
        ],
      }),
      [false],
    ],
    ['que-2', QUE_2, 'Questionnaire', { resourceType: 'Questionnaire', status: 'draft' }, [true]],
    [
      'que-2',
      QUE_2,
      'Questionnaire',
      q([{ linkId: 'a', _linkId: { extension: [{ url: 'x', valueString: 'y' }] }, type: 'string' }]),
      'gives up',
    ],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'named-event', name: 'x' }, [true]],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'named-event' }, [false]],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'periodic', timingDate: '2020-01-01' }, [true]],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'periodic', name: 'x' }, [false]],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'data-changed', data: [{ type: 'Observation' }] }, [true]],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'data-added' }, [false]],
    ['trd-3', TRD_3, 'TriggerDefinition', { name: 'x' }, []],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: 'named-event', _name: { extension: [] } }, 'gives up'],
    ['trd-3', TRD_3, 'TriggerDefinition', { type: ['named-event', 'periodic'] }, 'gives up'],
  ];

  it.each(cases)('%s on %#: the package answer', (key, expression, base, node, expected) => {
    const got = nativeAnswer(key, expression, node);
    expect(got).toEqual(expected);
    if (got !== 'gives up') expect(got).toEqual(fhirpath.evaluate(node, { base, expression }, {}, r4));
  });

  it('applies only to the core expressions', () => {
    expect(nativeInvariant('que-2', 'item.linkId.isDistinct()')).toBeUndefined();
    expect(nativeInvariant('que-1', QUE_2)).toBeUndefined();
  });
});
