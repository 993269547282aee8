import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api';
import { emptyForm, fieldErrorsFrom, formFromSubscription, parsePairs, subscriptionBody } from '../src/forms';
import type { Subscription } from '../src/types';

const existing: Subscription = {
  id: 'sub_1',
  url: 'https://example.com/hook',
  eventTypes: ['order.paid'],
  description: 'orders',
  enabled: true,
  metadata: { team: 'billing' },
  rateLimit: 20,
  ordering: 'fifo',
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
};

describe('the subscription form', () => {
  it('creates with every field set and nothing empty', () => {
    const { body, errors } = subscriptionBody({
      ...emptyForm(),
      url: ' https://example.com/new ',
      eventTypes: ['*'],
      metadata: 'team=ops\n\nenv = prod',
      headers: 'X-Team: ops',
      rateLimit: '50',
      ordering: 'fifo',
    });
    expect(errors).toEqual({});
    expect(body).toEqual({
      url: 'https://example.com/new',
      eventTypes: ['*'],
      enabled: true,
      metadata: { team: 'ops', env: 'prod' },
      headers: { 'X-Team': 'ops' },
      rateLimit: 50,
      ordering: 'fifo',
    });
  });

  it('an edit sends only what changed, and null for what was cleared (the limit, FIFO)', () => {
    const form = formFromSubscription(existing);
    expect(form).toMatchObject({ rateLimit: '20', ordering: 'fifo', metadata: 'team=billing' });
    expect(subscriptionBody(form, existing).body).toEqual({});
    const { body } = subscriptionBody({ ...form, description: 'all orders', rateLimit: '', ordering: '' }, existing);
    expect(body).toEqual({ description: 'all orders', rateLimit: null, ordering: null });
  });

  it('refuses what the browser can already tell is wrong, by field, with no body', () => {
    const { body, errors } = subscriptionBody({
      ...emptyForm(),
      url: 'https://example.com',
      metadata: 'no separator',
      filter: '{not json',
      rateLimit: '2.5',
    });
    expect(body).toBeUndefined();
    expect(errors).toEqual({
      metadata: 'line 1: expected key=value',
      filter: 'must be valid JSON',
      rateLimit: 'must be a whole number of deliveries per second',
    });
    expect(parsePairs('A: b\nC', ':').error).toBe('line 2: expected Name: value');
  });

  it("puts the API's details next to the fields they name, the rest above the buttons", () => {
    const err = new ApiError(400, 'validation_failed', 'invalid body', [
      { field: 'url', message: 'must be an http(s) URL' },
      { field: 'eventTypes.0', message: 'unknown event type' },
      { field: 'filter.data.amount.$gte', message: 'must be a number' },
      { field: 'rateLimit', message: 'must be at most 10000' },
      { field: 'secret', message: 'too short' },
    ]);
    expect(fieldErrorsFrom(err)).toEqual({
      fields: {
        url: 'must be an http(s) URL',
        eventTypes: 'unknown event type',
        filter: 'must be a number',
        rateLimit: 'must be at most 10000',
      },
      other: ['secret: too short'],
    });
    expect(fieldErrorsFrom(new ApiError(422, 'limit', 'too many subscriptions'))).toEqual({
      fields: {},
      other: ['too many subscriptions'],
    });
  });
});
