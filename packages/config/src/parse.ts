import type { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` against an app's schema. The first problem becomes ONE readable line naming the
 * variable and what it expects, e.g. `RABBITMQ_URL: expected an amqp:// or amqps:// URL (got "nonsense")`.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  const raw = env[name];
  const got =
    raw === undefined ? 'it is not set' : `got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`;
  throw new ConfigError(`invalid configuration: ${name}: ${issue?.message ?? 'invalid'} (${got})`);
}

/** For `main.ts`: parse, or print the one line to stderr and exit 1 (no stack trace). */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return parseEnv(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
