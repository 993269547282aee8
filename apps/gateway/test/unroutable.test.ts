import { topologyNames } from '@hookline/broker';
import request from 'supertest';
import { type Harness, startHarness, USER } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('gwunroutable');
});
afterAll(async () => {
  await h?.close();
});

it('a station message no queue takes (the fan-out queue unbound by hand) is a 503, not a 200 for a lost message', async () => {
  const names = topologyNames(h.namespace);
  const { jwt } = (await request(h.app).post('/auth/authenticate').send(USER)).body as { jwt: string };
  const produce = () =>
    request(h.app).post(`/stations/nowhere/produce/single?authorization=${jwt}`).type('json').send('{"a":1}');
  await h.broker.withChannel((ch) => ch.unbindQueue(names.fanoutQueue, names.eventsExchange, '#'));
  try {
    const res = await produce();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ success: false, error: 'the broker is unavailable, try again shortly' });
  } finally {
    await h.broker.withChannel((ch) => ch.bindQueue(names.fanoutQueue, names.eventsExchange, '#'));
  }
  expect((await produce()).status).toBe(200);
});
