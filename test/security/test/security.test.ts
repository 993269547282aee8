import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { topologyNames } from '@hookline/broker';
import { RABBITMQ_URL, REPO_ROOT, type Receiver, spawnTs, startReceiver, waitFor } from '@hookline/testing';
import amqp from 'amqplib';
import { APPS, type AppName, Cluster, GATEWAY_PASSWORD, GATEWAY_USER } from '../../support/cluster';
import { Generator, operations, random } from './fuzz';
import { json, raw } from './http';

/**
 * Attacks, each against a deployment as docker-compose runs it (every app its own process,
 * API_KEYS and PRODUCER_KEYS set, ALLOW_PRIVATE_TARGETS=false), then a seeded fuzz pass over every
 * route of every app's /openapi.json. Replay a fuzz failure with SECURITY_FUZZ_SEED=<seed>.
 */
const ADMIN = 'security-admin-key';
const PRODUCER = 'security-producer-key';
const admin = { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' };

let cluster: Cluster;
let metadata: Receiver;
const url = (app: AppName, path: string) => `${cluster.url(app)}${path}`;

beforeAll(async () => {
  [cluster, metadata] = await Promise.all([
    Cluster.start({
      label: 'security',
      env: { API_KEYS: ADMIN, PRODUCER_KEYS: PRODUCER, ALLOW_PRIVATE_TARGETS: 'false', LOG_LEVEL: 'error' },
    }),
    startReceiver(),
  ]);
  metadata.respond((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"AccessKeyId":"ASIA-TOP-SECRET"}');
  });
}, 120_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), metadata?.close()]);
});

async function gatewayTokens(): Promise<{ jwt: string; jwt_refresh_token: string; expires_in: number }> {
  const res = await raw(
    'POST',
    url('gateway', '/auth/authenticate'),
    { 'Content-Type': 'application/json' },
    json({ username: GATEWAY_USER, password: GATEWAY_PASSWORD, token_expiry_in_minutes: 6_000_000_000 }),
  );
  expect(res.status).toBe(200);
  return res.body;
}

/** A tenant, and a portal token scoped to it (what `POST /tenants/:id/portal` hands a customer). */
async function portalToken(tenant: string): Promise<string> {
  const created = await raw('POST', url('subscriptions', '/tenants'), admin, json({ id: tenant, name: tenant }));
  expect(created.status).toBe(201);
  const minted = await raw('POST', url('subscriptions', `/tenants/${tenant}/portal`), admin, json({}));
  expect(minted.status).toBe(201);
  return minted.body.token;
}

