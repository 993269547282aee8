import type { ChildProcess } from 'node:child_process';
import {
  freePort,
  nothingMoreHappensWithin,
  type Receiver,
  spawnTs,
  startReceiver,
  stopProcess,
  waitFor,
} from '@hookline/testing';
import { Cluster, GATEWAY_PASSWORD, GATEWAY_USER, suffix } from '../support/cluster';
import { call, parseBody, verifySignature } from '../support/http';

/**
 * Every product flow end to end, through HTTP only, against photo-app, subscriptions, dispatcher and
 * gateway each in its own process (as docker-compose runs them), the real RabbitMQ and MongoDB.
 */

jest.setTimeout(60_000);

let cluster: Cluster;
const receivers: Receiver[] = [];
const children: ChildProcess[] = [];

/** The ids of the subscriptions to `url` (a `/webhook` registration answers without one). */
async function subscriptionIdsOf(url: string): Promise<string[]> {
  const res = await call('GET', `${cluster.url('subscriptions')}/subscription?url=${encodeURIComponent(url)}`);
  return (res.body.data as { id: string }[]).map((s) => s.id);
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  cluster = await Cluster.start({ label: 'e2e' });
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await Promise.all(children.map((c) => stopProcess(c, 'SIGTERM')));
  await Promise.all(receivers.map((r) => r.close()));
  await cluster?.stop();
}, 30_000);

describe('photo likes delivered to subscriptions', () => {
  it('POST /subscription, GET /like/123: a signed delivery, recorded with its attempt', async () => {
    const rx = await receiver();
    const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
      url: `${rx.url}/uploadImage/`,
      eventTypes: ['LIKED_PHOTO'],
    });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ url: `${rx.url}/uploadImage/`, eventTypes: ['LIKED_PHOTO'], enabled: true });
    expect(sub.body.id).toMatch(/^sub_/);
    expect(sub.body.secret).toMatch(/^whsec_/);
    await cluster.untilDispatcherKnows(sub.body.id);

    const like = await call('GET', `${cluster.url('photo-app')}/like/123`);
    expect(like.status).toBe(202);
    expect(like.body).toMatchObject({ type: 'LIKED_PHOTO', photoId: '123' });
    expect(like.body.id).toMatch(/^evt_/);

    const [delivery] = await rx.waitFor(1, 20_000);
    expect(delivery).toBeDefined();
    if (!delivery) return;
    expect(delivery.method).toBe('POST');
    expect(delivery.path).toBe('/uploadImage/');
    expect(delivery.headers['content-type']).toMatch(/^application\/json/);
    // Verified with the reference implementation, not Hookline's own code.
    expect(() => verifySignature(sub.body.secret, delivery)).not.toThrow();
    const body = parseBody(delivery);
    expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(body).toEqual({ type: 'LIKED_PHOTO', timestamp: expect.any(String), data: { photoId: '123' } });
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    const webhookId = String(delivery.headers['webhook-id']);
    expect(webhookId).toMatch(/^msg_/);

    // The dispatcher's record of it (written in the background: poll).
    const dispatcher = cluster.url('dispatcher');
    const list = await waitFor(
      async () => {
        const r = await call('GET', `${dispatcher}/deliveries?subscriptionId=${sub.body.id}`);
        return r.status === 200 && r.body.data?.[0]?.status === 'delivered' ? r : undefined;
      },
      15_000,
      'the delivery listed as delivered',
    );
    expect(list.body.data).toHaveLength(1);
    const record = list.body.data[0];
    expect(record).toMatchObject({
      id: webhookId,
      eventId: like.body.id,
      eventType: 'LIKED_PHOTO',
      subscriptionId: sub.body.id,
      status: 'delivered',
    });

    const one = await waitFor(
      async () => {
        const r = await call('GET', `${dispatcher}/deliveries/${webhookId}`);
        return r.status === 200 && r.body.attempts?.length >= 1 ? r : undefined;
      },
      15_000,
      'the attempt recorded',
    );
    expect(one.body).toMatchObject({ id: webhookId, status: 'delivered', subscriptionId: sub.body.id });
    expect(one.body.attempts).toHaveLength(1);
    expect(one.body.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null });
    expect(rx.requests).toHaveLength(1);
  });
});

