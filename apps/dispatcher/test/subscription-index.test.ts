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
