import { createEnvelope, EVENT_ENVELOPE_APP_ID, readEventEnvelope } from '../src';

const event = { ...createEnvelope('LIKED_PHOTO', { photoId: 'p1' }), tenant: 'acme' };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('event messages', () => {
  it('reads back an event Hookline published, tagged with its version', () => {
    expect(readEventEnvelope(json(event), EVENT_ENVELOPE_APP_ID)).toEqual(event);
  });

  it('refuses a tagged message whose shape is wrong, and what is not JSON', () => {
    for (const fields of [{ id: 7 }, { type: undefined }, { timestamp: null }, { tenant: 3 }, { station: 'raw' }]) {
      const bad = json({ ...event, ...fields });
      expect([fields, readEventEnvelope(bad, EVENT_ENVELOPE_APP_ID)]).toEqual([fields, undefined]);
    }
    expect(readEventEnvelope(json([event]), EVENT_ENVELOPE_APP_ID)).toBeUndefined();
    expect(readEventEnvelope(Buffer.from('{not json'), EVENT_ENVELOPE_APP_ID)).toBeUndefined();
  });

  it('validates an untagged message in full, as from a publisher that is not Hookline', () => {
    expect(readEventEnvelope(json(event), undefined)).toEqual(event);
    // What the shape check lets through and only the full contract refuses:
    expect(readEventEnvelope(json({ ...event, timestamp: 'yesterday' }), undefined)).toBeUndefined();
    expect(readEventEnvelope(json({ ...event, id: 'has spaces' }), 'another-app')).toBeUndefined();
  });
});
