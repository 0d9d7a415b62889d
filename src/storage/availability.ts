// Whether storage can serve: the database answering (503 while it does not) and room on the data directory's disk
// (507 for writes below the free-space margin); the driver errors that mean either, told apart by class and code.
import fs from 'node:fs';
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { OperationOutcomeError, issue } from '../fhir/outcome';

/** MongoDB's OutOfDiskSpace. */
const OUT_OF_DISK_SPACE = 14031;
/** SQLite's SQLITE_FULL as FerretDB passes it on (it has no code of its own for it), and ENOSPC from the OS. */
const DISK_FULL_TEXT = /database or disk is full|no space left on device|ENOSPC/i;

export const databaseUnavailable = (why: string): OperationOutcomeError =>
  new OperationOutcomeError(503, [
    issue('transient', `The database is not answering (${why}); try again in a few seconds`),
  ]);

export const insufficientStorage = (): OperationOutcomeError =>
  new OperationOutcomeError(507, [
    issue(
      'transient',
      'The server has no room to store more data (the disk of its data directory is full); nothing was written. ' +
        'Reads still work; an administrator must free space',
    ),
  ]);

function disk(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  return e.code === OUT_OF_DISK_SPACE || (typeof e.message === 'string' && DISK_FULL_TEXT.test(e.message));
}

/** The answer a storage fault calls for (503 database unavailable, 507 disk full), or undefined for other errors. */
export function storageFault(err: unknown): OperationOutcomeError | undefined {
  if (err instanceof OperationOutcomeError) return err.status === 503 || err.status === 507 ? err : undefined;
  if (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError
  )
    return databaseUnavailable(
      err instanceof MongoServerSelectionError ? 'no server to talk to' : 'connection lost',
    );
  if (disk(err)) return insufficientStorage();
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err ? storageFault(cause) : undefined;
}

/**
 * The free space of the data directory's disk against a margin. Writes stop at the margin, which keeps room for what
 * must still be written while reads go on: the audit record of every request, and recovery of a write in flight.
 */
export class DiskSpace {
  constructor(
    private readonly dir: string | undefined,
    private readonly marginBytes: number,
  ) {}

  /** Bytes free to an unprivileged writer; undefined when the data directory is not ours (MONGODB_URI) or unreadable. */
  async free(): Promise<number | undefined> {
    if (this.dir === undefined) return undefined;
    try {
      const s = await fs.promises.statfs(this.dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  async full(): Promise<boolean> {
    const free = await this.free();
    return free !== undefined && free < this.marginBytes;
  }

  /** Throws the 507 when a write would eat into the margin. */
  async roomToWrite(): Promise<void> {
    if (await this.full()) throw insufficientStorage();
  }
}
