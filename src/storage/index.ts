// The storage port: the one door of `storage/` for every other layer. Interactions see a `FhirRepository` (the
// interactions of http.html on stored resources, one commit for transactions, claims for conditional creates); the
// server opens it with `openStorage` and hands the search its `SearchStore`. No collection, key format or notion of
// the embedded database leaves this folder; how each promise is kept is told in README.md ("Storage").
export type { FhirRepository } from './port';
export type { Claim } from './locks';
export type { HistoryPage, HistoryQuery } from './history';
export type { ReindexProgress } from './reindex';
export type {
  Change,
  Faults,
  LabelsOf,
  Prepared,
  SecurityLabel,
  StoredResource,
  WriteOptions,
  WriteOutcome,
  WritePipeline,
} from './repository';
export type { WritePrepared } from './transaction';
export { CommitConflict } from './transaction';
export { newId } from './repository';
export { EmbeddedDbError } from './embedded-ferretdb';
export { openStorage, type OpenStorage, type StorageOptions } from './open';
export {
  DuplicateRecord,
  type Accounts,
  type ClientRecord,
  type OAuthRecords,
  type PasswordHash,
  type UserRecord,
} from './accounts';
export {
  AuditLog,
  type AuditPage,
  type AuditQuery,
  type AuditSearchField,
  type Verification,
} from './audit-log';
