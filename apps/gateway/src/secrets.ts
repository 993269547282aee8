import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JwtSecrets {
  access: string;
  refresh: string;
}

export const SECRETS_FILE = 'gateway-secrets.json';

function readSecretsFile(path: string): Partial<JwtSecrets> | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<JwtSecrets>;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path} is not readable JSON: delete it to generate new gateway secrets`);
  }
}

/**
 * JWT_SECRET / REFRESH_JWT_SECRET from the environment. In production both are required (a
 * generated secret on one replica would reject the tokens of another). Elsewhere a missing one is
 * generated once and kept in `<DATA_DIR>/gateway-secrets.json` (mode 0600), so tokens survive a
 * restart of `npm start`.
 */
export function loadJwtSecrets(config: {
  JWT_SECRET?: string;
  REFRESH_JWT_SECRET?: string;
  NODE_ENV: string;
  DATA_DIR: string;
}): JwtSecrets {
  let access = config.JWT_SECRET;
  let refresh = config.REFRESH_JWT_SECRET;
  if (!access || !refresh) {
    if (config.NODE_ENV === 'production') {
      throw new Error('JWT_SECRET and REFRESH_JWT_SECRET must be set when NODE_ENV=production (32+ characters each)');
    }
    const path = join(config.DATA_DIR, SECRETS_FILE);
    let stored = readSecretsFile(path);
    if (typeof stored?.access !== 'string' || typeof stored?.refresh !== 'string') {
      mkdirSync(config.DATA_DIR, { recursive: true });
      const fresh = { access: randomBytes(48).toString('base64url'), refresh: randomBytes(48).toString('base64url') };
      try {
        // 'wx': if another process wrote the file first, keep and read its secrets instead.
        writeFileSync(path, JSON.stringify(fresh), { mode: 0o600, flag: stored ? 'w' : 'wx' });
        stored = fresh;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        stored = readSecretsFile(path);
      }
    }
    access ??= stored?.access;
    refresh ??= stored?.refresh;
  }
  if (!access || !refresh) throw new Error('the gateway JWT secrets could not be loaded');
  if (access === refresh) throw new Error('JWT_SECRET and REFRESH_JWT_SECRET must differ');
  return { access, refresh };
}