describe('DNS rebinding and cross-site requests cannot reach the management API', () => {
  it.each(APPS)('%s answers 421 to a Host that is not its own, key or not', async (app) => {
    const res = await raw('GET', url(app, '/healthz'), { Host: 'attacker.example:3000' });
    expect(res.status).toBe(421);
    expect(res.body.error.code).toBe('misdirected_request');
  });

  it('a rebound page cannot read the snapshot (every secret)', async () => {
    const res = await raw('GET', url('subscriptions', '/subscription/snapshot'), { ...admin, Host: 'rebind.example' });
    expect(res.status).toBe(421);
    expect(res.text).not.toContain('whsec_');
  });

  it('a foreign Origin cannot change state; a body-less POST must say JSON', async () => {
    const foreign = await raw('POST', url('subscriptions', '/ping'), { ...admin, Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const form = await raw('POST', url('subscriptions', '/ping'), {
      Authorization: `Bearer ${ADMIN}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
  });
});

describe('SSRF: one list of refused ranges; /ping through the guarded sender', () => {
  it('refuses a subscription to a literal address that only delivery refused before', async () => {
    for (const target of ['http://198.18.0.1/x', 'http://192.0.0.8/x']) {
      const res = await raw(
        'POST',
        url('subscriptions', '/subscription'),
        admin,
        json({ url: target, eventTypes: ['LIKED_PHOTO'] }),
      );
      expect(res.status).toBe(400);
    }
  });

  it('does not show the answer of a host name resolving to a private address', async () => {
    const target = `http://${hostname()}:${metadata.port}/latest/meta-data/iam`;
    const created = await raw(
      'POST',
      url('subscriptions', '/webhook'),
      admin,
      json({ url: target, event: 'user_send_message' }),
    );
    expect(created.status).toBe(201);
    const ping = await raw('POST', url('subscriptions', '/ping?event_filter=user_send_message'), admin);
    expect(ping.status).toBe(200);
    expect(ping.text).not.toContain('ASIA-TOP-SECRET');
    expect(metadata.requests).toHaveLength(0);
  });
});

describe('the broker carries no signing secret', () => {
  it('a queue bound to the change feed sees no secret of a new subscription', async () => {
    const conn = await amqp.connect(RABBITMQ_URL);
    try {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, topologyNames(cluster.ns).subscriptionsExchange, '');
      const created = await raw(
        'POST',
        url('subscriptions', '/subscription'),
        admin,
        json({ url: 'https://hooks.example.com/feed', eventTypes: ['LIKED_PHOTO'] }),
      );
      expect(created.status).toBe(201);
      const seen: string[] = [];
      const text = await waitFor(
        async () => {
          const message = await ch.get(queue, { noAck: true });
          if (message) seen.push(message.content.toString('utf8'));
          return seen.find((m) => m.includes(created.body.id));
        },
        5000,
        'the change of the new subscription',
      );
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(text).not.toContain(created.body.secret);
    } finally {
      await conn.close();
    }
  });
});

describe('producers are authenticated', () => {
  const event = json({ type: 'order_created', data: { orderId: 1 } });
  it('POST /events needs a key; a producer key may only publish', async () => {
    const ct = { 'Content-Type': 'application/json' };
    expect((await raw('POST', url('photo-app', '/events'), ct, event)).status).toBe(401);
    const ok = await raw('POST', url('photo-app', '/events'), { ...ct, Authorization: `Bearer ${PRODUCER}` }, event);
    expect(ok.status).toBe(202);
    const manage = await raw('GET', url('subscriptions', '/subscription'), { Authorization: `Bearer ${PRODUCER}` });
    expect(manage.status).toBe(401);
  });

  it('refuses forged station events', async () => {
    const forged = json({ type: 'station.stripe-notifications', data: { type: 'invoice.paid' } });
    const res = await raw(
      'POST',
      url('photo-app', '/events'),
      { 'Content-Type': 'application/json', Authorization: `Bearer ${PRODUCER}` },
      forged,
    );
    expect(res.status).toBe(400);
  });
});

describe('gateway tokens and schemas', () => {
  it('caps token lifetimes and refuses a refresh token the second time', async () => {
    const t = await gatewayTokens();
    expect(t.expires_in).toBe(24 * 60 * 60_000);
    const refresh = () =>
      raw(
        'POST',
        url('gateway', '/auth/refreshToken'),
        { 'Content-Type': 'application/json' },
        json({ jwt_refresh_token: t.jwt_refresh_token }),
      );
    expect((await refresh()).status).toBe(200);
    expect((await refresh()).status).toBe(401);
  });

  it('refuses a station schema pattern that backtracks catastrophically', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '(a|a)*$' } } };
    const res = await raw('PUT', url('gateway', '/stations/redos/schema'), admin, json({ type: 'json', schema }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_schema');
  });
});

describe('no secret is printed', () => {
  it('names an invalid JWT_SECRET and a credential-bearing RABBITMQ_URL without echoing them', async () => {
    const cases: Record<string, string>[] = [
      { JWT_SECRET: 'hunter2-is-too-short' },
      { RABBITMQ_URL: 'http://admin:hunter2@rabbit' },
    ];
    for (const env of cases) {
      const child = spawnTs('apps/gateway/src/main.ts', [], { ...env, LOG_LEVEL: 'silent', PORT: '0' });
      let out = '';
      child.stdout?.on('data', (c: Buffer) => (out += c));
      child.stderr?.on('data', (c: Buffer) => (out += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(out).toContain(Object.keys(env)[0] as string);
      expect(out).not.toContain('hunter2');
    }
  });
});

describe('docker-compose and the edge, read as a reviewer would', () => {
  const compose = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const code = compose
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');

  it('publishes nothing beyond 127.0.0.1 and has no guest credentials', () => {
    const published = [...code.matchAll(/^\s*-\s*"?([^"\s]+:\d+)"?\s*$/gm)].map((m) => m[1] as string);
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(code).not.toMatch(/guest/);
    expect(code).toMatch(/RABBITMQ_DEFAULT_USER/);
  });

  it('the edge logs no ?authorization= token', () => {
    const nginx = readFileSync(join(REPO_ROOT, 'docker', 'nginx.conf'), 'utf8');
    expect(nginx).toMatch(/access_log \S+ hookline;/);
    const format = /log_format hookline ([^;]+);/.exec(nginx)?.[1] ?? '';
    expect(format).toContain('$hookline_loggable_args');
    expect(format).not.toMatch(/\$request\b|\$request_uri|\$args|\$query_string/);
  });
});

describe('fuzz: every route of every /openapi.json', () => {
  const seed = Number(process.env.SECURITY_FUZZ_SEED ?? 18_2026);
  const PER_OPERATION = Number(process.env.SECURITY_FUZZ_PER_OPERATION ?? 50);

  it(`no 5xx, no answer slower than 2 s, one error shape (seed ${seed})`, async () => {
    const rand = random(seed);
    const { jwt } = await gatewayTokens();
    const tenantToken = await portalToken('fuzz-tenant');
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const app of APPS) {
      const doc = (await raw('GET', url(app, '/openapi.json'))).body;
      const gen = new Generator(doc, rand);
      const ops = operations(doc).filter((o) => !['/docs', '/metrics'].includes(o.path));
      const requests = ops.flatMap((o) => Array.from({ length: PER_OPERATION }, () => ({ ...gen.request(o), op: o })));
      // A few at a time, as clients would: enough to overlap, not a load test.
      for (let i = 0; i < requests.length; i += 8) {
        await Promise.all(
          requests.slice(i, i + 8).map(async (r) => {
            const memphis = /^\/(stations|auth)\//.test(r.url);
            let target = r.url;
            // Past authentication most of the time, so validation and handlers are what gets fuzzed.
            const headers: Record<string, string> = {};
            // A tenant token on every kind of route: where the route takes none it must be refused.
            const asTenant = rand() < 0.2;
            if (asTenant) headers.Authorization = `Bearer ${tenantToken}`;
            else if (rand() < 0.9) {
              if (target.startsWith('/stations/') && !target.endsWith('/schema'))
                target += `${target.includes('?') ? '&' : '?'}authorization=${jwt}`;
              else headers.Authorization = `Bearer ${target.startsWith('/events') ? PRODUCER : ADMIN}`;
            }
            if (r.contentType) headers['Content-Type'] = r.contentType;
            // A long poll waits as long as it is asked (up to 30 s): keep fuzzed waits short.
            const body = r.body?.replace(/"batch_max_wait_time_ms":(\d{3,5})\b/, '"batch_max_wait_time_ms":200');
            const replay = `${r.method} ${app}${r.url} ${body?.slice(0, 300) ?? ''}`;
            sent++;
            let res: Awaited<ReturnType<typeof raw>>;
            try {
              res = await raw(r.method, url(app, target), headers, body, 2000);
            } catch (err) {
              failures.push(`${(err as Error).message} :: ${replay}`);
              return;
            }
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const schemes = ((r.op.op.security ?? []) as Array<Record<string, unknown>>).flatMap(Object.keys);
            if (asTenant && schemes.length > 0 && !schemes.includes('tenantToken') && res.status < 400)
              failures.push(`a tenant token got ${res.status} from a route it may not use :: ${replay}`);
            if (asTenant && res.text.includes(tenantToken)) failures.push(`the answer echoes the token :: ${replay}`);
            if (res.status >= 500) failures.push(`${res.status} ${res.text.slice(0, 200)} :: ${replay}`);
            else if (res.status >= 400 && !errorShapeOk(res.body, memphis))
              failures.push(`shape ${res.status} ${res.text.slice(0, 200)} :: ${replay}`);
          }),
        );
      }
    }
    if (process.env.SECURITY_FUZZ_VERBOSE)
      console.log(
        sent,
        [...statuses].sort((a, b) => a[0] - b[0]),
      );
    expect(sent).toBeGreaterThan(1500);
    // The pass must get past validation too, or it fuzzes only the 400 path.
    expect([...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(sent / 10);
    expect(failures.slice(0, 20)).toEqual([]);
  }, 120_000);
});

/** The one error shape, or the Memphis shapes on the gateway's Memphis routes. */
// biome-ignore lint/suspicious/noExplicitAny: an HTTP answer of any shape
function errorShapeOk(body: any, memphis: boolean): boolean {
  const project = typeof body?.error?.code === 'string' && typeof body?.error?.message === 'string';
  if (!memphis) return project;
  return (
    project ||
    (body?.success === false && typeof body?.error === 'string') ||
    typeof body?.message === 'string' ||
    Array.isArray(body?.message)
  );
}
