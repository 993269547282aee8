import { openChange, type SubscriptionChange, sealChange } from '../src';

const change: SubscriptionChange = {
  op: 'upsert',
  subscription: {
    id: 'sub_1',
    url: 'https://hooks.example.com/in',
    eventTypes: ['LIKED_PHOTO'],
    enabled: true,
    secret: 'whsec_current',
    previousSecret: 'whsec_previous',
    previousSecretExpiresAt: '2026-11-29T00:00:00.000Z',
    version: 1,
  },
};

describe('the change feed seal', () => {
  it('with keys, no secret travels in clear, and the dispatcher gets them back', () => {
    const sealed = sealChange(change, ['key-1']);
    const wire = JSON.stringify(sealed);
    expect(wire).not.toContain('whsec_');
    expect(openChange(JSON.parse(wire), ['key-0', 'key-1'])).toEqual(change);
  });

  it('refuses a change that was forged or altered on the way, or sealed under an unknown key', () => {
    const sealed = sealChange(change, ['key-1']) as Extract<SubscriptionChange, { op: 'upsert' }>;
    const redirected = { ...sealed, subscription: { ...sealed.subscription, url: 'https://attacker.example/' } };
    expect(openChange(redirected, ['key-1'])).toBeNull();
    expect(openChange(sealed, ['other-key'])).toBeNull();
    expect(openChange(change, ['key-1'])).toBeNull(); // a plain upsert, as a broker user would forge it
  });

  it('without keys (protected mode) the feed is plain, as before', () => {
    expect(sealChange(change, [])).toBe(change);
    expect(openChange(change, [])).toBe(change);
    const del: SubscriptionChange = { op: 'delete', subscription: { id: 'sub_1' } };
    expect(openChange(del, ['key-1'])).toBe(del);
  });
});
