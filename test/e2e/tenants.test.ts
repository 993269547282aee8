import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Cluster, suffix } from '../support/cluster';
import { call, parseBody, verifySignature } from '../support/http';

/**
 * Tenants end to end, over HTTP only, with subscriptions, dispatcher and photo-app each in its own
 * process (as docker-compose runs them): an event for tenant A reaches A's subscribers and nobody
 * else's, an untenanted one reaches every tenant's, and a tenant token minted by the subscriptions
 * process is honoured (and its revocation too) by the dispatcher process, which shares only the signing
 * secret (generated into the shared DATA_DIR) and MongoDB with it.
 */

jest.setTimeout(60_000);

const TYPE = 'order.created';

let cluster: Cluster;
const receivers: Receiver[] = [];

beforeAll(async () => {
  cluster = await Cluster.start({
    label: 'tenants',
    apps: ['subscriptions', 'dispatcher', 'photo-app'],
    env: { EXTRA_EVENT_TYPES: TYPE },
  });
  for (let i = 0; i < 3; i++) receivers.push(await startReceiver());
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await Promise.all(receivers.map((r) => r.close()));
  await cluster?.stop();
}, 30_000);

const subs = () => cluster.url('subscriptions');
const dispatcher = () => cluster.url('dispatcher');
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const received = (rx: Receiver, marker: string) => rx.requests.filter((r) => parseBody(r).data?.marker === marker);

