import { checkPattern, findUnsafePattern, MAX_PATTERNS } from '../src';

describe('checkPattern', () => {
  it.each([
    '^(a+)+$', // exponential: the classic
    '(a|a)*$', // exponential through overlapping alternatives (star height alone misses it)
    '(\\w+\\s?)*$',
    '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', // quadratic: stalls on a 1 MB body
    '(?<x>a)\\k<x>', // cannot be analysed: refused, not trusted
  ])('refuses %s', (pattern) => {
    expect(checkPattern(pattern).safe).toBe(false);
  });

  it('refuses a pattern too long to analyse', () => {
    expect(checkPattern('a'.repeat(600))).toEqual({ safe: false, reason: 'longer than 512 characters' });
  });

  it.each(['^[a-z0-9_-]{3,16}$', '^\\d{4}-\\d{2}-\\d{2}$', '^https?://[^\\s]+$', '^[A-Z]{3}-\\d+$', '\\p{L}+'])(
    'keeps %s',
    (pattern) => {
      expect(checkPattern(pattern)).toEqual({ safe: true });
    },
  );

  it('an evil pattern really stalls the engine it would run in (what the check prevents)', () => {
    const started = process.hrtime.bigint();
    /^(a+)+$/u.test(`${'a'.repeat(24)}!`);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThan(20);
  });
});

describe('findUnsafePattern', () => {
  it('finds patterns and patternProperties at any depth, with their path', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', pattern: '^[a-z]+$' }, nested: { items: { pattern: '^(a+)+$' } } },
    };
    expect(findUnsafePattern(schema)).toMatchObject({ path: 'properties.nested.items.pattern', pattern: '^(a+)+$' });
    expect(findUnsafePattern({ patternProperties: { '(x+x+)+y': {} } })).toMatchObject({ pattern: '(x+x+)+y' });
  });

  it('keeps a schema whose patterns are safe, and ignores data and property names', () => {
    expect(
      findUnsafePattern({
        properties: { pattern: { type: 'string', pattern: '^[a-z]+$' } },
        const: { pattern: '^(a+)+$' },
        examples: [{ pattern: '(a|a)*$' }],
      }),
    ).toBeNull();
  });

  it('refuses a schema with too many patterns', () => {
    const properties = Object.fromEntries(
      Array.from({ length: MAX_PATTERNS + 1 }, (_, i) => [`f${i}`, { pattern: '^a$' }]),
    );
    expect(findUnsafePattern({ properties })?.reason).toMatch(/more than/);
  });
});
