import { FILTER_MAX_OPERATORS, matchesFilter, validateFilter } from '../src';

const event = (data: unknown, extra: object = {}) => ({
  id: 'evt_1',
  type: 'order.paid',
  timestamp: '2026-11-28T10:00:00.000Z',
  data,
  ...extra,
});

describe('matchesFilter', () => {
  const order = event({ amount: 150, currency: 'EUR', tags: ['vip', 'eu'], customer: { email: 'a@example.com' } });

  it.each([
    [{ data: { amount: { $gte: 100 } } }, true],
    [{ data: { amount: { $gte: 200 } } }, false],
    [{ data: { amount: { $gt: 150 } } }, false],
    [{ data: { amount: { $lt: 151, $gt: 149 } } }, true],
    [{ data: { amount: { $lte: 150 } } }, true],
    [{ data: { amount: { $gte: '100' } } }, false], // a number never compares with a string
    [{ timestamp: { $gte: '2026-11-01T00:00:00Z' } }, true],
    [{ data: { currency: 'EUR' } }, true],
    [{ data: { currency: { $eq: 'USD' } } }, false],
    [{ data: { currency: { $neq: 'USD' } } }, true],
    [{ data: { currency: { $in: ['EUR', 'USD'] } } }, true],
    [{ data: { currency: { $nin: ['EUR', 'USD'] } } }, false],
    [{ data: { tags: 'vip' } }, true],
    [{ data: { tags: ['eu', 'vip'] } }, true],
    [{ data: { tags: ['eu', 'us'] } }, false],
    [{ data: { tags: { $in: ['us', 'eu'] } } }, true],
    [{ data: { customer: { email: { $endsWith: '@example.com' } } } }, true],
    [{ data: { customer: { email: { $startsWith: 'b' } } } }, false],
    [{ data: { customer: { phone: { $exist: false } } } }, true],
    [{ data: { customer: { email: { $exist: true } } } }, true],
    [{ data: { missing: { deeper: { $exist: true } } } }, false],
    [{ $or: [{ data: { currency: 'USD' } }, { data: { amount: { $gt: 100 } } }] }, true],
    [{ $or: [{ data: { currency: 'USD' } }, { type: 'x' }] }, false],
    [{ $and: [{ type: 'order.paid' }, { data: { currency: 'EUR' } }] }, true],
    [{ $not: { data: { currency: 'EUR' } } }, false],
    [{ data: { $not: { amount: { $lt: 100 } } } }, true],
    [{ type: 'order.paid', data: { amount: 150, currency: 'GBP' } }, false],
    [{}, true],
  ])('%j -> %s', (filter, expected) => {
    expect(validateFilter(filter)).toEqual([]);
    expect(matchesFilter(filter, order)).toBe(expected);
  });

  it('never finds inherited properties', () => {
    expect(matchesFilter({ data: { constructor: { $exist: true } } }, order)).toBe(false);
    expect(matchesFilter({ data: { toString: { $exist: true } } }, order)).toBe(false);
  });

  it('matches a tenant field when the envelope has one', () => {
    expect(matchesFilter({ tenant: 'acme' }, event({}, { tenant: 'acme' }))).toBe(true);
    expect(matchesFilter({ tenant: 'acme' }, event({}))).toBe(false);
  });
});

describe('validateFilter', () => {
  it('names the path of an unknown operator or a wrong operand', () => {
    expect(validateFilter({ data: { amount: { $gtx: 1 } } })).toEqual([
      { path: 'data.amount.$gtx', message: 'unknown operator $gtx' },
    ]);
    expect(validateFilter({ data: { currency: { $in: 'EUR' } } })).toEqual([
      { path: 'data.currency.$in', message: expect.stringMatching(/array/) },
    ]);
    expect(validateFilter({ $or: [{ type: 'a' }, { data: { n: { $gte: true } } }] })).toEqual([
      { path: '$or.1.data.n.$gte', message: expect.stringMatching(/number or a string/) },
    ]);
    expect(validateFilter({ $and: [] })[0]?.path).toBe('$and');
    expect(validateFilter({ x: { $exist: 'yes' } })[0]?.path).toBe('x.$exist');
    expect(validateFilter({ x: { $startsWith: 1 } })[0]?.path).toBe('x.$startsWith');
    expect(validateFilter({ x: [{ a: 1 }] })[0]?.path).toBe('x');
    expect(validateFilter([1])[0]).toEqual({ path: '', message: 'must be an object' });
  });

  it('bounds depth and operator count', () => {
    let deep: object = { v: 1 };
    for (let i = 0; i < 10; i++) deep = { n: deep };
    expect(validateFilter(deep)).toEqual([
      { path: expect.stringMatching(/^n\.n/), message: expect.stringMatching(/deeper than 10/) },
    ]);
    let ok: object = { v: 1 };
    for (let i = 0; i < 8; i++) ok = { n: ok };
    expect(validateFilter(ok)).toEqual([]);
    const wide = Object.fromEntries(Array.from({ length: FILTER_MAX_OPERATORS + 1 }, (_, i) => [`f${i}`, i]));
    expect(validateFilter(wide)).toEqual([{ path: '', message: expect.stringMatching(/more than 100/) }]);
  });
});
