import { declareTopology } from '@hookline/broker';
import { assembleApp } from '@hookline/http';
import { connectMongo, createBroker, readinessChecks } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace, waitFor } from '@hookline/testing';
import { Router } from 'express';
import request from 'supertest';
import { logger } from './support/harness';

/** `/readyz` answers for the consumers too: a consumer that cannot subscribe is a 503 naming its queue. */
describe('/readyz and the consumers', () => {
  const ns = uniqueNamespace('ready');
  const broker = createBroker(
    { RABBITMQ_URL, HOOKLINE_NAMESPACE: ns, PORT: 0, LOG_LEVEL: 'silent' },
    `readiness-test-${ns}`,
    logger,
  );
  let db: Awaited<ReturnType<typeof connectMongo>>;

  beforeAll(async () => {
    await broker.start();
    db = await connectMongo(uniqueMongoUrl('ready'));
  });
  afterAll(async () => {
    await broker.close();
    await db.close();
    await deleteNamespace(ns);
  });

  it('is 503 with the consumer that is down while the publishing side is fine, 200 once it is back', async () => {
    const app = assembleApp({
      modules: [{ router: Router(), checks: readinessChecks(broker, db) }],
      logger,
      title: 'readiness',
    });
    await request(app).get('/readyz').expect(200);
    // A queue nobody has declared: the consumer keeps trying to subscribe.
    const queue = `${ns}.not-yet`;
    const consumer = broker.consume(queue, async () => 'ack', { prefetch: 1 });
    const down = await waitFor(
      async () => {
        const res = await request(app).get('/readyz');
        return res.status === 503 && res.body.checks.rabbitmq === 'ok' ? res.body : undefined;
      },
      10_000,
      'a 503 once both connections are up',
    );
    expect(down).toEqual({
      status: 'unavailable',
      checks: { rabbitmq: 'ok', consumers: 'unavailable', mongodb: 'ok' },
      down: { consumers: [queue] },
    });
    await broker.withChannel(async (ch) => {
      await declareTopology(ch, { namespace: ns });
      await ch.assertQueue(queue, { durable: false });
    });
    await consumer.ready;
    await waitFor(async () => (await request(app).get('/readyz')).status === 200, 10_000, 'ready again');
    await consumer.stop();
  });
});