describe('sign-ups and messages notify registered urls (/webhook, /webhooks, /ping)', () => {
  it('/webhook, /webhooks, /users, /users/messages, /ping, DELETE /webhook', async () => {
    const subs = cluster.url('subscriptions');
    const photo = cluster.url('photo-app');
    const rxUsers = await receiver();
    const rxMessages = await receiver();
    const usersUrl = `${rxUsers.url}/webhook`;
    const messagesUrl = `${rxMessages.url}/webhook`;

    const reg = await call('POST', `${subs}/webhook`, { event: 'user_registered', url: usersUrl });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ message: 'Webhook registered successfully', url: usersUrl, event: 'user_registered' });
    const again = await call('POST', `${subs}/webhook`, { event: 'user_registered', url: usersUrl });
    expect(again.status).toBe(409);
    const reg2 = await call('POST', `${subs}/webhook`, { url: messagesUrl, event: 'user_send_message' });
    expect(reg2.status).toBe(201);

    const all = await call('GET', `${subs}/webhooks`);
    expect(all.status).toBe(200);
    const groups = all.body.webhooks as { event: string; urls: string[] }[];
    expect(groups.find((g) => g.event === 'user_registered')?.urls).toContain(usersUrl);
    expect(groups.find((g) => g.event === 'user_send_message')?.urls).toContain(messagesUrl);
    expect(groups.find((g) => g.event === 'user_registered')?.urls).not.toContain(messagesUrl);
    const filtered = await call('GET', `${subs}/webhooks?event_filter=user_registered`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.webhooks).toHaveLength(1);
    expect(filtered.body.webhooks[0].event).toBe('user_registered');
    expect(filtered.body.webhooks[0].urls).toContain(usersUrl);
    expect(filtered.body.webhooks[0].urls).not.toContain(messagesUrl);
    const [usersId] = await subscriptionIdsOf(usersUrl);
    const [messagesId] = await subscriptionIdsOf(messagesUrl);
    for (const id of [usersId, messagesId]) await cluster.untilDispatcherKnows(String(id));

    // A registration and a message: each event to its own webhook.
    const alice = `alice_${suffix()}`;
    const bob = `bob_${suffix()}`;
    const u1 = await call('POST', `${photo}/users`, { username: alice });
    expect(u1.status).toBe(201);
    expect(u1.body).toMatchObject({ username: alice });
    const u2 = await call('POST', `${photo}/users`, { username: bob });
    expect(u2.status).toBe(201);
    const registered = await rxUsers.waitFor(2, 20_000);
    // The secret of a /webhook registration is the subscription's: the management API shows it.
    const found = await call('GET', `${subs}/subscription?url=${encodeURIComponent(usersUrl)}`);
    expect(found.body.data).toHaveLength(1);
    const secret = await call('GET', `${subs}/subscription/${found.body.data[0].id}/secret`);
    for (const r of registered) expect(() => verifySignature(secret.body.secret, r)).not.toThrow();
    const regBodies = registered.map(parseBody);
    expect(regBodies.map((b) => b.type)).toEqual(['user_registered', 'user_registered']);
    expect(regBodies.map((b) => b.data.username).sort()).toEqual([alice, bob].sort());
    expect(regBodies.find((b) => b.data.username === alice)?.data).toMatchObject({ userId: u1.body.id });

    const msg = await call('POST', `${photo}/users/messages`, {
      sender: alice,
      recipient: bob,
      subject: 'hi',
      message: 'hello bob',
    });
    expect(msg.status).toBe(201);
    const [sent] = await rxMessages.waitFor(1, 20_000);
    expect(parseBody(sent!)).toEqual({
      type: 'user_send_message',
      timestamp: expect.any(String),
      data: expect.objectContaining({ sender: alice, recipient: bob, subject: 'hi', message: 'hello bob' }),
    });

    // /ping: a closed port fails, the live receivers succeed.
    const closedUrl = `http://127.0.0.1:${await freePort()}/webhook`;
    expect((await call('POST', `${subs}/webhook`, { event: 'user_registered', url: closedUrl })).status).toBe(201);
    const before = rxUsers.requests.length;
    const ping = await call('POST', `${subs}/ping?event_filter=user_registered`, { arbitrary_key: 'test' });
    expect(ping.status).toBe(200);
    expect(ping.body.message).toMatch(/^Pinged all registered webhooks; 1 of \d+ failed\.$/);
    const ok = ping.body.successful_webhooks.find((w: { url: string }) => w.url === usersUrl);
    expect(ok).toEqual({ event: 'user_registered', url: usersUrl, payload_response: { ok: true }, status_code: 200 });
    expect(ping.body.successful_webhooks_count).toBe(ping.body.successful_webhooks.length);
    expect(ping.body.failed_webhooks_count).toBe(1);
    expect(ping.body.failed_webhooks).toEqual([
      { event: 'user_registered', url: closedUrl, error: 'Connection refused', status_code: null },
    ]);
    const pinged = rxUsers.requests.slice(before);
    expect(pinged).toHaveLength(1);
    expect(parseBody(pinged[0]!)).toEqual({
      type: 'user_registered',
      timestamp: expect.any(String),
      data: { arbitrary_key: 'test' },
    });

    // Without a filter and without a body: every webhook pinged, the default payload.
    expect((await call('DELETE', `${subs}/webhook`, { event: 'user_registered', url: closedUrl })).status).toBe(204);
    const pingAll = await call('POST', `${subs}/ping`, undefined, { headers: { 'content-type': 'application/json' } });
    expect(pingAll.status).toBe(200);
    const okUrls = pingAll.body.successful_webhooks.map((w: { url: string }) => w.url);
    expect(okUrls).toEqual(expect.arrayContaining([usersUrl, messagesUrl]));
    expect(pingAll.body.failed_webhooks.map((w: { url: string }) => w.url)).not.toContain(closedUrl);

    // Unregistration.
    const del = await call('DELETE', `${subs}/webhook`, { event: 'user_registered', url: usersUrl });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call('DELETE', `${subs}/webhook`, { event: 'user_registered', url: usersUrl })).status).toBe(404);
    const after = await call('GET', `${subs}/webhooks?event_filter=user_registered`);
    expect(JSON.stringify(after.body)).not.toContain(usersUrl);
    await cluster.untilDispatcherKnows(String(usersId), false);
    const count = rxUsers.requests.length;
    expect((await call('POST', `${photo}/users`, { username: `carol_${suffix()}` })).status).toBe(201);
    await nothingMoreHappensWithin(1500);
    expect(rxUsers.requests.length).toBe(count);
  });
});

