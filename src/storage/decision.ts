// Whether a transaction Bundle committed (transaction.ts): its decision document; without one, it is pending while
// its commit record is, and was rolled back (or never begun) otherwise. The writer's commit point and a rollback each insert the decision; whichever comes second fails on the
// unique `_id`, so a transaction is never both answered as committed and rolled back.
import type { Collections, DecisionDoc, TransactionDoc } from './collections';
import { isDuplicateKey } from './errors';

export type TransactionState = 'pending' | 'committed' | 'aborted';

const decisionKey = (txn: string): string => `decision:${txn}`;

/** Records `decision` unless another was recorded first; returns the one that stands. */
export async function decide(
  c: Collections,
  txn: string,
  decision: DecisionDoc['decision'],
): Promise<DecisionDoc['decision']> {
  try {
    await c.decisions.insertOne({ _id: decisionKey(txn), decision, at: new Date() });
    return decision;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const standing = await c.decisions.findOne({ _id: decisionKey(txn) });
    if (!standing) throw err; // a decision is never deleted
    return standing.decision;
  }
}

/**
 * The record (if any) and the state it is in, in one command; a missing record reads as aborted (rolled back, or
 * never begun). `whole: false` leaves out the record's list of versions, which readers do not need.
 */
export async function readTransaction<T extends TransactionDoc>(
  c: Collections,
  txn: string,
  whole = true,
): Promise<{ record: T | undefined; state: TransactionState }> {
  const projection = whole ? {} : { state: 1, decision: 1 };
  const docs = await c.transactions.find({ _id: { $in: [txn, decisionKey(txn)] } }, { projection }).toArray();
  const record = docs.find((d) => d._id === txn) as T | undefined;
  const decided = docs.find((d) => d._id !== txn) as unknown as DecisionDoc | undefined;
  return { record, state: stateOf(record, decided) };
}

function stateOf(record: TransactionDoc | undefined, decided: DecisionDoc | undefined): TransactionState {
  if (decided) return decided.decision;
  return record?.state === 'pending' ? 'pending' : 'aborted';
}
