// Which requested SMART scopes an allowed-scope list grants: same context, the type or `*` (AuditEvent only by
// name), a subset of the actions, at least the allowed `?param` restrictions; malformed scopes are errors.
import { checkAllowedScopes, grantable } from '../../src/security/scope-grant';
import { ScopeError } from '../../src/security/scopes';

it.each([
  ['system/Patient.rs', 'system/*.cruds', ['system/Patient.rs']],
  ['system/Patient.read', 'system/*.rs', ['system/Patient.read']],
  ['system/Patient.write', 'system/*.rs', []],
  ['system/Patient.cruds', 'system/Patient.rs', []],
  ['user/Patient.rs', 'system/*.cruds', []],
  ['system/*.rs', 'system/Patient.rs', []],
  ['system/AuditEvent.rs', 'system/*.cruds', []],
  ['system/AuditEvent.rs', 'system/*.cruds system/AuditEvent.rs', ['system/AuditEvent.rs']],
  [
    'system/Observation.rs?category=laboratory',
    'system/Observation.rs',
    ['system/Observation.rs?category=laboratory'],
  ],
  ['system/Observation.rs', 'system/Observation.rs?category=laboratory', []],
  ['openid launch/patient system/Patient.r system/Patient.r', 'system/*.rs', ['system/Patient.r']],
])('%s with %s allowed grants %j', (requested, allowed, expected) => {
  expect(grantable(requested, allowed)).toEqual(expected);
});

it('grants what every allowed list covers (the application and the account)', () => {
  expect(grantable('user/Patient.rs user/Observation.cruds', 'user/*.cruds', 'user/*.rs')).toEqual([
    'user/Patient.rs',
  ]);
});

it('refuses malformed scopes, requested or allowed', () => {
  expect(() => grantable('system/Patient.search', 'system/*.rs')).toThrow(ScopeError);
  expect(() => checkAllowedScopes('openid')).toThrow(ScopeError);
  expect(() => checkAllowedScopes('  ')).toThrow(ScopeError);
  expect(checkAllowedScopes(' system/*.rs   user/Patient.r ')).toBe('system/*.rs user/Patient.r');
});
