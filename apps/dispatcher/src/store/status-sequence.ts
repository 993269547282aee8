import type { StoredStatus } from './models';

/**
 * The stage a status write comes from, lowest first within one attempt: a delivery queued (fan-out
 * or park), paused, attempted with a retry to come, failed, delivered.
 */
export type WriteStage = 'queued' | 'paused' | 'retrying' | 'failed' | 'delivered';

const RANK: Record<Exclude<WriteStage, 'delivered'>, number> = { queued: 1, paused: 2, retrying: 3, failed: 4 };
const PER_ROUND = 1_000_000;

/**
 * A delivery's status writes in one monotonic order, so that whichever order they reach MongoDB in
 * (batches from several instances, a redelivered event's duplicate attempt, a late retry), a write
 * changes the status only when it is newer: `{_id, seq: {$lt: seq}}` as the filter, no upsert. No
 * filter ever races an insert into a duplicate-key error that could be misread.
 * - A later round (replay, recovery, resumption) is newer than anything before it.
 * - Within a round, `delivered` is final: a duplicate's failed attempt cannot undo it.
 * - Otherwise a later attempt is newer, and within one attempt the later stage.
 */
export function statusSequence(round: number, attempt: number, stage: WriteStage): number {
  if (stage === 'delivered') return round * PER_ROUND + (PER_ROUND - 1);
  return round * PER_ROUND + Math.min(attempt, 99_999) * 10 + RANK[stage];
}

export function stageOf(status: StoredStatus, attempted: boolean): WriteStage {
  if (status === 'delivered') return 'delivered';
  if (status === 'failed') return 'failed';
  if (status === 'paused') return 'paused';
  return attempted ? 'retrying' : 'queued';
}
