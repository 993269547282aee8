import {
  type EventEnvelope,
  recordTenant,
  type SubscriptionChange,
  type SubscriptionRecord,
  WILDCARD_EVENT_TYPE,
} from '@hookline/contracts';

/** Keys of the per-tenant map: NUL cannot occur in a tenant id or an event type. */
const tenantKey = (tenant: string, type: string) => `${tenant}\u0000${type}`;

/**
 * In-memory index from event type to subscriptions, and from (tenant, event type): matching an event
 * costs two map lookups whatever the number of tenants, and no database query. An event naming a
 * tenant matches through the second map only, so another tenant's subscriptions are never considered. Fed by the snapshot at start and by the change feed after; whichever of the two
 * carries the newer `version` of a subscription wins, so their order does not matter.
 *
 * `apply` is synchronous on purpose: change messages and events arrive on one AMQP connection in
 * the order RabbitMQ sent them, so a subscription confirmed before an event was published is in
 * the index before that event is matched.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, SubscriptionRecord>();
  private readonly byType = new Map<string, Set<string>>();
  private readonly byTenantType = new Map<string, Set<string>>();
  // Versions of deleted subscriptions, so a snapshot row older than the delete does not revive it.
  private readonly tombstones = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): SubscriptionRecord | undefined {
    return this.byId.get(id);
  }

  /**
   * Who receives an event: its target alone for a test event (enabled or not, as long as it exists and
   * is the event's tenant's), the tenant's matching subscriptions for an event naming a tenant, and
   * every tenant's for one that names none.
   */
  matchEvent(event: Pick<EventEnvelope, 'type' | 'tenant' | 'targetSubscriptionId'>): SubscriptionRecord[] {
    if (event.targetSubscriptionId !== undefined) {
      const sub = this.byId.get(event.targetSubscriptionId);
      return sub && (event.tenant === undefined || recordTenant(sub) === event.tenant) ? [sub] : [];
    }
    return this.match(event.type, event.tenant);
  }

  /** Enabled subscriptions for this event type (of this tenant only, if given), wildcard ones included, each once. */
  match(type: string, tenant?: string): SubscriptionRecord[] {
    const exact = tenant === undefined ? this.byType.get(type) : this.byTenantType.get(tenantKey(tenant, type));
    const wildcard =
      tenant === undefined
        ? this.byType.get(WILDCARD_EVENT_TYPE)
        : this.byTenantType.get(tenantKey(tenant, WILDCARD_EVENT_TYPE));
    const ids = new Set<string>([...(exact ?? []), ...(wildcard ?? [])]);
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
      addTo(this.byType, type, sub.id);
      addTo(this.byTenantType, tenantKey(recordTenant(sub), type), sub.id);
    }
    return true;
  }

  /** Whether the index knows this subscription was deleted (a delete change, or absent from a snapshot). */
  isDeleted(id: string): boolean {
    return !this.byId.has(id) && this.tombstones.has(id);
  }

  /** A snapshot read at `at` does not have this subscription: it is gone, unless a newer version arrives. */
  markDeleted(id: string, at: number): void {
    if (this.byId.has(id)) return;
    this.tombstones.set(id, Math.max(at, this.tombstones.get(id) ?? 0));
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
    for (const type of old.eventTypes) {
      removeFrom(this.byType, type, id);
      removeFrom(this.byTenantType, tenantKey(recordTenant(old), type), id);
    }
  }
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(id);
}

// Empty sets go: with 10,000 tenants, a tenant's keys must not outlive its subscriptions.
function removeFrom(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
