// The time limit of every database read a request makes (issue 20): `maxTimeMS` for the database (MongoDB and
// FerretDB 1.24 both stop a find or aggregate past it), a client-side stop a little later (FerretDB applies maxTimeMS
// to a find's first batch only, so a long cursor is cut by the driver closing its connection), and the request's
// own signal, aborted when its client goes away. Past the limit: 503 `timeout` with an OperationOutcome.
import { OperationOutcomeError } from '../fhir/outcome';

/** Options every bounded read passes to the driver. */
export interface ReadBound {
  maxTimeMS?: number;
  signal?: AbortSignal;
}

/** The client closed the connection before the answer: the request's reads stop (nobody reads this answer). */
const clientGone = (): OperationOutcomeError =>
  new OperationOutcomeError(503, [
    {
      severity: 'error',
      code: 'incomplete',
      diagnostics: 'The client closed the connection; the reads of its request were stopped',
    },
  ]);

/** Slack for the client-side stop beyond `maxTimeMS`, so the database's own answer (code 50) comes first. */
const CLIENT_SLACK_MS = 2000;
/** MaxTimeMSExpired. */
const MAX_TIME_EXPIRED = 50;

export class ReadLimits {
  constructor(
    readonly maxTimeMS: number,
    readonly request?: AbortSignal,
  ) {}

  /** Options for one read, started now; throws at once when the client is already gone. */
  options(): ReadBound {
    if (this.request?.aborted) throw clientGone();
    const timer = AbortSignal.timeout(this.maxTimeMS + CLIENT_SLACK_MS);
    return {
      maxTimeMS: this.maxTimeMS,
      signal: this.request ? AbortSignal.any([this.request, timer]) : timer,
    };
  }

  /** Runs one read: past the time limit a 503 `timeout`; for a client gone, a 503 `incomplete` nobody reads. */
  async run<T>(read: (bound: ReadBound) => Promise<T>): Promise<T> {
    const bound = this.options();
    try {
      return await read(bound);
    } catch (err) {
      throw this.translate(err);
    }
  }

  translate(err: unknown): unknown {
    if (this.request?.aborted) return clientGone();
    const e = err as { code?: unknown; name?: unknown } | undefined;
    if (e?.code === MAX_TIME_EXPIRED || e?.name === 'TimeoutError')
      return new OperationOutcomeError(503, [
        {
          severity: 'error',
          code: 'timeout',
          diagnostics: `A database read of this request ran past its time limit of ${this.maxTimeMS} ms (DB_MAX_TIME_MS); narrow the search or try again later`,
        },
      ]);
    return err;
  }
}
