import { z } from 'zod';

/** Reusable variable definitions; every schema below is built from these so each is described once. */
export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a TCP port number' })
    .int('expected a TCP port number')
    .min(0, 'expected a TCP port number between 0 and 65535')
    .max(65535, 'expected a TCP port number between 0 and 65535')
    .default(fallback)
    .describe('TCP port the HTTP server listens on');

function urlWithScheme(schemes: readonly string[], what: string) {
  return z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected ${what}` },
  );
}

export const rabbitmqUrl = urlWithScheme(['amqp:', 'amqps:'], 'an amqp:// or amqps:// URL')
  .default('amqp://guest:guest@localhost:5672')
  .describe('RabbitMQ connection URL');

export const mongoUrl = urlWithScheme(['mongodb:', 'mongodb+srv:'], 'a mongodb:// or mongodb+srv:// URL').describe(
  'MongoDB connection URL (database name in the path)',
);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'expected one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info')
  .describe('pino log level');

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const positiveNumber = (fallback: number, what: string) =>
  z.coerce
    .number({ message: `expected ${what}` })
    .positive(`expected ${what}`)
    .default(fallback);

export const commaList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** `RETRY_SCHEDULE`: comma-separated seconds, e.g. `5,300,1800`. */
export const retrySchedule = z
  .string()
  .default('5,300,1800,7200,18000,36000,36000')
  .refine((v) => v.split(',').every((s) => /^\d+(\.\d+)?$/.test(s.trim()) && Number(s) > 0), {
    message: 'expected comma-separated positive numbers of seconds, e.g. 5,300,1800',
  })
  .transform((v) => v.split(',').map((s) => Math.round(Number(s) * 1000)))
  .describe('delays between attempts in seconds (Svix schedule by default)');
