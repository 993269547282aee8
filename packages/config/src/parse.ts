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
    raw === undefined
      ? 'it is not set'
      : isSecret(name, raw)
        ? 'value not shown: it is or may contain a secret'
        : `got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`;
  throw new ConfigError(`invalid configuration: ${name}: ${issue?.message ?? 'invalid'} (${got})`);
}

/** Variables that are secrets by name (JWT_SECRET, API_KEYS, PRODUCER_KEYS, GATEWAY_USERS, ...). */
const SECRET_NAME = /(SECRET|PASSWORD|PASS|TOKEN|KEYS?|USERS)$/;

/**
 * An error line goes to stderr and from there to logs: a secret is named, never echoed. So is any
 * value with userinfo (`amqp://user:pass@host`, `mongodb://user:pass@host`), whatever its variable.
 */
function isSecret(name: string, raw: string): boolean {
  return SECRET_NAME.test(name) || raw.includes('@');
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
