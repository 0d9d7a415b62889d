// Configuration: defaults, and errors that name the bad variable.
import { ConfigError, loadConfig } from '../src/config';

it('has the documented defaults', () => {
  const c = loadConfig({});
  expect(c.port).toBe(8080);
  expect(c.baseUrl).toBe('http://localhost:8080/fhir');
  expect(c.mongodbUri).toBeUndefined();
  expect(c.maxBodyBytes).toBe(5 * 1024 * 1024);
  expect(c).toMatchObject({
    searchMaxChainDepth: 3,
    searchMaxChainResults: 10_000,
    searchMaxIncludes: 1000,
    searchMaxIncludeIterations: 4,
    searchMaxParameters: 64,
    searchMaxValues: 100,
    searchMaxValueLength: 1024,
    maxIndexedStringLength: 65_536,
    dbMaxTimeMs: 10_000,
  });
  expect(loadConfig({ SEARCH_MAX_CHAIN_DEPTH: '5' }).searchMaxChainDepth).toBe(5);
  expect(loadConfig({ PORT: '9000' }).baseUrl).toBe('http://localhost:9000/fhir');
  expect(loadConfig({ BASE_URL: 'https://x.org/fhir/' }).baseUrl).toBe('https://x.org/fhir');
});

it.each([
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['BASE_URL', 'not a url'],
  ['MONGODB_URI', 'postgres://x'],
  ['LOG_LEVEL', 'loud'],
  ['MAX_BODY_SIZE', 'big'],
  ['DB_NAME', 'Has-Dash'],
  ['SEARCH_MAX_CHAIN_DEPTH', '0'],
  ['SEARCH_MAX_CHAIN_DEPTH', 'deep'],
  ['SEARCH_MAX_CHAIN_RESULTS', '0'],
  ['SEARCH_MAX_INCLUDES', '-1'],
  ['SEARCH_MAX_INCLUDE_ITERATIONS', '11'],
  ['SEARCH_MAX_PARAMETERS', '0'],
  ['SEARCH_MAX_VALUES', 'many'],
  ['SEARCH_MAX_VALUE_LENGTH', '8'],
  ['MAX_INDEXED_STRING_LENGTH', '10'],
  ['DB_MAX_TIME_MS', '50'],
])('rejects %s=%s naming the variable', (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [name]: value })).toThrow(name);
});

it('asks for tokens unless the development bypass is named, which listens on loopback alone', () => {
  const c = loadConfig({});
  expect([c.auth.devUnauthenticated, c.host, c.auth.audience]).toEqual([false, '0.0.0.0', c.baseUrl]);
  const dev = loadConfig({ DEV_UNAUTHENTICATED: 'loopback' });
  expect([dev.auth.devUnauthenticated, dev.host]).toEqual([true, '127.0.0.1']);
  expect(() => loadConfig({ DEV_UNAUTHENTICATED: 'loopback', HOST: '0.0.0.0' })).toThrow('HOST');
  for (const value of ['1', 'true', 'yes'])
    expect(() => loadConfig({ DEV_UNAUTHENTICATED: value })).toThrow('DEV_UNAUTHENTICATED');
});

it.each([
  ['AUTH_ISSUER', 'keycloak'],
  ['AUTH_JWKS_URL', 'ftp://x/jwks'],
  ['CORS_ORIGINS', 'https://a.org/path'],
  ['BREAK_GLASS_MINUTES', '0'],
])('rejects %s=%s naming the variable (security settings)', (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(name);
});
