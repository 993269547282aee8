import { type SubscriptionChange, type SubscriptionRecord, WILDCARD_EVENT_TYPE } from '@hookline/contracts';

/**
 * In-memory index from event type to subscriptions: matching an event costs two map lookups and no
 * database query. Fed by the snapshot at start and by the change feed after; whichever of the two
 * carries the newer `version` of a subscription wins, so their order does not matter.
 *
 * `apply` is synchronous on purpose: change messages and events arrive on one AMQP connection in
 * the order RabbitMQ sent them, so a subscription confirmed before an event was published is in
 * the index before that event is matched.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, SubscriptionRecord>();
  private readonly byType = new Map<string, Set<string>>();
  // Versions of deleted subscriptions, so a snapshot row older than the delete does not revive it.
  private readonly tombstones = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): SubscriptionRecord | undefined {
    return this.byId.get(id);
  }

  /** Enabled subscriptions for this event type, wildcard ones included, each once. */
  match(type: string): SubscriptionRecord[] {
    const ids = new Set<string>([...(this.byType.get(type) ?? []), ...(this.byType.get(WILDCARD_EVENT_TYPE) ?? [])]);
    const out: SubscriptionRecord[] = [];
    for (const id of ids) {
      const sub = this.byId.get(id);
      if (sub?.enabled) out.push(sub);
    }
    return out;
  }

  apply(change: SubscriptionChange, now = Date.now()): void {
    if (change.op === 'delete') {
      this.remove(change.subscription.id);
      this.tombstones.set(change.subscription.id, now);
      return;
    }
    this.upsert(change.subscription);
  }

  /** Adds or replaces a subscription unless the index already holds a newer version of it. */
  upsert(sub: SubscriptionRecord): boolean {
    const current = this.byId.get(sub.id);
    if (current && current.version > sub.version) return false;
    const deletedAt = this.tombstones.get(sub.id);
    if (deletedAt !== undefined && deletedAt >= sub.version) return false;
    this.remove(sub.id);
    this.byId.set(sub.id, sub);
    for (const type of sub.eventTypes) {
      let set = this.byType.get(type);
      if (!set) {
        set = new Set();
        this.byType.set(type, set);
      }
      set.add(sub.id);
    }
    return true;
  }

  /**
   * Replaces the whole index with a snapshot. Subscriptions absent from the snapshot are dropped
   * unless the change feed brought a version newer than the snapshot's start.
   */
  replaceWith(snapshot: Iterable<SubscriptionRecord>, snapshotStartedAt: number): void {
    const seen = new Set<string>();
    for (const sub of snapshot) {
      seen.add(sub.id);
      this.upsert(sub);
    }
    for (const [id, sub] of this.byId) if (!seen.has(id) && sub.version < snapshotStartedAt) this.remove(id);
  }

  private remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    for (const type of old.eventTypes) this.byType.get(type)?.delete(id);
  }
}
