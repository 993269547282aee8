import { parseSeedUsers } from '../src/users';

describe('GATEWAY_USERS', () => {
  it('splits name:password at the first colon', () => {
    expect(parseSeedUsers(['alice:pass:word1', 'bob:12345678'])).toEqual([
      { username: 'alice', password: 'pass:word1' },
      { username: 'bob', password: '12345678' },
    ]);
  });
  it('fails with one readable line', () => {
    expect(() => parseSeedUsers(['alice'])).toThrow('GATEWAY_USERS entry 1 is not name:password (no ":")');
    expect(() => parseSeedUsers(['ok:12345678', 'bob:short'])).toThrow(/entry 2 .*password must be at least 8/);
  });
});
