import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout. Secrets never reach a log: these paths are censored wherever they appear.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
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
  });
}
