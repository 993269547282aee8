import { topologyNames } from '@hookline/broker';
import { waitFor } from '@hookline/testing';
import amqp from 'amqplib';
import { Cluster, suffix } from '../support/cluster';
import { call } from '../support/http';

/**
 * The photo app's outbox under kill -9 at each step of POST /users and POST /users/messages:
 * after the document write, after RabbitMQ's confirm, after the event was marked sent. After a restart
 * the record exists, its event reaches RabbitMQ, and every copy of it carries the one event id.
 */

const RELAY_AFTER_MS = 1000;
let cluster: Cluster;
let conn: amqp.ChannelModel;
const seen: { type: string; id: string; data: Record<string, unknown> }[] = [];

beforeAll(async () => {
  cluster = await Cluster.start({
    label: 'foutbox',
    apps: ['photo-app'],
    env: { OUTBOX_RELAY_AFTER_MS: String(RELAY_AFTER_MS) },
  });
  // A tap on the events exchange, bound like the dispatcher's fan-out queue: what RabbitMQ really got.
  conn = await amqp.connect(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672');
  const ch = await conn.createChannel();
  const queue = `${cluster.ns}.tap`;
  await ch.assertQueue(queue, { durable: false, exclusive: true });
  await ch.bindQueue(queue, topologyNames(cluster.ns).eventsExchange, '#');
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    seen.push(JSON.parse(msg.content.toString('utf8')));
    ch.ack(msg);
  });
}, 120_000);

afterAll(async () => {
  await conn?.close().catch(() => {});
  await cluster?.stop();
}, 30_000);

const copiesOf = (match: (data: Record<string, unknown>) => boolean) => seen.filter((e) => match(e.data));

/** Restarts the photo app with the failpoint armed, sends the request that dies, restarts it clean. */
async function crashAt(failpoint: string, path: string, body: unknown): Promise<void> {
  await cluster.kill('photo-app', 'SIGTERM');
  await cluster.startApp('photo-app', 60_000, { HOOKLINE_FAILPOINT: failpoint });
  const died = await call('POST', `${cluster.url('photo-app')}${path}`, body).then(
    (r) => `answered ${r.status}`,
    () => 'died',
  );
  expect(died).toBe('died');
  await cluster.startApp('photo-app');
}

const steps = [
  // [failpoint, copies RabbitMQ gets: the relay republishes what was not marked sent]
  ['outbox.written', 1],
  ['outbox.published', 2],
  ['outbox.marked', 1],
] as const;

describe.each(steps)('kill -9 at %s', (failpoint, copies) => {
  it('POST /users: the user exists and user_registered reaches RabbitMQ under one event id', async () => {
    const username = `u-${failpoint.replace('.', '-')}-${suffix()}`;
    await crashAt(failpoint, '/users', { username });

    const users = await call('GET', `${cluster.url('photo-app')}/users?limit=100`);
    const user = (users.body.data as { id: string; username: string }[]).find((u) => u.username === username);
    expect(user).toBeDefined();
    const events = await waitFor(
      () => {
        const found = copiesOf((d) => d.username === username);
        return found.length >= copies ? found : undefined;
      },
      15_000,
      `${copies} user_registered for ${username}`,
    );
    // Anything more would arrive within a relay round or two: give it that long.
    await new Promise((r) => setTimeout(r, 2 * RELAY_AFTER_MS + 500));
    const all = copiesOf((d) => d.username === username);
    expect(all).toHaveLength(copies);
    expect(new Set(all.map((e) => e.id)).size).toBe(1);
    expect(events[0]).toMatchObject({ type: 'user_registered', data: { userId: user?.id } });
    // The client's retry meets the user it created: 409, and no second event.
    expect((await call('POST', `${cluster.url('photo-app')}/users`, { username })).status).toBe(409);
  }, 90_000);

  it('POST /users/messages: the message exists and user_send_message reaches RabbitMQ under one event id', async () => {
    const [a, b] = [`a-${suffix()}`, `b-${suffix()}`];
    for (const username of [a, b]) {
      expect((await call('POST', `${cluster.url('photo-app')}/users`, { username })).status).toBe(201);
    }
    const subject = `s-${suffix()}`;
    await crashAt(failpoint, '/users/messages', { sender: a, recipient: b, subject, message: 'hello' });

    const inbox = await call('GET', `${cluster.url('photo-app')}/users/messages?recipient=${b}`);
    expect(inbox.body.data).toEqual([expect.objectContaining({ sender: a, subject })]);
    await waitFor(
      () => (copiesOf((d) => d.subject === subject).length >= copies ? true : undefined),
      15_000,
      `${copies} user_send_message with subject ${subject}`,
    );
    await new Promise((r) => setTimeout(r, 2 * RELAY_AFTER_MS + 500));
    const all = copiesOf((d) => d.subject === subject);
    expect(all).toHaveLength(copies);
    expect(new Set(all.map((e) => e.id)).size).toBe(1);
    expect(all[0]).toMatchObject({ type: 'user_send_message', data: { messageId: inbox.body.data[0].id } });
  }, 90_000);
});