describe('events by tenant, over HTTP, signed', () => {
  const a = `acme-${suffix()}`;
  const b = `globex-${suffix()}`;
  const secrets: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const id of [a, b]) expect((await call('POST', `${subs()}/tenants`, { id, name: id })).status).toBe(201);
    const [rxA, rxB, rxD] = receivers as [Receiver, Receiver, Receiver];
    for (const [name, tenant, rx] of [
      ['a', a, rxA],
      ['b', b, rxB],
      ['d', undefined, rxD],
    ] as const) {
      const res = await call('POST', `${subs()}/subscription`, {
        ...(tenant ? { tenant } : {}),
        url: `${rx.url}/${name}`,
        eventTypes: [TYPE],
      });
      expect(res.status).toBe(201);
      secrets[name] = res.body.secret;
      ids[name] = res.body.id;
    }
    for (const id of Object.values(ids)) await cluster.untilDispatcherKnows(id);
  });

  it("an event for tenant A reaches A's subscriber only; an untenanted one reaches every tenant's", async () => {
    const [rxA, rxB, rxD] = receivers as [Receiver, Receiver, Receiver];
    const forA = await call('POST', `${cluster.url('photo-app')}/events`, {
      type: TYPE,
      data: { marker: 'for-a' },
      tenant: a,
    });
    expect(forA.status).toBe(202);
    const everyone = await call('POST', `${cluster.url('photo-app')}/events`, {
      type: TYPE,
      data: { marker: 'for-all' },
    });
    expect(everyone.status).toBe(202);

    await waitFor(() => [rxA, rxB, rxD].every((rx) => received(rx, 'for-all').length === 1), 15_000);
    await waitFor(() => received(rxA, 'for-a').length === 1, 15_000);
    // Each delivery is signed with its own subscription's secret.
    expect(verifySignature(secrets.a as string, received(rxA, 'for-a')[0] as never)).toMatchObject({ type: TYPE });
    expect(verifySignature(secrets.b as string, received(rxB, 'for-all')[0] as never)).toMatchObject({ type: TYPE });
    expect(verifySignature(secrets.d as string, received(rxD, 'for-all')[0] as never)).toMatchObject({ type: TYPE });
    // The tenant's event was recorded once, for A's subscription, and nowhere else: the dispatcher
    // records every delivery it makes, so this proves B and default were never sent it.
    await waitFor(
      async () => (await call('GET', `${dispatcher()}/deliveries?eventId=${forA.body.id}`)).body.data.length > 0,
    );
    const recorded = await call('GET', `${dispatcher()}/deliveries?eventId=${forA.body.id}`);
    expect(
      recorded.body.data.map((d: { subscriptionId: string; tenant: string }) => [d.subscriptionId, d.tenant]),
    ).toEqual([[ids.a, a]]);
    expect(received(rxB, 'for-a')).toHaveLength(0);
    expect(received(rxD, 'for-a')).toHaveLength(0);
    // GET /deliveries?tenant= filters.
    const ofB = await call('GET', `${dispatcher()}/deliveries?tenant=${b}`);
    expect(ofB.body.data.length).toBeGreaterThan(0);
    expect(ofB.body.data.every((d: { tenant: string }) => d.tenant === b)).toBe(true);
  });

  it('an event naming an unknown tenant is a 422', async () => {
    const res = await call('POST', `${cluster.url('photo-app')}/events`, {
      type: TYPE,
      data: {},
      tenant: 'nobody-here',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe('tenant');
  });

  it("a tenant token works in the dispatcher process: its deliveries only, B's ids 404, revocation 401", async () => {
    const token = (await call('POST', `${subs()}/tenants/${a}/portal`, {})).body.token as string;
    const mine = await call('GET', `${dispatcher()}/deliveries`, undefined, bearer(token));
    expect(mine.status).toBe(200);
    expect(mine.body.data.length).toBeGreaterThan(0);
    expect(mine.body.data.every((d: { tenant: string }) => d.tenant === a)).toBe(true);

    const ofB = (await call('GET', `${dispatcher()}/deliveries?tenant=${b}`)).body.data[0].id as string;
    expect((await call('GET', `${dispatcher()}/deliveries/${ofB}`, undefined, bearer(token))).status).toBe(404);
    expect((await call('POST', `${dispatcher()}/deliveries/${ofB}/replay`, undefined, bearer(token))).status).toBe(404);
    const recover = await call(
      'POST',
      `${dispatcher()}/subscription/${ids.b}/recover`,
      { since: '2020-01-01T00:00:00Z' },
      bearer(token),
    );
    expect(recover.status).toBe(404);
    expect((await call('GET', `${dispatcher()}/deliveries?tenant=${b}`, undefined, bearer(token))).status).toBe(403);
    const own = mine.body.data[0].id as string;
    expect((await call('GET', `${dispatcher()}/deliveries/${own}`, undefined, bearer(token))).status).toBe(200);

    expect((await call('POST', `${subs()}/tenants/${a}/portal/revoke`, {})).status).toBe(204);
    const revoked = await call('GET', `${dispatcher()}/deliveries`, undefined, bearer(token));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('invalid_token');
  });

  it('POST /subscription/:id/test: one signed event to that subscription only, recorded like any delivery', async () => {
    const [rxA, rxB, rxD] = receivers as [Receiver, Receiver, Receiver];
    const token = (await call('POST', `${subs()}/tenants/${a}/portal`, {})).body.token as string;
    // Another tenant's subscription: 404, and nothing is sent.
    expect((await call('POST', `${subs()}/subscription/${ids.b}/test`, {}, bearer(token))).status).toBe(404);
    const sent = await call(
      'POST',
      `${subs()}/subscription/${ids.a}/test`,
      { data: { marker: 'test-a' } },
      bearer(token),
    );
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ type: 'hookline.test', subscriptionId: ids.a });
    await waitFor(() => received(rxA, 'test-a').length === 1, 15_000);
    const payload = verifySignature(secrets.a as string, received(rxA, 'test-a')[0] as never);
    expect(payload).toMatchObject({ type: 'hookline.test', data: { marker: 'test-a' } });
    await waitFor(
      async () =>
        (await call('GET', `${dispatcher()}/deliveries?eventId=${sent.body.id}`, undefined, bearer(token))).body.data
          .length === 1,
    );
    const recorded = await call('GET', `${dispatcher()}/deliveries?eventId=${sent.body.id}`, undefined, bearer(token));
    expect(recorded.body.data[0]).toMatchObject({ subscriptionId: ids.a, tenant: a });
    expect(recorded.body.data).toHaveLength(1);
    expect(received(rxB, 'test-a')).toHaveLength(0);
    expect(received(rxD, 'test-a')).toHaveLength(0);
  });
});
