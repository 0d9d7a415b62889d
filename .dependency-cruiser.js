// The import directions of src/ (issue 15, point 5; README "Source map"), checked by `npm run deps` in `npm test`:
//
//   main.ts, server.ts (composition roots) and cli/ -> http/ -> security/ -> interactions/
//   interactions/ -> {storage/, search/, validation/, mapping/} -> fhir/
//   storage/ -> {search/, validation/};  mapping/ is pure: fhir/ alone, no database, no HTTP
//
// One difference from "interactions -> {storage, search, validation, mapping} -> fhir": storage/ may import search/
// and validation/, as the architecture has it (storage -> {validation, search}). The one write pipeline validates
// each resource and stores its search keys at write time (index at write, query the index at read), so storage
// uses search's extraction. Every other layer reaches storage through its port alone (src/storage/index.ts).
// Each layer lists what it may import; anything else under src/ is an error. Type-only imports count: a type is a
// dependency on the layer that owns it. Cycles are errors.

/** What each layer under src/ may import, besides itself. */
const LAYERS = {
  fhir: [],
  validation: ['fhir/'],
  search: ['fhir/'],
  mapping: ['fhir/'],
  storage: ['search/', 'validation/', 'fhir/'],
  interactions: [
    'storage/index.ts',
    'search/',
    'validation/',
    'mapping/',
    'fhir/',
    'config.ts',
    'version.ts',
    // who is asking: a type the request context carries
    'security/principal.ts',
    'security/scopes.ts',
  ],
  // Access rules, authentication and audit wrap the interactions' context of each request.
  security: ['interactions/', 'storage/index.ts', 'search/', 'fhir/', 'config.ts', 'version.ts'],
  // logger.ts: the one place that says what a log line may hold (safeError)
  http: ['interactions/', 'security/', 'fhir/', 'config.ts', 'logger.ts'],
  // The CLI opens the database through the composition root (server.ts) to import and reindex without HTTP, and
  // registers OAuth clients and accounts with the checks the authorization server's tests use.
  cli: [
    'interactions/',
    'mapping/',
    'fhir/',
    'config.ts',
    'server.ts',
    'security/accounts-admin.ts',
    'logger.ts',
  ],
};

const literal = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (paths) => `^src/(${paths.map((p) => literal(p) + (p.endsWith('.ts') ? '$' : '')).join('|')})`;

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `${layer}-imports`,
  comment: `src/${layer}/ imports only ${allowed.length ? allowed.join(', ') : 'itself'} (and project-root.ts)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: anyOf([`${layer}/`, 'project-root.ts', ...allowed]) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules form no cycle: a cycle makes two modules one, and its load order fragile',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'shared-modules-are-leaves',
      comment: 'config.ts, logger.ts, version.ts and project-root.ts import no layer',
      severity: 'error',
      from: { path: '^src/(config|logger|version|project-root)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(config|project-root)\\.ts$' },
    },
    {
      name: 'main-is-the-entry-point',
      comment: 'Nothing imports main.ts',
      severity: 'error',
      from: {},
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'server-opened-by-main-and-cli',
      comment: 'server.ts wires the concretes; main.ts and the CLI open it, no layer does',
      severity: 'error',
      from: { pathNot: '^src/(main\\.ts$|cli/)' },
      to: { path: '^src/server\\.ts$' },
    },
    {
      name: 'storage-has-one-door',
      comment: 'Outside storage/, only its port (src/storage/index.ts) is imported',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/storage/' },
      to: { path: '^src/storage/', pathNot: '^src/storage/index\\.ts$' },
    },
    {
      name: 'only-storage-imports-the-database-driver',
      comment: 'mongodb and mongoose stay behind storage/',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/storage/' },
      to: { path: '^node_modules/(mongodb|mongoose|bson)/' },
    },
    {
      name: 'only-http-imports-express',
      comment: 'Express stays at the edge: interactions take a plain FhirRequest',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/http/' },
      to: { path: '^node_modules/(@types/)?(express|helmet|pino-http)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
