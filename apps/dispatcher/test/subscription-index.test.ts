import type { SubscriptionRecord } from '@hookline/contracts';
import { SubscriptionIndex } from '../src/matching/subscription-index';

const sub = (id: string, eventTypes: string[], version = 1, enabled = true): SubscriptionRecord => ({
  id,
  url: `http://example.test/${id}`,
  eventTypes,
  enabled,
  secret: 'whsec_x',
  version,
});

describe('SubscriptionIndex', () => {
  it('matches by type and wildcard, each subscription once, enabled only', () => {
    const index = new SubscriptionIndex();
    index.upsert(sub('a', ['LIKED_PHOTO']));
    index.upsert(sub('b', ['*']));
    index.upsert(sub('c', ['LIKED_PHOTO', '*']));
    index.upsert(sub('d', ['LIKED_PHOTO'], 1, false));
    expect(
      index
        .match('LIKED_PHOTO')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(
      index
        .match('user_registered')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['b', 'c']);
  });

  it('keeps the newest version whatever the arrival order, and moves a subscription between types', () => {
    const index = new SubscriptionIndex();
    index.apply({ op: 'upsert', subscription: sub('a', ['user_registered'], 5) });
    index.upsert(sub('a', ['LIKED_PHOTO'], 3));
    expect(index.match('LIKED_PHOTO')).toEqual([]);
    expect(index.match('user_registered').map((s) => s.id)).toEqual(['a']);
  });

  it('a snapshot row older than a delete does not revive the subscription; absent ones are dropped', () => {
    const index = new SubscriptionIndex();
    index.upsert(sub('a', ['LIKED_PHOTO'], 1));
    index.upsert(sub('gone', ['LIKED_PHOTO'], 1));
    index.apply({ op: 'delete', subscription: { id: 'a' } }, 10);
    index.replaceWith([sub('a', ['LIKED_PHOTO'], 2)], 20);
    expect(index.match('LIKED_PHOTO')).toEqual([]);
    expect(index.size).toBe(0);
  });
});

describe('SubscriptionIndex by tenant', () => {
  const of = (tenant: string | undefined, id: string, types: string[]): SubscriptionRecord => ({
    ...sub(id, types),
    ...(tenant ? { tenant } : {}),
  });
  const ids = (subs: SubscriptionRecord[]) => subs.map((s) => s.id).sort();

  it("matches an event naming a tenant against that tenant's subscriptions only, wildcards included", () => {
    const index = new SubscriptionIndex();
    index.upsert(of('a', 'a1', ['order']));
    index.upsert(of('a', 'a2', ['*']));
    index.upsert(of('b', 'b1', ['order']));
    index.upsert(of(undefined, 'd1', ['order'])); // no tenant: `default`
    expect(ids(index.matchEvent({ type: 'order', tenant: 'a' }))).toEqual(['a1', 'a2']);
    expect(ids(index.matchEvent({ type: 'order', tenant: 'b' }))).toEqual(['b1']);
    expect(ids(index.matchEvent({ type: 'order', tenant: 'default' }))).toEqual(['d1']);
    expect(ids(index.matchEvent({ type: 'order', tenant: 'nobody' }))).toEqual([]);
    // No tenant: every tenant's matching subscriptions.
    expect(ids(index.matchEvent({ type: 'order' }))).toEqual(['a1', 'a2', 'b1', 'd1']);
  });

  it('a test event goes to its target alone, and only within its tenant', () => {
    const index = new SubscriptionIndex();
    index.upsert(of('a', 'a1', ['order']));
    index.upsert(of('a', 'a2', ['*']));
    expect(ids(index.matchEvent({ type: 'hookline.test', tenant: 'a', targetSubscriptionId: 'a1' }))).toEqual(['a1']);
    expect(index.matchEvent({ type: 'order', tenant: 'b', targetSubscriptionId: 'a1' })).toEqual([]);
    expect(index.matchEvent({ type: 'order', targetSubscriptionId: 'missing' })).toEqual([]);
  });

  it('forgets per-tenant keys when subscriptions go or change tenant-type pairs', () => {
    const index = new SubscriptionIndex();
    index.upsert(of('a', 'a1', ['order']));
    index.upsert({ ...of('a', 'a1', ['refund']), version: 2 });
    expect(index.matchEvent({ type: 'order', tenant: 'a' })).toEqual([]);
    expect(ids(index.matchEvent({ type: 'refund', tenant: 'a' }))).toEqual(['a1']);
    index.apply({ op: 'delete', subscription: { id: 'a1' } });
    expect(index.matchEvent({ type: 'refund', tenant: 'a' })).toEqual([]);
    expect((index as unknown as { byTenantType: Map<string, unknown> }).byTenantType.size).toBe(0);
  });
});
