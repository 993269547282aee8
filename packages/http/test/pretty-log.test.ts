import { createLogger } from '../src/logger';
import { formatLogLine, prettyDestination } from '../src/pretty-log';

test('a terminal gets one readable line per record, secrets still redacted', () => {
  const lines: string[] = [];
  const logger = createLogger('hookline', 'info', prettyDestination({ write: (t: string) => lines.push(t) }));
  logger.warn({ err: 'ECONNREFUSED', retryInMs: 200, secret: 'whsec_abc' }, 'rabbitmq.connect_failed');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[hookline\] rabbitmq\.connect_failed err=ECONNREFUSED retryInMs=200 secret=\[redacted\]\n$/,
  );
  expect(lines[0]).not.toContain('whsec_abc');
});

test('what is not JSON passes through as it is', () => {
  expect(formatLogLine('plain text')).toBe('plain text');
});