describe('a web app publishes its own events: POST /webhooks/, the producer and consumer tools', () => {
  it('the consumer tool receives the producer tool’s event, signature valid', async () => {
    const port = await freePort();
    const consumerOut: string[] = [];
    const consumerUrl = `http://127.0.0.1:${port}`;
    const sub = await call('POST', `${cluster.url('subscriptions')}/webhooks/`, { url: consumerUrl });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ url: consumerUrl, eventTypes: ['*'] });
    expect(sub.body.secret).toMatch(/^whsec_/);
    // Producer scripts register at every run: the same subscription comes back.
    const again = await call('POST', `${cluster.url('subscriptions')}/webhooks`, { url: consumerUrl });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(sub.body.id);

    const consumer = spawnTs(
      'apps/photo-app/src/tools/consume.ts',
      ['--port', String(port), '--secret', sub.body.secret],
      {},
    );
    children.push(consumer);
    consumer.stdout?.on('data', (d: Buffer) => consumerOut.push(d.toString('utf8')));
    consumer.stderr?.on('data', (d: Buffer) => consumerOut.push(d.toString('utf8')));
    await waitFor(() => consumerOut.join('').includes('consume: listening'), 30_000, 'the consumer tool listening');
    expect(consumerOut.join('')).toContain('(verifying signatures)');
    await cluster.untilDispatcherKnows(sub.body.id);

    const producer = spawnTs('apps/photo-app/src/tools/produce.ts', ['order_created', '{"orderId":42}'], {
      HOOKLINE_URL: cluster.url('photo-app'),
    });
    children.push(producer);
    let produced = '';
    producer.stdout?.on('data', (d: Buffer) => {
      produced += d.toString('utf8');
    });
    producer.stderr?.on('data', (d: Buffer) => {
      produced += d.toString('utf8');
    });
    const code = await new Promise<number | null>((r) => producer.once('exit', (c) => r(c)));
    expect(produced).toMatch(/^202 \{.*"type":"order_created".*\}\n$/);
    expect(code).toBe(0);
    const eventId = JSON.parse(produced.slice(4)).id as string;

    const block = await waitFor(
      () =>
        consumerOut
          .join('')
          .split(/^--- /m)
          .find((b) => b.includes('"order_created"') && /signature: /.test(b)),
      20_000,
      'the consumer tool printing the delivery',
    );
    expect(block).toContain('{"type":"order_created"');
    expect(block).toContain('"data":{"orderId":42}');
    expect(block).toMatch(/^webhook-id: msg_/m);
    expect(block).toContain('signature: valid');
    expect(block).not.toContain('INVALID');

    // The producer tool's errors: a clear line, exit 1.
    const bad = spawnTs('apps/photo-app/src/tools/produce.ts', ['order_created', '{not json'], {
      HOOKLINE_URL: cluster.url('photo-app'),
    });
    children.push(bad);
    let badErr = '';
    bad.stderr?.on('data', (d: Buffer) => {
      badErr += d.toString('utf8');
    });
    expect(await new Promise<number | null>((r) => bad.once('exit', (c) => r(c)))).toBe(1);
    expect(badErr).toContain('produce: the data is not valid JSON');

    const list = await waitFor(
      async () => {
        const r = await call('GET', `${cluster.url('dispatcher')}/deliveries?eventId=${eventId}`);
        return r.body?.data?.[0]?.status === 'delivered' ? r : undefined;
      },
      15_000,
      'the delivery recorded',
    );
    expect(list.body.data[0]).toMatchObject({ subscriptionId: sub.body.id, eventType: 'order_created' });
  });
});

