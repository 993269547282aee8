import { describe, expect, it } from 'vitest';
import {
  currentCursor,
  deliveryQuery,
  filterSubscriptions,
  firstPage,
  NO_DELIVERY_FILTERS,
  NO_SUBSCRIPTION_FILTERS,
  nextPage,
  pageNumber,
  previousPage,
  subscriptionQuery,
} from '../src/filters';
import type { Subscription } from '../src/types';

const sub = (id: string, fields: Partial<Subscription> = {}): Subscription => ({
  id,
  url: `https://example.com/${id}`,
  eventTypes: ['*'],
  enabled: true,
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
  ...fields,
});

describe('delivery filters', () => {
  it('leave empty filters out of the query and send times as ISO 8601', () => {
    const q = deliveryQuery(
      { ...NO_DELIVERY_FILTERS, status: 'failed', subscriptionId: '  sub_1 ', since: '2026-11-28T10:30' },
      null,
    );
    expect(q).toEqual({
      status: 'failed',
      tenant: undefined,
      subscriptionId: 'sub_1',
      eventType: undefined,
      since: new Date('2026-11-28T10:30').toISOString(),
      until: undefined,
      cursor: undefined,
      limit: 25,
    });
  });

  it('drop a time the browser cannot read instead of sending garbage', () => {
    expect(deliveryQuery({ ...NO_DELIVERY_FILTERS, until: 'not a time' }, 'c1').until).toBeUndefined();
    expect(deliveryQuery(NO_DELIVERY_FILTERS, 'c1').cursor).toBe('c1');
  });
});

describe('subscription filters', () => {
  const list = [
    sub('a'),
    sub('b', { enabled: false, disabledReason: 'failed for 5 days' }),
    sub('c', { enabled: false }),
    sub('d'),
  ];

  it('the API filters tenant and event type; the page filters enabled', () => {
    expect(subscriptionQuery({ ...NO_SUBSCRIPTION_FILTERS, tenant: ' acme ' }, null)).toMatchObject({
      tenant: 'acme',
      eventType: undefined,
    });
    const ids = (f: Partial<typeof NO_SUBSCRIPTION_FILTERS>) =>
      filterSubscriptions(list, { ...NO_SUBSCRIPTION_FILTERS, ...f }, new Set()).map((s) => s.id);
    expect(ids({})).toEqual(['a', 'b', 'c', 'd']);
    expect(ids({ enabled: 'true' })).toEqual(['a', 'd']);
    expect(ids({ enabled: 'false' })).toEqual(['b', 'c']);
  });

  it('"failing" keeps those the failure clock names and those disabled for failing, not those disabled by hand', () => {
    const failing = filterSubscriptions(list, { ...NO_SUBSCRIPTION_FILTERS, failing: true }, new Set(['d']));
    expect(failing.map((s) => s.id)).toEqual(['b', 'd']);
  });
});

describe('cursor paging', () => {
  it('goes forward with the next cursor and back to every page seen', () => {
    let p = firstPage();
    expect([pageNumber(p), currentCursor(p)]).toEqual([1, null]);
    p = nextPage(nextPage(p, 'c2'), 'c3');
    expect([pageNumber(p), currentCursor(p)]).toEqual([3, 'c3']);
    p = previousPage(p);
    expect([pageNumber(p), currentCursor(p)]).toEqual([2, 'c2']);
    expect(previousPage(previousPage(p))).toEqual(firstPage());
  });
});
