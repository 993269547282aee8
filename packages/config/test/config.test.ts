import { execFileSync } from 'node:child_process';
import { dispatcherEnv, gatewayEnv, hooklineEnv, parseEnv, photoAppEnv } from '../src';

describe('env schemas', () => {
  it('applies defaults for a bare environment', () => {
    const cfg = parseEnv(photoAppEnv, {});
    expect(cfg.PORT).toBe(3001);
    expect(cfg.RABBITMQ_URL).toBe('amqp://guest:guest@localhost:5672');
    expect(cfg.HOOKLINE_NAMESPACE).toBe('hookline');
  });

  it('names the variable and what it expects in one line', () => {
    expect(() => parseEnv(photoAppEnv, { RABBITMQ_URL: 'nonsense' })).toThrow(
      'invalid configuration: RABBITMQ_URL: expected an amqp:// or amqps:// URL (got "nonsense")',
    );
    expect(() => parseEnv(photoAppEnv, { PORT: 'abc' })).toThrow(
      /^invalid configuration: PORT: expected a TCP port number/,
    );
    expect(() => parseEnv(dispatcherEnv, { RETRY_SCHEDULE: '5,x' })).toThrow(
      /RETRY_SCHEDULE: expected comma-separated/,
    );
  });

  it('names an invalid secret or credential-bearing URL without echoing it', () => {
    const cases: Array<[typeof gatewayEnv, Record<string, string>, string]> = [
      [gatewayEnv, { JWT_SECRET: 'hunter2-too-short' }, 'hunter2'],
      [gatewayEnv, { REFRESH_JWT_SECRET: 'hunter2-too-short' }, 'hunter2'],
      [gatewayEnv, { RABBITMQ_URL: 'http://admin:hunter2@rabbit:5672' }, 'hunter2'],
      [gatewayEnv, { MONGO_URL: 'postgres://admin:hunter2@db/x' }, 'hunter2'],
    ];
    for (const [schema, env, secret] of cases) {
      const name = Object.keys(env)[0] as string;
      let message = '';
      try {
        parseEnv(schema, env);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`^invalid configuration: ${name}: .*\\(value not shown`));
      expect(message).not.toContain(secret);
    }
  });

  it('listens on loopback unless HOST says otherwise; PUBLIC_HOSTS is a list', () => {
    expect(parseEnv(hooklineEnv, {}).HOST).toBe('127.0.0.1');
    expect(parseEnv(photoAppEnv, { HOST: '0.0.0.0', PUBLIC_HOSTS: 'a.example, b.example' })).toMatchObject({
      HOST: '0.0.0.0',
      PUBLIC_HOSTS: ['a.example', 'b.example'],
    });
  });

  it('parses the retry schedule into milliseconds and keeps the Svix default', () => {
    expect(parseEnv(dispatcherEnv, { RETRY_SCHEDULE: '0.5,1' }).RETRY_SCHEDULE).toEqual([500, 1000]);
    expect(parseEnv(dispatcherEnv, {}).RETRY_SCHEDULE).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
  });

  it('allows private targets by default on one machine only', () => {
    expect(parseEnv(hooklineEnv, {}).ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(parseEnv(dispatcherEnv, {}).ALLOW_PRIVATE_TARGETS).toBe(false);
  });

  it('loadConfig exits 1 with the single line and no stack trace', () => {
    const script = `require('./src').loadConfig(require('./src').photoAppEnv, { RABBITMQ_URL: 'nonsense' })`;
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, ['--conditions=hookline-src', '--import', 'tsx', '-e', script], {
        cwd: `${__dirname}/..`,
        stdio: 'pipe',
      });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'invalid configuration: RABBITMQ_URL: expected an amqp:// or amqps:// URL (got "nonsense")',
    ]);
  });
});
