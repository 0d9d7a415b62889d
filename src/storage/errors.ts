// Driver errors the storage tells apart, compared by code (database.md rule 13).
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