describe('third-party webhooks into stations: the REST gateway', () => {
  it('authenticate, produce with the token in the query string, a subscriber receives it, pull consumption', async () => {
    const gw = cluster.url('gateway');
    const station = `stripe-${suffix()}`;
    const rx = await receiver();

    const auth = await call('POST', `${gw}/auth/authenticate`, {
      username: GATEWAY_USER,
      password: GATEWAY_PASSWORD,
      account_id: 123456789,
      token_expiry_in_minutes: 6000000000,
      refresh_token_expiry_in_minutes: 100000,
    });
    expect(auth.status).toBe(200);
    expect(auth.body).toEqual({
      jwt: expect.any(String),
      expires_in: expect.any(Number),
      jwt_refresh_token: expect.any(String),
      refresh_token_expires_in: expect.any(Number),
    });
    const jwt = auth.body.jwt as string;
    const wrong = await call('POST', `${gw}/auth/authenticate`, { username: GATEWAY_USER, password: 'not-the-pass' });
    expect(wrong.status).toBe(401);

    const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
      url: `${rx.url}/stripe`,
      eventTypes: [`station.${station}`],
    });
    expect(sub.status).toBe(201);
    await cluster.untilDispatcherKnows(sub.body.id);

    // A consumer group receives what is published after its first use: use it once first.
    const pull = (wait = 200) =>
      call(
        'POST',
        `${gw}/stations/${station}/consume/batch?authorization=${jwt}`,
        { consumer_name: 'billing-1', consumer_group: 'billing', batch_size: 10, batch_max_wait_time_ms: wait },
        { timeoutMs: 20_000 },
      );
    const empty = await pull();
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);

    const unauthorized = await call('POST', `${gw}/stations/${station}/produce/single?authorization=nope`, { a: 1 });
    expect(unauthorized.status).toBe(401);

    const payload = { type: 'invoice.paid', data: { object: { id: 'in_1', amount_paid: 4200 } } };
    const produced = await call('POST', `${gw}/stations/${station}/produce/single?authorization=${jwt}`, payload);
    expect(produced.status).toBe(200);
    expect(produced.text).toBe('{"error":null,"success":true}');

    const [delivery] = await rx.waitFor(1, 20_000);
    expect(() => verifySignature(sub.body.secret, delivery!)).not.toThrow();
    expect(parseBody(delivery!)).toEqual({ type: `station.${station}`, timestamp: expect.any(String), data: payload });
    expect(delivery!.body).not.toContain(jwt);

    const got = await waitFor(
      async () => {
        const r = await pull(2000);
        return r.status === 200 && Array.isArray(r.body) && r.body.length > 0 ? r : undefined;
      },
      20_000,
      'the pulled message',
    );
    expect(got.body).toHaveLength(1);
    expect(JSON.parse(got.body[0].message)).toEqual(payload);
    expect(got.body[0].headers['content-type']).toMatch(/^application\/json/);
    expect(got.body[0].headers).not.toHaveProperty('authorization');
    // Acked once answered: the group does not get it again.
    const drained = await pull();
    expect(drained.body).toEqual([]);

    // A text body, the token as a Bearer header this time: subscribers get it in base64, pull consumers as text.
    const text = await call('POST', `${gw}/stations/${station}/produce/single`, undefined, {
      raw: 'hello station',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(200);
    const [, textDelivery] = await rx.waitFor(2, 20_000);
    expect(parseBody(textDelivery!)).toEqual({
      type: `station.${station}`,
      timestamp: expect.any(String),
      data: { content_type: 'text/plain', encoding: 'base64', body: Buffer.from('hello station').toString('base64') },
    });
    const gotText = await pull(2000);
    expect(gotText.body.map((m: { message: string }) => m.message)).toEqual(['hello station']);
  });
});
