import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJwtSecrets, SECRETS_FILE } from '../src/secrets';

describe('JWT secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are generated once, kept with mode 0600, and reused', () => {
    const first = loadJwtSecrets({ NODE_ENV: 'development', DATA_DIR: join(dir, 'nested') });
    const path = join(dir, 'nested', SECRETS_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.access).not.toBe(first.refresh);
    expect(loadJwtSecrets({ NODE_ENV: 'development', DATA_DIR: join(dir, 'nested') })).toEqual(first);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(first);
  });
  it('come from the environment when set', () => {
    expect(
      loadJwtSecrets({
        NODE_ENV: 'production',
        DATA_DIR: dir,
        JWT_SECRET: 'x'.repeat(32),
        REFRESH_JWT_SECRET: 'y'.repeat(32),
      }),
    ).toEqual({
      access: 'x'.repeat(32),
      refresh: 'y'.repeat(32),
    });
  });
  it('are required in production, and must differ', () => {
    expect(() => loadJwtSecrets({ NODE_ENV: 'production', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) })).toThrow(
      'JWT_SECRET and REFRESH_JWT_SECRET must be set when NODE_ENV=production',
    );
    expect(() =>
      loadJwtSecrets({
        NODE_ENV: 'test',
        DATA_DIR: dir,
        JWT_SECRET: 'x'.repeat(32),
        REFRESH_JWT_SECRET: 'x'.repeat(32),
      }),
    ).toThrow('must differ');
  });
});
