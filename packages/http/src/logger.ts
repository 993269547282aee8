import pino from 'pino';
import { prettyDestination } from './pretty-log';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout, or readable lines when stdout is a terminal (pretty-log.ts). Secrets never reach
 * a log: these paths are censored wherever they appear.
 */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Memphis clients send their JWT as `?authorization=`: any logged URL loses it.
    serializers: { url: (url: unknown) => (typeof url === 'string' ? redactedUrl(url) : url) },
    redact: {
      paths: [
        'secret',
        '*.secret',
        'previousSecret',
        '*.previousSecret',
        'password',
        '*.password',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        '*.jwt',
        '*.jwt_refresh_token',
      ],
      censor: '[redacted]',
    },
  };
  const out = destination ?? (process.stdout.isTTY ? prettyDestination() : undefined);
  return out ? pino(options, out) : pino(options);
}

/** A URL safe to log: a token in the query string is replaced. */
export function redactedUrl(url: string): string {
  return url.replace(/([?&]authorization=)[^&]*/gi, '$1[redacted]');
}
