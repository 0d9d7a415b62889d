/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
    // fhir-kit-client 2, jose 6, oidc-provider 9 and express-rate-limit 8 ship ES modules only; jest runs CommonJS,
    // so their files are transpiled like ours (Node itself loads them with require).
    '^.+/node_modules/(fhir-kit-client|jose|oidc-provider|express-rate-limit)/.+\\.js$': [
      'ts-jest',
      { tsconfig: 'tsconfig.jest.json', diagnostics: false },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose|oidc-provider|express-rate-limit)/)'],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  // One embedded FerretDB serves the whole run; each test file uses a database of its own.
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that holds more than this after a test file is replaced: files that build large bodies (bounds, fuzzing)
  // and load the authorization server otherwise add up in one worker's heap.
  workerIdleMemoryLimit: '1GB',
};
